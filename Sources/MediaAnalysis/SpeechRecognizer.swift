import ClipGenCore
import Foundation
import MediaEngine

/// The words of a source, with times: FFmpeg decodes its sound to 16 kHz mono, and the speech
/// helper (Whisper tiny.en through CTranslate2, weights bundled in a package) recognises it.
/// English only; a source without sound has no words.
public struct SpeechRecognizer: Sendable {
    public var helper: PythonHelper
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration
    /// Threads the recogniser may use; default every core.
    public var threads: Int

    public init(
        helper: PythonHelper = PythonHelper(), runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg",
        timeout: Duration = .seconds(3600), threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.helper = helper
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
        self.threads = max(1, threads)
    }

    /// `scratch` is a directory of the caller's, for the decoded sound; `progress` runs 0 to 1.
    public func transcribe(
        _ path: String, media: MediaInfo, scratch: String,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> Transcript {
        try await transcribe(path, media: media, from: 0, to: nil, scratch: scratch, progress: progress)
    }

    /// The words between `from` and `to` (the end when nil), with times from the source's start.
    func transcribe(
        _ path: String, media: MediaInfo, from: Double, to: Double?, scratch: String,
        progress: @escaping @Sendable (Double) -> Void
    ) async throws -> Transcript {
        guard let audio = media.defaultAudio else {
            progress(1)
            return Transcript(model: Self.model, duration: media.duration, words: [])
        }
        // The helper is checked before minutes of decoding are spent for nothing.
        try helper.requireInstalled(for: .transcribe)
        let wav = scratch + "/speech.wav"
        let output = scratch + "/transcript.json"
        let decoded = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath,
                arguments: [
                    "-hide_banner", "-nostdin", "-y", "-v", "error",
                ] + (from > 0 ? ["-ss", String(from)] : []) + (to.map { ["-t", String($0 - from)] } ?? [])
                    + InputPolicy.input(path) + [
                        "-map", "0:\(audio.index)", "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav",
                        wav,
                    ], timeout: timeout))
        guard decoded.succeeded else {
            throw MediaError(
                .analysisFailed, "FFmpeg could not decode the source's sound",
                detail: MediaError.reason(fromStderr: decoded.stderrTail))
        }
        progress(0.05)
        try await helper.run(.transcribe, [wav, output, String(threads)]) { fraction in progress(0.05 + 0.95 * fraction)
        }
        do {
            var transcript = try JSONDecoder().decode(
                Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
            transcript.duration = media.duration
            if from > 0 { transcript.shift(by: from) }
            progress(1)
            return transcript
        } catch {
            throw MediaError(.transcriptionFailed, "speech recognition wrote no readable transcript")
        }
    }

    public static let model = "whisper-tiny.en-int8"
}
