import ClipGenCore
import Foundation
import Synchronization

/// Renders clips with FFmpeg and reports progress from `-progress pipe:1`.
public struct Cutter: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    /// For reading the packets of a smart cut's last GOP.
    public var ffprobePath: String
    public var timeout: Duration

    public init(
        runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", ffprobePath: String = "ffprobe",
        timeout: Duration = .seconds(3600)
    ) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.ffprobePath = ffprobePath
        self.timeout = timeout
    }

    /// Runs the plan; `progress` gets fractions from 0 to 1, never going back. When the plan
    /// normalises loudness, the source range is measured first (loudnorm's first pass) and the
    /// clip afterwards, and that measurement is returned.
    @discardableResult
    public func render(_ plan: CutPlan, progress: @escaping @Sendable (Double) -> Void = { _ in }) async throws
        -> LoudnessMeasurement?
    {
        var plan = plan
        if plan.options.format.isAudioOnly && plan.audioStreamIndex == nil {
            throw MediaError(
                .unsupportedMedia,
                "the source has no sound for a \(plan.options.format.rawValue) clip; ask for a video format")
        }
        let meter = LoudnessMeter(runner: runner, ffmpegPath: ffmpegPath, timeout: timeout)
        let normalising = plan.options.normalizeAudio && plan.audioStreamIndex != nil && plan.mode != .keyframe
        if plan.options.enhance?.audioDenoise != nil && plan.mode != .keyframe && plan.noiseFloor == nil {
            plan.noiseFloor = try await meter.noiseFloor(plan)
        }
        if normalising && plan.loudness == nil {
            plan.loudness = try await meter.measure(plan)
        }
        let motion = plan.output + ".motion.trf"
        defer { try? FileManager.default.removeItem(atPath: motion) }
        var progress = progress
        if plan.needsMotionPass && plan.stabilizeTransforms == nil {
            // Stabilisation's first pass reads the range once more: a third of the work.
            try await run(plan.motionArguments(result: motion), what: "the camera motion for stabilisation")
            plan.stabilizeTransforms = motion
            let outer = progress
            outer(0.3)
            progress = { outer(0.3 + 0.7 * $0) }
        }
        if let cut = plan.smartCut {
            try await smartEncode(plan, cut, progress: progress)
        } else if plan.options.format == .hls {
            try await package(plan) { try await encode(plan, progress: progress) }
        } else {
            try await encode(plan, progress: progress)
        }
        return normalising ? try await meter.measure(file: plan.output) : nil
    }

    /// Runs a copy pass: every clip and poster in it, or (on failure) none of them left behind.
    /// Progress follows the longest clip, which the run finishes last.
    public func copy(_ pass: CopyPass, progress: @escaping @Sendable (Double) -> Void = { _ in }) async throws {
        let tracker = ProgressTracker(
            duration: pass.items.map(\.plan.outputDuration).max() ?? 0, report: progress)
        let output = try await runner.run(
            ProcessSpec(executable: ffmpegPath, arguments: pass.ffmpegArguments(), timeout: timeout)
        ) { line in tracker.consume(line) }
        if Self.reservationFellShort(output) && pass.items.contains(where: { $0.plan.moovReservation != nil }) {
            var pass = pass
            for index in pass.items.indices { pass.items[index].plan.moovReservation = nil }
            return try await copy(pass, progress: progress)
        }
        let missing = pass.outputs.contains { !FileManager.default.fileExists(atPath: $0) }
        guard output.succeeded, !missing else {
            for file in pass.outputs { try? FileManager.default.removeItem(atPath: file) }
            let reason = MediaError.reason(fromStderr: output.stderrTail)
            if output.exitCode == nil {
                throw MediaError(.renderFailed, "FFmpeg was stopped before the clips were finished", detail: reason)
            }
            throw MediaError(.renderFailed, "FFmpeg could not copy the clips", detail: reason)
        }
        tracker.finish()
    }

    /// Whether a stream copy's index outgrew the room kept for it: FFmpeg then leaves the file
    /// without one yet exits 0, so this is read from what it says.
    static func reservationFellShort(_ output: ProcessOutput) -> Bool {
        output.stderrTail.contains("reserved_moov_size is too small")
    }

    /// Head, middle and tail into MPEG-TS pieces beside the output, then the join; progress is
    /// shared by frames for the pieces and by time for the join.
    private func smartEncode(_ plan: CutPlan, _ cut: SmartCut, progress: @escaping @Sendable (Double) -> Void)
        async throws
    {
        var cut = cut
        if cut.tailFrames > 0 {
            // Copy as much of the last GOP as can stand alone; only its final few B-frames are re-encoded.
            cut.copyFurther(await copyableTailFrames(plan, cut))
        }
        let directory = (plan.output as NSString).deletingLastPathComponent + "/smart-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let total = Double(max(cut.totalFrames, 1))
        let steps: [(frames: Int, name: String, args: (String) -> [String])] = [
            (cut.headFrames, "head", { cut.headArguments(input: plan.input, seek: plan.seekTime, output: $0) }),
            (cut.middleFrames, "middle", { cut.middleArguments(input: plan.input, output: $0) }),
            (cut.tailFrames, "tail", { cut.tailArguments(input: plan.input, output: $0) }),
        ].filter { $0.frames > 0 }
        let pieces = steps.map { directory + "/\($0.name).ts" }
        // The pieces are independent and short; run them together so both ends keep the cores busy.
        let finished = FrameCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (step, piece) in zip(steps, pieces) {
                let (arguments, name, frames) = (step.args(piece), step.name, step.frames)
                group.addTask {
                    try await run(arguments, what: "the \(name) of the smart cut")
                    progress(0.8 * Double(finished.add(frames)) / total)
                }
            }
            try await group.waitForAll()
        }
        let tracker = ProgressTracker(duration: plan.outputDuration) { progress(0.8 + 0.2 * $0) }
        let output = try await runner.run(
            ProcessSpec(
                executable: ffmpegPath, arguments: cut.joinArguments(pieces: pieces, plan: plan),
                timeout: timeout)
        ) { tracker.consume($0) }
        guard output.succeeded else {
            try? FileManager.default.removeItem(atPath: plan.output)
            throw MediaError(
                .renderFailed, "FFmpeg could not join the smart cut",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        tracker.finish()
    }

    /// The tail GOP's packets from ffprobe (reading only that stretch of the file); 0 when unsure.
    private func copyableTailFrames(_ plan: CutPlan, _ cut: SmartCut) async -> Int {
        let from = plan.sourceStartTime + cut.tailStart
        let span = Double(cut.tailFrames + 2) / cut.fps
        guard
            let output = try? await runner.run(
                ProcessSpec(
                    executable: ffprobePath,
                    arguments: ["-v", "error"] + InputPolicy.options + [
                        "-select_streams", "v:0", "-read_intervals",
                        "\(CutPlan.seconds(from))%+\(CutPlan.seconds(span))",
                        "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", plan.input,
                    ],
                    timeout: .seconds(60), stdoutLimit: 1 << 20)), output.succeeded
        else { return 0 }
        // Decode order from the keyframe the tail starts at.
        let rows = output.stdout.split(separator: "\n").compactMap { line -> (Double, Bool)? in
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let time = Double(fields[0]) else { return nil }
            return (time - from, fields[1].hasPrefix("K"))
        }
        guard let start = rows.firstIndex(where: { $0.1 && abs($0.0) < 0.25 / cut.fps }) else { return 0 }
        return SmartCut.copyablePrefix(rows[start...].map(\.0), fps: cut.fps, limit: cut.tailFrames)
    }

    private func run(_ arguments: [String], what: String) async throws {
        let output = try await runner.run(ProcessSpec(executable: ffmpegPath, arguments: arguments, timeout: timeout))
        guard output.succeeded else {
            throw MediaError(
                .renderFailed, "FFmpeg could not render \(what)",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
    }

    private func encode(_ plan: CutPlan, progress: @escaping @Sendable (Double) -> Void) async throws {
        let tracker = ProgressTracker(duration: plan.encodedDuration, report: progress)
        let output = try await runner.run(
            ProcessSpec(executable: ffmpegPath, arguments: plan.ffmpegArguments(), timeout: timeout)
        ) { line in tracker.consume(line) }
        if plan.mode == .keyframe && plan.moovReservation != nil && Self.reservationFellShort(output) {
            var plan = plan
            plan.moovReservation = nil
            return try await encode(plan, progress: progress)
        }
        guard output.succeeded else {
            let reason = MediaError.reason(fromStderr: output.stderrTail)
            if FileManager.default.fileExists(atPath: plan.output) {
                try? FileManager.default.removeItem(atPath: plan.output)
            }
            if output.exitCode == nil {
                throw MediaError(.renderFailed, "FFmpeg was stopped before the clip was finished", detail: reason)
            }
            throw MediaError(.renderFailed, "FFmpeg could not render the clip", detail: reason)
        }
        tracker.finish()
    }

    /// An HLS rendition: FFmpeg writes the playlist and segments into a directory beside the
    /// output, then they become one stored ZIP (the playlist first), and the directory goes.
    private func package(_ plan: CutPlan, encode: () async throws -> Void) async throws {
        let directory = plan.hlsDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await encode()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted {
            ($0 == "index.m3u8" ? 0 : 1, $0) < ($1 == "index.m3u8" ? 0 : 1, $1)
        }
        guard FileManager.default.createFile(atPath: plan.output, contents: nil),
            let handle = FileHandle(forWritingAtPath: plan.output)
        else { throw MediaError(.renderFailed, "the HLS package could not be written") }
        defer { try? handle.close() }
        var zip = ZipWriter()
        for name in names {
            let contents = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            try handle.write(contentsOf: zip.header(named: name, contents: contents))
            try handle.write(contentsOf: contents)
        }
        try handle.write(contentsOf: zip.end())
    }
}

/// Frames finished by pieces running side by side.
final class FrameCounter: Sendable {
    private let count = Mutex(0)
    func add(_ frames: Int) -> Int {
        count.withLock {
            $0 += frames
            return $0
        }
    }
}

/// Turns FFmpeg's `key=value` progress blocks into a monotonic fraction.
final class ProgressTracker: Sendable {
    private let duration: Double
    private let report: @Sendable (Double) -> Void
    private let last = Mutex<Double>(0)

    init(duration: Double, report: @escaping @Sendable (Double) -> Void) {
        self.duration = duration
        self.report = report
    }

    func consume(_ line: String) {
        guard duration > 0, line.hasPrefix("out_time_us="), let micros = Double(line.dropFirst("out_time_us=".count))
        else { return }
        update(min(1, max(0, micros / 1_000_000 / duration)))
    }

    func finish() { update(1) }

    private func update(_ fraction: Double) {
        let changed = last.withLock { value -> Bool in
            guard fraction > value else { return false }
            value = fraction
            return true
        }
        if changed { report(fraction) }
    }
}
