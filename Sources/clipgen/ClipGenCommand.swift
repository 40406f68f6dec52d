import ArgumentParser

@main
struct ClipGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clipgen",
        abstract: "Cut, reframe and serve clips from long videos.",
        subcommands: [
            Serve.self, Worker.self, Admin.self, Clip.self, Frames.self, Probe.self, Analyze.self, Transcribe.self,
        ],
        defaultSubcommand: Serve.self)
}
