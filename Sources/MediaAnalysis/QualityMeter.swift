import ClipGenCore
import Foundation
import MediaEngine

/// PSNR and SSIM of a rendered clip against its source range (FFmpeg's psnr and ssim filters),
/// and the clip's integrated loudness.
public struct QualityMeter: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    /// PSNR is capped at 100 dB: identical frames have an infinite PSNR, which JSON cannot carry.
    public static let psnrCap = 100.0

    public func measure(clip: String, plan: CutPlan, skipping intro: Double? = nil) async throws -> ClipQuality {
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath, arguments: plan.qualityArguments(clip: clip, skipping: intro), timeout: timeout)
        )
        guard output.succeeded, let scores = Self.parse(output.stderrTail) else {
            throw MediaError(
                .analysisFailed, "the clip's quality could not be measured",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        var loudness: Double?
        if plan.audioStreamIndex != nil {
            loudness = try await MediaAnalyzer(ffmpegPath: ffmpegPath, timeout: timeout).loudness(of: clip)
                .integratedLUFS
        }
        return ClipQuality(psnr: scores.psnr, ssim: scores.ssim, loudnessLUFS: loudness)
    }

    /// The psnr filter's `average:` and the ssim filter's `All:` from their summary lines.
    static func parse(_ stderr: String) -> (psnr: Double, ssim: Double)? {
        var psnr: Double?
        var ssim: Double?
        for line in stderr.split(separator: "\n") {
            if line.contains("PSNR "), let value = Self.value(after: "average:", in: line) {
                psnr = value == "inf" ? psnrCap : Double(value).map { min($0, psnrCap) }
            }
            if line.contains("SSIM "), let value = Self.value(after: "All:", in: line) {
                ssim = Double(value)
            }
        }
        guard let psnr, let ssim else { return nil }
        return ((psnr * 100).rounded() / 100, (ssim * 10000).rounded() / 10000)
    }

    private static func value(after key: String, in line: Substring) -> Substring? {
        guard let range = line.range(of: key) else { return nil }
        return line[range.upperBound...].prefix { !$0.isWhitespace }
    }
}
