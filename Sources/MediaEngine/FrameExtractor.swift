import ClipGenCore
import Foundation

/// Still frames from a source: for each time, the frame on screen then (the one whose span
/// holds it), upright, with square pixels, deinterlaced when the source is interlaced.
public struct FrameExtractor: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    /// One image per time into `directory` (`frame-00001.jpg`, … in the order of `times`, which
    /// must be ascending); answers the files. `every`, when the times are that regular, reads the
    /// source once instead of seeking for each frame.
    public func extract(
        _ input: String, times: [Double], every: Double?, media: MediaInfo, format: FrameRequest.Format, width: Int?,
        into directory: String, progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> [String] {
        guard media.video != nil else {
            throw MediaError(.unsupportedMedia, "the source has no pictures to take frames from")
        }
        let files = times.indices.map {
            directory + "/frame-" + String($0 + 1).leftPadded(to: 5) + "." + format.fileExtension
        }
        if let every, times.count > 1 {
            try await run(
                InputPolicy.input(input) + [
                    "-map", "0:v:0", "-vf",
                    (["setpts=PTS-STARTPTS", Self.everySelect(every, media: media)]
                        + filters(media, width: width, format: format)).joined(separator: ","),
                    "-fps_mode", "passthrough", "-frames:v", "\(times.count)",
                ] + Self.encoder(format) + ["-f", "image2", directory + "/frame-%05d." + format.fileExtension])
            progress(1)
        } else {
            for (done, (time, file)) in zip(times, files).enumerated() {
                let shown = CutPlan.frameStart(containing: time, fps: media.video?.fps)
                let seek = max(0, shown - (media.video?.fps.map { 0.25 / $0 } ?? 0))
                try await run(
                    ["-ss", CutPlan.seconds(seek)] + InputPolicy.input(input) + [
                        "-map", "0:v:0", "-vf", filters(media, width: width, format: format).joined(separator: ","),
                        "-frames:v", "1",
                    ] + Self.encoder(format) + ["-f", "image2", "-update", "1", file])
                progress(Double(done + 1) / Double(times.count))
            }
        }
        let missing = files.filter { !FileManager.default.fileExists(atPath: $0) }
        guard missing.isEmpty else {
            throw MediaError(.renderFailed, "FFmpeg made \(files.count - missing.count) of \(files.count) frames")
        }
        return files
    }

    /// The size the frames come out at.
    public static func size(of media: MediaInfo, width: Int?) -> (width: Int, height: Int) {
        let (w, h) = media.displaySize
        guard let width, w > 0 else { return (w, h) }
        return (width, max(2, Int((Double(width) * Double(h) / Double(w) / 2).rounded()) * 2))
    }

    /// Selects the frame on screen at each multiple of `every` seconds: the one whose span
    /// [t, t + one frame) holds the next multiple at or after its start.
    static func everySelect(_ every: Double, media: MediaInfo) -> String {
        let frame = CutPlan.number(1 / (media.video?.fps ?? 1000))
        let n = CutPlan.number(every)
        return "select='lt(\(n)*ceil(t/\(n)-0.000001),t+\(frame)-0.000001)'"
    }

    private func filters(_ media: MediaInfo, width: Int?, format: FrameRequest.Format) -> [String] {
        var filters: [String] = []
        if media.video?.interlaced == true { filters.append("bwdif=mode=send_frame:parity=auto:deint=interlaced") }
        if media.video?.sampleAspectRatio != .square { filters.append("scale=trunc(iw*sar/2)*2:ih,setsar=1") }
        if let width { filters.append("scale=\(width):-2:flags=lanczos") }
        filters.append(format == .jpeg ? "format=yuvj420p" : format == .png ? "format=rgb24" : "format=yuv420p")
        return filters
    }

    static func encoder(_ format: FrameRequest.Format) -> [String] {
        switch format {
        case .jpeg: ["-c:v", "mjpeg", "-q:v", "2"]
        case .png: ["-c:v", "png"]
        case .webp: ["-c:v", "libwebp", "-quality", "90"]
        }
    }

    private func run(_ arguments: [String]) async throws {
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath, arguments: ["-hide_banner", "-nostdin", "-y", "-v", "error"] + arguments,
                timeout: timeout))
        guard output.succeeded else {
            throw MediaError(
                .renderFailed, "FFmpeg could not take the frames",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
    }
}
