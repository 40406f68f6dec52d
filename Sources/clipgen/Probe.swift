import ArgumentParser
import Foundation
import MediaEngine

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what ClipGen reads from a video: streams, duration, keyframes.")

    @Argument(help: "The video to probe.") var input: String

    func run() async throws {
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("\(input): no such file") }
        let info = try await Prober().probe(input)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(info), as: UTF8.self))
    }
}
