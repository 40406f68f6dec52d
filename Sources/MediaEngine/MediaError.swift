import ClipGenCore
import Foundation

/// A failure of the media engine, with a message a user can act on. FFmpeg's own words, when
/// it gave any, are in `detail`.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The codes are the job's: a media failure is stored on the job as it is.
    public typealias Code = JobError.Code

    public var code: Code
    public var message: String
    public var detail: String

    public init(_ code: Code, _ message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? message : "\(message): \(detail)" }

    /// Whether trying again could help: a missing tool or unreadable file will not change.
    public var isRetryable: Bool {
        [.mediaTimeout, .renderFailed, .analysisFailed, .transcriptionFailed, .reframeFailed].contains(code)
    }

    public var jobError: JobError { JobError(code: code, message: description) }

    /// The most telling line of FFmpeg's stderr: the last one that is not progress noise.
    public static func reason(fromStderr stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let last = lines.last else { return "" }
        // ffmpeg prefixes messages with the input path and a context tag: "[mov,mp4 @ 0x…] "; keep what follows.
        var text = Substring(last)
        while text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            text = text[text.index(after: close)...].drop(while: { $0 == " " })
        }
        if let colon = text.range(of: ": ", options: .backwards), text[..<colon.lowerBound].contains("/") {
            text = text[colon.upperBound...]
        }
        return String(text.prefix(300))
    }
}
