import ArgumentParser
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Workers

struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Transcribe a local video's English speech without a server: words with times, as JSON, SRT, VTT or text.")

    @Argument(help: "The video (or audio) to transcribe.") var input: String
    @Option(help: "json (the body of GET /v1/jobs/{id}/transcript), srt, vtt or text.") var format: String = "text"
    @Option(name: .customLong("out"), help: "Write to this file instead of standard output.") var output: String?
    @Option(
        name: .customLong("helpers-venv"),
        help: "The speech helper's environment (CLIPGEN_HELPERS_VENV, else .venv-helpers).")
    var helpersVenv: String?
    @Option(help: "Seconds before FFmpeg or the recogniser is stopped.") var timeout: Double = 3600

    func run() async throws {
        guard ["json", "srt", "vtt", "text"].contains(format) else {
            throw ValidationError("--format must be json, srt, vtt or text")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let limit = Duration.seconds(timeout)
        let media = try await Prober(timeout: limit).probe(input)
        let transcript = try await withScratch { scratch in
            try await SpeechRecognizer(helper: Self.helper(helpersVenv, timeout: limit), timeout: limit)
                .transcribe(input, media: media, scratch: scratch)
        }
        let text: String
        switch format {
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            text = String(decoding: try encoder.encode(transcript), as: UTF8.self) + "\n"
        case "srt", "vtt":
            let track = CaptionTrack(wholeSourceOf: transcript)
            text = format == "srt" ? track.srt : track.vtt
        default:
            text = transcript.segments.map(\.text).joined(separator: "\n") + "\n"
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }

    /// The helpers' environment: the flag, else `CLIPGEN_HELPERS_VENV`, else the default.
    static func helper(_ venv: String?, timeout: Duration) -> PythonHelper {
        let environment = ProcessInfo.processInfo.environment[ConfigurationKey.environmentName("helpersVenv")]
        return PythonHelper(venv: venv ?? environment ?? MediaConfiguration().helpersVenv, timeout: timeout)
    }
}

/// A scratch directory of the command's own, removed however it ends.
func withScratch<T>(
    isolation: isolated (any Actor)? = #isolation, _ body: (String) async throws -> T
) async throws -> T {
    try await ScratchSpace.withDirectory(NSTemporaryDirectory() + "clipgen-" + UUID().uuidString, body)
}
