import ArgumentParser
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            """
            Analyse a local video without a server: cuts, fades, black, frozen and blurry stretches, loudness, \
            silences, highlights.
            """
    )

    @Argument(help: "The video to analyse.") var input: String
    @Flag(help: "Print the analysis as JSON (the body of GET /v1/jobs/{id}/analysis).") var json = false
    @Option(help: "Also pick this many highlights.") var highlights: Int?
    @Option(name: .customLong("min-duration"), help: "Shortest highlight, seconds (15).") var minDuration: Double?
    @Option(name: .customLong("max-duration"), help: "Longest highlight, seconds (60).") var maxDuration: Double?
    @Option(help: "Seconds before FFmpeg is stopped.") var timeout: Double = 3600

    func run() async throws {
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        var wanted: JobRequest.Highlights?
        if let highlights {
            wanted = .init(count: highlights, minDuration: minDuration, maxDuration: maxDuration)
            var request = JobRequest(source: .init(uploadId: .make()))
            request.highlights = wanted
            if let problem = request.validate().first {
                let flag =
                    [
                        "highlights.count": "--highlights", "highlights.minDuration": "--min-duration",
                        "highlights.maxDuration": "--max-duration",
                    ][problem.field] ?? problem.field
                throw ValidationError("\(flag): \(problem.message)")
            }
        }
        let limit = Duration.seconds(timeout)
        let media = try await Prober(timeout: limit).probe(input)
        let analysis = try await MediaAnalyzer(timeout: limit).analyze(input, media: media, highlights: wanted)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(analysis), as: UTF8.self))
        } else {
            print(Self.summary(analysis))
        }
    }

    static func summary(_ a: Analysis) -> String {
        func t(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
        func ranges(_ list: [TimeRange]) -> String {
            list.isEmpty ? "none" : list.map { "\(t($0.start))–\(t($0.end))" }.joined(separator: ", ")
        }
        var lines = ["duration \(t(a.duration)) s" + (a.fps.map { String(format: ", %.3f fps", $0) } ?? "")]
        lines.append(
            "cuts (\(a.cuts.count)): "
                + (a.cuts.isEmpty ? "none" : a.cuts.map { "\(t($0.time)) (frame \($0.frame))" }.joined(separator: ", "))
        )
        lines.append("scenes: \(a.scenes.count)")
        lines.append(
            "fades: "
                + (a.fades.isEmpty
                    ? "none"
                    : a.fades.map { "\($0.kind.rawValue) \(t($0.start))–\(t($0.end))" }.joined(separator: ", ")))
        lines.append("black: \(ranges(a.black))")
        lines.append("frozen: \(ranges(a.frozen))")
        lines.append("blurry: \(ranges(a.blurry))")
        if let l = a.loudness {
            let value = { (v: Double?, unit: String) in v.map { String(format: "%.1f %@", $0, unit) } ?? "n/a" }
            lines.append(
                """
                loudness: integrated \(value(l.integratedLUFS, "LUFS")), range \(value(l.rangeLU, "LU")), true \
                peak \(value(l.truePeakDBTP, "dBTP"))
                """
            )
            lines.append("silences: \(ranges(a.silences))")
        } else {
            lines.append("loudness: no audio")
        }
        for (i, h) in a.highlights.enumerated() {
            lines.append(
                "highlight \(i + 1): \(t(h.start))–\(t(h.end)) score \(String(format: "%.2f", h.score)) — \(h.reason)")
        }
        return lines.joined(separator: "\n")
    }
}
