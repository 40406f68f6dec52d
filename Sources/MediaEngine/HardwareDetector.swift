import Foundation

/// What a worker found at start-up: the encoder it will use and why the others were passed over.
public struct HardwareReport: Sendable, Equatable {
    public var encoder: VideoEncoder
    /// Encoder name → why it cannot be used here (absent from this FFmpeg, or its test encode failed).
    public var unusable: [String: String]
    /// Whether one of the candidates works: the worker may then advertise `gpu`.
    public var hasGPU: Bool

    public init(encoder: VideoEncoder, unusable: [String: String], hasGPU: Bool? = nil) {
        self.encoder = encoder
        self.unusable = unusable
        self.hasGPU = hasGPU ?? encoder.isHardware
    }
}

/// Finds a working hardware H.264 encoder: listed by `ffmpeg -encoders` *and* able to encode
/// one frame (a build with NVENC compiled in says nothing about a driver or a GPU being there).
public struct HardwareDetector: Sendable {
    public var runner: ProcessRunner
    public var ffmpegPath: String
    /// Encoder names tried in order. Configuration may name any encoder ClipGen can drive; tests
    /// of GPU routing on a machine without a GPU name `libx264`, which then stands in for one.
    public var candidates: [String]
    /// A hang guard for each FFmpeg run, not a speed bound: on a loaded host even `-encoders`
    /// has taken over 20 s, and a worker that gives up too soon loses its GPU for its lifetime.
    public var timeout: Duration

    public init(
        runner: ProcessRunner = .live, ffmpegPath: String = "ffmpeg", candidates: [String]? = nil,
        timeout: Duration = .seconds(300)
    ) {
        self.runner = runner
        self.ffmpegPath = ffmpegPath
        self.candidates = candidates ?? [VideoEncoder.nvenc, .vaapi].map(\.rawValue)
        self.timeout = timeout
    }

    public func detect() async -> HardwareReport {
        var unusable: [String: String] = [:]
        let listed: Set<String>
        do {
            let output = try await runner.run(
                ProcessSpec(
                    executable: ffmpegPath, arguments: ["-hide_banner", "-encoders"],
                    timeout: timeout, stdoutLimit: 1 << 20))
            listed = Self.encoderNames(output.stdout)
        } catch {
            return HardwareReport(encoder: .libx264, unusable: ["*": "ffmpeg -encoders failed: \(error)"])
        }
        for name in candidates {
            guard let candidate = VideoEncoder(rawValue: name) else {
                unusable[name] = "not an encoder ClipGen drives (one of \(VideoEncoder.allCases.map(\.rawValue)))"
                continue
            }
            guard listed.contains(candidate.rawValue) else {
                unusable[candidate.rawValue] = "not built into this FFmpeg"
                continue
            }
            if let failure = await testEncode(candidate) {
                unusable[candidate.rawValue] = failure
            } else {
                return HardwareReport(encoder: candidate, unusable: unusable, hasGPU: true)
            }
        }
        return HardwareReport(encoder: .libx264, unusable: unusable)
    }

    /// The arguments of a one-frame encode to nowhere. NVENC's also scales in GPU memory
    /// (`scale_cuda`), as scale-only renders do, so a worker whose CUDA filters fail does not
    /// claim NVENC.
    static func testArguments(_ encoder: VideoEncoder) -> [String] {
        let filters =
            encoder == .nvenc
            ? "format=nv12,hwupload_cuda,scale_cuda=128:128" : encoder.uploadFilters.joined(separator: ",")
        return ["-hide_banner", "-nostdin", "-v", "error"] + (encoder == .vaapi ? encoder.decodeArguments : [])
            + [
                "-f", "lavfi", "-i", "color=c=black:s=256x256:r=25:d=0.04", "-frames:v", "1", "-vf", filters,
            ] + encoder.encodeArguments + ["-f", "null", "-"]
    }

    /// nil when the encoder produced a frame; else FFmpeg's reason.
    private func testEncode(_ encoder: VideoEncoder) async -> String? {
        do {
            let output = try await runner.run(
                ProcessSpec(executable: ffmpegPath, arguments: Self.testArguments(encoder), timeout: timeout))
            return output.succeeded
                ? nil
                : (MediaError.reason(fromStderr: output.stderrTail).isEmpty
                    ? "test encode failed" : MediaError.reason(fromStderr: output.stderrTail))
        } catch {
            return "\(error)"
        }
    }

    /// Names from `ffmpeg -encoders` lines like ` V....D h264_nvenc  NVIDIA NVENC H.264 encoder`.
    static func encoderNames(_ listing: String) -> Set<String> {
        // The legend above the `------` line has the same shape (` V..... = Video`).
        let lines = listing.split(separator: "\n")
        let body =
            lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("---") }.map { lines[($0 + 1)...] }
            ?? lines[...]
        return Set(
            body.compactMap { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 2, fields[0].count == 6, "VAS".contains(fields[0].first!) else { return nil }
                return String(fields[1])
            })
    }
}
