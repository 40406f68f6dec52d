import ArgumentParser
import ClipGenCore
import Foundation
import MediaEngine

struct Clip: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cut one clip from a local file, without a server.")

    @Argument(help: "The source video.") var input: String
    @Option(help: "Start: seconds (12.5) or a timecode (00:00:12.500).") var start: String
    @Option(help: "End: seconds or a timecode.") var end: String
    @Option(help: "keyframe (stream copy from the keyframe before start), exact (re-encode) or smart.") var mode: String = "exact"
    @Option(help: "mp4, webm or gif (default: from --out's extension, else mp4).") var format: String?
    @Option(help: "original, 16:9, 9:16, 1:1 or 4:5.") var aspect: String = "original"
    @Option(name: .customLong("crop-x"), help: "Crop window position, 0 (left) to 1 (right).") var cropX: Double = 0.5
    @Option(help: "Output height in pixels (even).") var height: Int?
    @Option(help: "Frame-rate cap.") var fps: Double?
    @Option(help: "Seconds of fade in and out.") var fade: Double = 0
    @Flag(name: .customLong("normalize-audio"), help: "EBU R128 loudness normalisation (two-pass loudnorm).") var normalizeAudio = false
    @Option(name: .customLong("target-lufs"), help: "Loudness target for --normalize-audio.") var targetLUFS: Double = -14
    @Option(name: .customLong("out"), help: "Output file.") var output: String
    @Option(help: "Seconds before FFmpeg is stopped.") var timeout: Double = 3600

    func run() async throws {
        guard let startTime = MediaTime(timecode: start) else { throw ValidationError("--start '\(start)' is not seconds or a timecode") }
        guard let endTime = MediaTime(timecode: end) else { throw ValidationError("--end '\(end)' is not seconds or a timecode") }
        guard let cutMode = CutMode(rawValue: mode) else { throw ValidationError("--mode must be keyframe, exact or smart") }
        let formatName = format ?? (output as NSString).pathExtension.lowercased()
        guard let outputFormat = OutputFormat(rawValue: formatName) ?? (format == nil ? .mp4 : nil) else {
            throw ValidationError("--format must be mp4, webm or gif")
        }
        guard let outputAspect = Aspect(rawValue: aspect) else { throw ValidationError("--aspect must be original, 16:9, 9:16, 1:1 or 4:5") }
        let options = OutputOptions(format: outputFormat, mode: cutMode, aspect: outputAspect, height: height, fps: fps, cropX: cropX,
                                    normalizeAudio: normalizeAudio, targetLUFS: targetLUFS, fadeSeconds: fade)
        let request = JobRequest(source: .init(uploadId: .make()),
                                 clips: [.init(start: startTime.seconds, end: endTime.seconds)], output: options)
        if let problem = request.validate().first {
            let flag = problem.field.replacingOccurrences(of: "clips[0].", with: "--").replacingOccurrences(of: "output.", with: "--")
            throw ValidationError("\(flag == "clips[0]" ? "the clip" : flag): \(problem.message)")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let limit = Duration.milliseconds(Int(timeout * 1000))
        let prober = Prober(timeout: limit)
        let media = try await prober.probe(input)
        if endTime.seconds > media.duration + media.frameDuration / 2 {
            throw ValidationError(JobError.rangeOutsideMedia(clipIndex: 0, end: endTime.seconds, duration: media.duration).message)
        }
        let plan = CutPlan(input: input, output: output, start: startTime.seconds, end: endTime.seconds, options: options, media: media)
        let loudness = try await Cutter(timeout: limit).render(plan)
        let duration = try await prober.duration(of: output)
        var summary: [String: Any] = ["output": output, "modeUsed": plan.mode.rawValue, "actualStart": plan.actualStart, "duration": duration]
        summary["fallbackReason"] = plan.fallbackReason
        summary["loudnessLUFS"] = loudness?.integrated
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
