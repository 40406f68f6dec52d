import ArgumentParser
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine

struct Frames: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Take still frames from a local video without a server: every N seconds, at given times, or one per shot."
    )

    @Argument(help: "The video.") var input: String
    @Option(help: "One frame every this many seconds.") var every: Double?
    @Option(help: "Frames at these times, seconds, comma-separated (1.5,30).") var at: String?
    @Flag(help: "One frame from the middle of each shot (the video is analysed first).") var shots = false
    @Option(help: "jpeg, png or webp.") var format: String = "jpeg"
    @Option(help: "Width in pixels (even); default the video's.") var width: Int?
    @Option(name: .customLong("out"), help: "Directory the frames are written to (made if missing).") var output: String
    @Option(help: "Seconds before FFmpeg is stopped.") var timeout: Double = 3600

    func run() async throws {
        let times = try at.map { list in
            try list.split(separator: ",").map { item in
                guard let time = MediaTime(timecode: item.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--at: '\(item)' is not seconds or a timecode")
                }
                return time.seconds
            }
        }
        let request = FrameRequest(
            every: every, at: times, shots: shots ? true : nil,
            format: try choice(format, for: "--format", as: FrameRequest.Format.self), width: width)
        if let problem = request.validate().first {
            let flag =
                ["frames": "--every, --at or --shots", "frames.every": "--every", "frames.width": "--width"][
                    problem.field] ?? "--at"
            throw ValidationError("\(flag): \(problem.message)")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let limit = Duration.seconds(timeout)
        let media = try await Prober(timeout: limit).probe(input)
        let middles =
            shots
            ? try await MediaAnalyzer(timeout: limit).analyze(input, media: media, highlights: nil).scenes.map {
                ($0.start + $0.end) / 2
            } : []
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let wanted = request.times(duration: media.duration, shots: middles)
        let files = try await FrameExtractor(timeout: limit).extract(
            input, times: wanted, every: every, media: media, format: request.format, width: width, into: output)
        for (time, file) in zip(wanted, files) { print(String(format: "%.3f\t", time) + file) }
    }
}
