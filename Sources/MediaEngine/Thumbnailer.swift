import ClipGenCore
import Foundation

/// Poster frames for clips and storyboard sprites (with a WebVTT index) for sources.
public struct Thumbnailer: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    /// A JPEG of a rendered clip, at most 360 px high: the keyframe nearest a third of the way in
    /// (past any fade-in), or that exact frame when `exact` or when the file's keyframes are not
    /// known (`PosterFrame`). `part` is the stretch of the file that is the clip's own (not a
    /// brand's intro or outro).
    public func poster(
        of file: String, duration: Double, part: ClosedRange<Double>? = nil, exact: Bool = false, fadeIn: Double = 0,
        to jpeg: String
    ) async throws {
        let keyframes = exact ? nil : MP4Reader(path: file)?.keyframeTimes
        let frame = PosterFrame.choose(in: part ?? 0...duration, keyframes: keyframes, exact: exact, fadeIn: fadeIn)
        try await run(
            frame.inputArguments(file, hostile: false) + PosterFrame.outputArguments(input: 0, to: jpeg), output: jpeg)
    }

    /// One sprite JPEG of the whole source. Only keyframes are read (`-discard nokey`: the
    /// demuxer skips the other pictures' bytes, 3.6× faster than decoding keyframes only from
    /// every packet) and decoded, so a long source costs little; each tile shows the keyframe
    /// nearest its time.
    public func storyboard(of source: String, media: MediaInfo, to jpeg: String) async throws -> Storyboard {
        let board = Storyboard(media: media)
        let filter =
            "fps=1/\(CutPlan.number(board.interval)):round=down,scale=\(board.tileWidth):\(board.tileHeight),setsar=1,"
            + "tile=\(board.columns)x\(board.rows)"
        try await run(
            PosterFrame.keyframesOnly + InputPolicy.input(source) + [
                "-map", "0:v:0", "-vf", filter, "-frames:v", "1",
                "-fps_mode", "vfr", "-q:v", "5", "-f", "mjpeg", jpeg,
            ], output: jpeg)
        return board
    }

    private func run(_ arguments: [String], output: String) async throws {
        let result = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath, arguments: ["-hide_banner", "-nostdin", "-y", "-v", "error"] + arguments,
                timeout: timeout))
        guard result.succeeded, FileManager.default.fileExists(atPath: output) else {
            try? FileManager.default.removeItem(atPath: output)
            throw MediaError(
                .renderFailed, "FFmpeg could not make the thumbnail",
                detail: MediaError.reason(fromStderr: result.stderrTail))
        }
    }
}
