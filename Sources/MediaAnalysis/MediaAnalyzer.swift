import ClipGenCore
import Foundation
import MediaEngine

/// Analyses a source in one decode of its pictures (small YUV frames from FFmpeg on a pipe) and
/// one of its sound (48 kHz float PCM on another pipe), both at once, computing everything in
/// Swift as the bytes arrive. Memory stays flat: a few frames, one audio block, and one value
/// per `step` seconds.
public struct MediaAnalyzer: Sendable {
    public var ffmpegPath: String
    public var timeout: Duration
    /// Width of the frames the video is measured on; the height follows the picture's shape.
    public var frameWidth = 160

    public init(ffmpegPath: String = "ffmpeg", timeout: Duration = .seconds(3600)) {
        self.ffmpegPath = ffmpegPath
        self.timeout = timeout
    }

    /// Seconds between curve points: half a second, coarser for long videos so a curve stays
    /// under about 3,600 points.
    public static func step(forDuration duration: Double) -> Double {
        max(0.5, (duration / 3600 * 10).rounded(.up) / 10)
    }

    /// Analyses `path`; with `highlights`, also picks the windows worth clipping.
    /// `progress` gets fractions of the decode from 0 to 1.
    /// With `transcript`, highlights weigh what is said and keep their edges out of words.
    public func analyze(
        _ path: String, media: MediaInfo, highlights: JobRequest.Highlights? = nil, transcript: Transcript? = nil,
        progress: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> Analysis {
        guard let video = media.video else {
            throw MediaError(.noVideoStream, "the file has no video stream to analyse")
        }
        let step = Self.step(forDuration: media.duration)
        let fps = video.fps ?? 30
        let expectedFrames = max(1, media.duration * fps)
        let (width, height) = frameSize(for: media)
        let audioStream = media.defaultAudio

        async let pictures = readVideo(path, media: media, width: width, height: height, fps: fps, step: step) {
            frames in
            progress(min(1, Double(frames) / expectedFrames))
        }
        async let sound = readAudio(path, stream: audioStream, step: step)
        let (v, a) = try await (pictures, sound)
        progress(1)
        return Self.assemble(
            media: media, step: step, video: v, audio: a, highlights: highlights, transcript: transcript)
    }

    /// The analysis from what the pictures and the sound showed: scenes, loudness, and the
    /// highlights asked for (or five suggestions).
    static func assemble(
        media: MediaInfo, step: Double, video v: VideoAnalyzer.Findings, audio a: LoudnessAnalyzer.Findings?,
        highlights: JobRequest.Highlights?, transcript: Transcript?
    ) -> Analysis {
        var analysis = Analysis(
            duration: media.duration, fps: media.video?.fps, cuts: v.cuts,
            fades: v.fades.sorted { $0.start < $1.start },
            scenes: Self.scenes(duration: media.duration, cuts: v.cuts, black: v.black),
            silences: a?.silences ?? [], black: v.black, frozen: v.frozen, blurry: v.blurry,
            sharpness: v.sharpness.map { .init(time: $0.time, value: ($0.value * 10).rounded() / 10) },
            motion: v.motion.map { .init(time: $0.time, value: ($0.value * 100).rounded() / 100) }, step: step)
        analysis.loudness = a?.loudness(withCurve: true)
        let picker = HighlightPicker(analysis: analysis, transcript: transcript, query: highlights?.query)
        if let highlights {
            analysis.highlights = picker.pick(
                .init(
                    count: highlights.count, minDuration: highlights.resolvedMinDuration,
                    maxDuration: highlights.resolvedMaxDuration))
        } else {
            analysis.suggestions = picker.pick(.init(count: 5, minDuration: 5, maxDuration: 30))
        }
        return analysis
    }

    /// Loudness of a whole file's first audio stream (a rendered clip's); the file must have one.
    public func loudness(of file: String, channels: Int = 2) async throws -> Analysis.Loudness {
        try await readAudio(file, map: "0:a:0", channels: channels, step: 1).loudness(withCurve: false)
    }

    /// Frame size for analysis: `frameWidth` wide, the displayed shape, even sides for 4:2:0.
    public func frameSize(for media: MediaInfo) -> (width: Int, height: Int) {
        let display = media.displaySize
        guard display.width > 0, display.height > 0 else { return (frameWidth, frameWidth * 9 / 16) }
        let height = Int((Double(frameWidth) * Double(display.height) / Double(display.width) / 2).rounded()) * 2
        return (frameWidth, min(max(height, 16), 4 * frameWidth))
    }

    /// FFmpeg arguments that write the video as raw small YUV 4:2:0 frames to stdout. A source
    /// whose frame rate is not proven constant is resampled to its average rate, so frame `n`
    /// is at `n / fps`.
    ///
    /// Decoded as cheaply as the measurements allow (bench/analysis-vs-pyscenedetect.sh, the
    /// analysis tests): without the deblocking filter (`-skip_loop_filter all`, `-flags2 fast`),
    /// whose smoothing a 160-pixel frame averages away anyway, and shrunk in two steps, a cheap
    /// one to twice the size and an averaging one the rest of the way (an averaging scale
    /// straight from 720p costs a fifth of the decode).
    ///
    /// With `from`, decoding starts at that frame, which must be a keyframe (the decoder then
    /// gives the same pictures a decode from the start does), and stops after `frames` frames.
    public func videoArguments(
        _ path: String, media: MediaInfo, width: Int, height: Int, from first: Int? = nil, frames: Int? = nil
    ) -> [String] {
        var filters: [String] = []
        if let video = media.video, !video.constantFrameRate, let fps = video.fps {
            filters.append("fps=\(fps)")
        }
        let shown = media.displaySize
        if shown.width > 4 * width && shown.height > 4 * height {
            filters.append("scale=\(2 * width):\(2 * height):flags=fast_bilinear")
        }
        filters.append("scale=\(width):\(height):flags=area")
        filters.append("format=yuv420p")
        let stream = media.video.map { "0:\($0.index)" } ?? "0:v:0"
        var seek: [String] = []
        if let first, first > 0, let fps = media.video?.fps {
            // Not an accurate seek: the decode starts at the keyframe at or before the time, so a
            // quarter frame past the keyframe's time lands on it whatever the rounding.
            seek = ["-noaccurate_seek", "-ss", Self.seconds((Double(first) + 0.25) / fps)]
        }
        return ["-hide_banner", "-nostdin", "-v", "error", "-skip_loop_filter", "all", "-flags2", "fast"] + seek
            + InputPolicy.input(path) + [
                "-map", stream, "-an", "-sn", "-dn",
                "-vf", filters.joined(separator: ","),
            ] + (frames.map { ["-frames:v", String($0)] } ?? []) + ["-f", "rawvideo", "pipe:1"]
    }

    /// FFmpeg arguments that write one audio stream as 48 kHz float PCM, mono or stereo
    /// (more channels are folded into stereo).
    /// With `from` (seconds), an accurate seek: the first sample is the one at that time, as in a
    /// decode from the start; with `duration`, it stops after about that long.
    public func audioArguments(
        _ path: String, map: String, channels: Int, from start: Double? = nil, duration: Double? = nil
    ) -> [String] {
        ["-hide_banner", "-nostdin", "-v", "error"] + (start.map { ["-ss", Self.seconds($0)] } ?? [])
            + InputPolicy.input(path) + [
                "-map", map, "-vn", "-sn", "-dn",
                "-ac", channels == 1 ? "1" : "2", "-ar", "48000",
            ] + (duration.map { ["-t", Self.seconds($0)] } ?? []) + [
                "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1",
            ]
    }

    /// A time for FFmpeg to the microsecond, the precision it keeps.
    static func seconds(_ value: Double) -> String { String(format: "%.6f", value) }

    private func readVideo(
        _ path: String, media: MediaInfo, width: Int, height: Int, fps: Double, step: Double,
        frames: @escaping @Sendable (Int) -> Void
    ) async throws -> VideoAnalyzer.Findings {
        let measurer = FrameMeasurer(width: width, height: height)
        let analyzer = VideoAnalyzer(fps: fps, step: step)
        var count = 0
        try await readFrames(
            videoArguments(path, media: media, width: width, height: height), frameBytes: measurer.frameBytes
        ) { frame in
            measurer.consume(frame, emit: analyzer.consume)
            count += 1
            if count % 30 == 0 { frames(count) }
        }
        measurer.finish(emit: analyzer.consume)
        return analyzer.finish()
    }

    /// Runs FFmpeg with `arguments` (raw frames to stdout) and hands over each whole frame.
    func readFrames(_ arguments: [String], frameBytes: Int, each: (UnsafeRawBufferPointer) -> Void) async throws {
        var staging = [UInt8](repeating: 0, count: frameBytes)
        var filled = 0
        let output = try await PipeReader.run(
            ProcessSpec(executable: ffmpegPath, arguments: arguments, timeout: timeout)
        ) { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = min(chunk.count - offset, staging.count - filled)
                staging.withUnsafeMutableBytes { target in
                    target.baseAddress!.advanced(by: filled).copyMemory(
                        from: chunk.baseAddress!.advanced(by: offset), byteCount: n)
                }
                filled += n
                offset += n
                if filled == staging.count {
                    staging.withUnsafeBytes { each($0) }
                    filled = 0
                }
            }
        }
        guard output.succeeded else {
            throw MediaError(
                .analysisFailed, "FFmpeg could not decode the video for analysis",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
    }

    private func readAudio(_ path: String, stream: MediaInfo.AudioStream?, step: Double) async throws
        -> LoudnessAnalyzer.Findings?
    {
        guard let stream else { return nil }
        return try await readAudio(path, map: "0:\(stream.index)", channels: stream.channels, step: step)
    }

    private func readAudio(_ path: String, map: String, channels: Int, step: Double) async throws
        -> LoudnessAnalyzer.Findings
    {
        let channels = channels == 1 ? 1 : 2
        let analyzer = LoudnessAnalyzer(channels: channels, step: step)
        try await readSamples(audioArguments(path, map: map, channels: channels), channels: channels) {
            analyzer.consume($0)
        }
        return analyzer.finish()
    }

    /// Runs FFmpeg with `arguments` (float PCM to stdout) and hands over whole sample frames.
    func readSamples(_ arguments: [String], channels: Int, each: (UnsafeBufferPointer<Float>) -> Void) async throws {
        let frameBytes = 4 * channels
        var pending: [UInt8] = []
        let output = try await PipeReader.run(
            ProcessSpec(executable: ffmpegPath, arguments: arguments, timeout: timeout)
        ) { chunk in
            pending.append(contentsOf: chunk)
            let whole = pending.count / frameBytes * frameBytes
            guard whole > 0 else { return }
            pending.withUnsafeBytes { bytes in
                each(UnsafeRawBufferPointer(rebasing: bytes[0..<whole]).bindMemory(to: Float.self))
            }
            pending.removeFirst(whole)
        }
        guard output.succeeded else {
            throw MediaError(
                .analysisFailed, "FFmpeg could not decode the audio for analysis",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
    }

    /// Shots between hard cuts, with black stretches (fades through black) between shots left out.
    static func scenes(duration: Double, cuts: [Analysis.Cut], black: [TimeRange]) -> [TimeRange] {
        var scenes: [TimeRange] = []
        var start = 0.0
        let boundaries = (cuts.map { TimeRange(start: $0.time, end: $0.time) } + black).sorted { $0.start < $1.start }
        for boundary in boundaries {
            if boundary.start - start > 0.01 { scenes.append(TimeRange(start: start, end: boundary.start)) }
            start = max(start, boundary.end)
        }
        if duration - start > 0.01 { scenes.append(TimeRange(start: start, end: duration)) }
        return scenes.map {
            TimeRange(start: ($0.start * 1000).rounded() / 1000, end: ($0.end * 1000).rounded() / 1000)
        }
    }

}
