import ArgumentParser
import ClipGenCore
import Foundation
import MediaEngine

struct Clip: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cut one clip from a local file, without a server.")

    @Argument(help: "The source video.") var input: String
    @Option(help: "Start: seconds (12.5) or a timecode (00:00:12.500).") var start: String
    @Option(help: "End: seconds or a timecode.") var end: String
    @Option(help: "keyframe (stream copy, starts at the keyframe before start) or exact (re-encode).") var mode: String = "exact"
    @Option(help: "Output height in pixels (exact mode).") var height: Int?
    @Option(name: .customLong("out"), help: "Output file (.mp4).") var output: String
    @Option(help: "Seconds before FFmpeg is stopped.") var timeout: Double = 3600

    func run() async throws {
        guard let startTime = MediaTime(timecode: start) else { throw ValidationError("--start '\(start)' is not seconds or a timecode") }
        guard let endTime = MediaTime(timecode: end) else { throw ValidationError("--end '\(end)' is not seconds or a timecode") }
        guard let cutMode = CutMode(rawValue: mode) else { throw ValidationError("--mode must be keyframe, exact or smart") }
        let options = OutputOptions(mode: cutMode, height: height)
        let request = JobRequest(source: .init(uploadId: Identifier.make()),
                                 clips: [.init(start: startTime.seconds, end: endTime.seconds)], output: options)
        if let problem = request.validate().first {
            throw ValidationError("\(problem.field.replacingOccurrences(of: "clips[0].", with: "--").replacingOccurrences(of: "output.", with: "--")): \(problem.message)")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let limit = Duration.milliseconds(Int(timeout * 1000))
        let prober = Prober(timeout: limit)
        let media = try await prober.probe(input)
        if endTime.seconds > media.duration + media.frameDuration / 2 {
            throw ValidationError(JobError.rangeOutsideMedia(clipIndex: 0, end: endTime.seconds, duration: media.duration).message)
        }
        let plan = CutPlan(input: input, output: output, start: startTime.seconds, end: endTime.seconds, options: options, media: media)
        try await Cutter(timeout: limit).render(plan)
        let duration = try await prober.duration(of: output)
        let summary: [String: String] = [
            "output": output, "modeUsed": plan.mode.rawValue, "actualStart": "\(plan.actualStart)",
            "duration": "\(duration)", "fallbackReason": plan.fallbackReason ?? "",
        ]
        let data = try JSONSerialization.data(withJSONObject: summary.filter { !$0.value.isEmpty }, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
