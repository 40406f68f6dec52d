import ClipGenCore
import Foundation

/// EBU R128 figures from FFmpeg's loudnorm analysis (its first pass).
public struct LoudnessMeasurement: Sendable, Equatable, Codable {
    /// Integrated loudness, LUFS.
    public var integrated: Double
    /// True peak, dBTP.
    public var truePeak: Double
    /// Loudness range, LU.
    public var range: Double
    public var threshold: Double
    public var offset: Double
}

/// Measures loudness with `loudnorm=print_format=json` over a whole file or a clip's range.
public struct LoudnessMeter: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    /// The source range a plan reads, with its fades applied, as loudnorm's second pass will see it.
    public func measure(_ plan: CutPlan) async throws -> LoudnessMeasurement {
        guard let audio = plan.audioStreamIndex else {
            throw MediaError(.renderFailed, "the source has no audio to measure")
        }
        let filters = plan.audioFilters(includingLoudnorm: false) + [Self.analysis(target: plan.options.targetLUFS)]
        return try await run(plan.inputArguments + ["-map", "0:\(audio)", "-af", filters.joined(separator: ",")])
    }

    /// A whole file's first audio stream (a rendered clip, for the loudness stored with it).
    public func measure(file: String) async throws -> LoudnessMeasurement {
        try await run(["-i", file, "-map", "0:a:0", "-af", Self.analysis(target: -14)])
    }

    /// The source range's noise floor in dBFS (the quietest stretch's level, from `astats`), what
    /// audio denoising is tuned to; nil for a range of digital silence.
    public func noiseFloor(_ plan: CutPlan) async throws -> Double? {
        guard let audio = plan.audioStreamIndex else { return nil }
        let filters =
            plan.audioFilters(includingLoudnorm: false, includingRepairs: false).filter { $0.hasPrefix("aselect") }
            + ["astats=measure_perchannel=none:measure_overall=Noise_floor"]
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath,
                arguments: ["-hide_banner", "-nostdin", "-nostats", "-v", "info"] + plan.inputArguments + [
                    "-map", "0:\(audio)", "-af", filters.joined(separator: ","), "-vn", "-sn", "-dn", "-f", "null", "-",
                ],
                timeout: timeout))
        guard output.succeeded else {
            throw MediaError(
                .renderFailed, "the noise in the audio could not be measured",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        return Self.noiseFloor(output.stderrTail)
    }

    /// The last `Noise floor dB: X` astats printed; nil when it is not a finite number.
    static func noiseFloor(_ stderr: String) -> Double? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.contains("Noise floor dB:") }),
            let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
            value.isFinite
        else { return nil }
        return value
    }

    static func analysis(target: Double) -> String {
        "loudnorm=I=\(CutPlan.number(target)):TP=-1.5:LRA=11:print_format=json"
    }

    private func run(_ arguments: [String]) async throws -> LoudnessMeasurement {
        // loudnorm prints its JSON at info level, at the end; stats and banner stay off.
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath,
                arguments: ["-hide_banner", "-nostdin", "-nostats", "-v", "info"] + arguments + [
                    "-vn", "-sn", "-dn", "-f", "null", "-",
                ],
                timeout: timeout))
        guard output.succeeded, let measurement = Self.parse(output.stderrTail) else {
            throw MediaError(
                .renderFailed, "the loudness of the audio could not be measured",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        return measurement
    }

    /// The last `{…}` block loudnorm printed; its values are strings of numbers.
    static func parse(_ stderr: String) -> LoudnessMeasurement? {
        guard let open = stderr.range(of: "{", options: .backwards),
            let close = stderr.range(of: "}", options: .backwards), open.lowerBound < close.lowerBound,
            let object = try? JSONSerialization.jsonObject(with: Data(stderr[open.lowerBound...close.lowerBound].utf8))
                as? [String: String]
        else { return nil }
        func value(_ key: String) -> Double? { object[key].flatMap(Double.init) }
        guard let i = value("input_i"), let tp = value("input_tp"), let lra = value("input_lra"),
            let threshold = value("input_thresh"), let offset = value("target_offset"), i.isFinite
        else { return nil }
        return LoudnessMeasurement(integrated: i, truePeak: tp, range: lra, threshold: threshold, offset: offset)
    }
}
