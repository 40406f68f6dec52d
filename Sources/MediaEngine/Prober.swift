import ClipGenCore
import Foundation
import Synchronization

/// Reads a file's streams, duration and keyframe index with ffprobe.
public struct Prober: Sendable {
    public var runner: ProcessRunner
    public var ffprobePath: String
    public var timeout: Duration

    public init(runner: ProcessRunner = .live, ffprobePath: String = "ffprobe", timeout: Duration = .seconds(600)) {
        self.runner = runner
        self.ffprobePath = ffprobePath
        self.timeout = timeout
    }

    /// Probes `path`. Throws `unsupported_media` for files FFmpeg cannot read and
    /// `no_video_stream` when there is nothing to cut.
    public func probe(_ path: String) async throws -> MediaInfo {
        let output = try await runner.run(
            ProcessSpec(
                executable: ffprobePath,
                arguments: ["-v", "error"] + InputPolicy.options + [
                    "-print_format", "json", "-show_format", "-show_streams", path,
                ],
                timeout: timeout, stdoutLimit: 4 << 20))
        guard output.succeeded else {
            let reason = MediaError.reason(fromStderr: output.stderrTail)
            throw MediaError(.unsupportedMedia, "the file is not a video FFmpeg can read", detail: reason)
        }
        var info = try Self.parse(json: Data(output.stdout.utf8))
        guard let video = info.video else {
            throw MediaError(
                .noVideoStream, "the file has no video stream to cut clips from",
                detail: info.audio.isEmpty ? "" : "it holds audio only")
        }
        // Only now, with FFmpeg's word that this is an MP4/MOV, is its header read in-process:
        // the keyframe index lives there, which spares a scan of every packet.
        let header = info.formatName.hasPrefix("mov,") ? MP4Reader(path: path) : nil
        info.video?.constantFrameRate = header?.videoHasConstantFrameDuration ?? false
        // `v:0` is the stream we cut unless cover art comes first.
        let packets: PacketScan?
        if let times = video.isFirstVideoStream ? header?.keyframeTimes : nil {
            packets = PacketScan(keyframes: times, end: header?.videoTrackEnd)
        } else {
            packets = try? await scan(path, stream: video.isFirstVideoStream ? "v:0" : "\(video.index)")
        }
        let startTime = info.startTime.isFinite ? info.startTime : 0
        info.startTime = startTime
        info.duration = Self.trustedDuration(info.duration, packetsEnd: packets?.end.map { $0 - startTime })
        guard info.duration <= JobRequest.maxSeconds else {
            throw MediaError(
                .unsupportedMedia, "the video is longer than ClipGen handles (\(Int(JobRequest.maxSeconds)) s)")
        }
        info.keyframeTimes = (packets?.keyframes ?? []).map { max(0, $0 - startTime) }.filter {
            $0 <= info.duration + 60
        }
        return info
    }

    /// The container's duration unless it is negative, not a number, or far beyond the last
    /// video packet (a crafted header claiming days); then the packets' end.
    static func trustedDuration(_ declared: Double, packetsEnd: Double?) -> Double {
        guard let end = packetsEnd, end.isFinite, end >= 0 else {
            return declared.isFinite && declared >= 0 ? declared : 0
        }
        guard declared.isFinite, declared >= 0 else { return end }
        return declared > end * 1.1 + 30 ? end : declared
    }

    /// How long `plan`'s rendered output lasts: read back from the file, or, for a format FFmpeg
    /// cannot read back (animated WebP, an HLS package), as the plan cut it.
    public func duration(of plan: CutPlan) async throws -> Double {
        plan.options.format.readsBack ? try await duration(of: plan.output) : plan.renderedDuration
    }

    /// A rendered file's duration: from the MP4 header when it is one, else from ffprobe.
    public func duration(of path: String) async throws -> Double {
        if let duration = MP4Reader(path: path)?.duration { return duration }
        let output = try await runner.run(
            ProcessSpec(
                executable: ffprobePath,
                arguments: ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                timeout: timeout, stdoutLimit: 1024))
        guard output.succeeded, let duration = Double(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw MediaError(
                .renderFailed, "the rendered clip cannot be read back",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        return duration
    }

    /// The video packets' keyframe times and where the last one ends.
    struct PacketScan: Sendable {
        var keyframes: [Double]
        var end: Double?
    }

    /// Keyframe times from packet flags: demuxing only, no decoding, so it is fast on long files.
    func keyframes(_ path: String, stream: String) async throws -> [Double] {
        try await scan(path, stream: stream).keyframes
    }

    func scan(_ path: String, stream: String) async throws -> PacketScan {
        let collector = PacketCollector()
        let output = try await runner.run(
            ProcessSpec(
                executable: ffprobePath,
                arguments: ["-v", "error"] + InputPolicy.options + [
                    "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time,flags",
                    "-of", "csv=p=0", path,
                ],
                timeout: timeout)
        ) { line in collector.add(line: line) }
        guard output.succeeded else {
            throw MediaError(
                .unsupportedMedia, "the file's video packets cannot be read",
                detail: MediaError.reason(fromStderr: output.stderrTail))
        }
        return collector.scan
    }

    static func parse(json: Data) throws -> MediaInfo {
        let raw: FFprobeOutput
        do {
            raw = try JSONDecoder().decode(FFprobeOutput.self, from: json)
        } catch {
            throw MediaError(.unsupportedMedia, "ffprobe's answer could not be read", detail: "\(error)")
        }
        let streams = raw.streams ?? []
        // Cover art is a video stream of one picture; a clip needs a moving one.
        let videoRaw = streams.first { $0.codec_type == "video" && $0.disposition?.attached_pic != 1 }
        let firstVideoIndex = streams.first { $0.codec_type == "video" }?.index
        let video = videoRaw.map { s in
            MediaInfo.VideoStream(
                index: s.index, codec: s.codec_name ?? "unknown", width: s.width ?? 0, height: s.height ?? 0,
                fps: Self.rate(s.avg_frame_rate) ?? Self.rate(s.r_frame_rate), rotation: s.rotation,
                sampleAspectRatio: Self.ratio(s.sample_aspect_ratio).flatMap {
                    (0.01...100).contains($0.value) ? $0 : nil
                } ?? .square,
                pixelFormat: s.pix_fmt, profile: s.profile, isFirstVideoStream: s.index == firstVideoIndex,
                reorderDelay: s.has_b_frames, level: s.level, colorRange: s.color_range.known,
                colorSpace: s.color_space.known,
                colorPrimaries: s.color_primaries.known, colorTransfer: s.color_transfer.known,
                constantFrameRate: false, fieldOrder: s.field_order)
        }
        let audio = streams.filter { $0.codec_type == "audio" }.map { s in
            MediaInfo.AudioStream(
                index: s.index, codec: s.codec_name ?? "unknown", channels: s.channels ?? 0,
                sampleRate: Int(s.sample_rate ?? "") ?? 0, isDefault: s.disposition?.default == 1)
        }
        let duration = Double(raw.format?.duration ?? "") ?? Double(videoRaw?.duration ?? "") ?? 0
        return MediaInfo(
            duration: duration, startTime: Double(raw.format?.start_time ?? "") ?? 0,
            formatName: raw.format?.format_name ?? "unknown", video: video, audio: audio, keyframeTimes: [])
    }

    /// A frame rate, when it is one a camera could shoot (above 1000 fps is a broken header).
    static func rate(_ text: String?) -> Double? {
        guard let ratio = ratio(text, separator: "/"), ratio.denominator != 0, ratio.numerator != 0,
            ratio.value > 0, ratio.value <= 1000
        else { return nil }
        return ratio.value
    }

    static func ratio(_ text: String?, separator: Character = ":") -> MediaInfo.Ratio? {
        guard let parts = text?.split(separator: separator), parts.count == 2,
            let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0
        else { return nil }
        return MediaInfo.Ratio(numerator: n, denominator: d)
    }
}

extension Optional where Wrapped == String {
    /// ffprobe says "unknown" for unset colour tags.
    fileprivate var known: String? { self == "unknown" ? nil : self }
}

/// Lines of `pts_time,duration_time,flags` as ffprobe prints them, one per packet.
private final class PacketCollector: Sendable {
    private let collected = Mutex<Prober.PacketScan>(.init(keyframes: [], end: nil))
    var scan: Prober.PacketScan {
        collected.withLock {
            var scan = $0
            scan.keyframes.sort()
            return scan
        }
    }
    func add(line: String) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 3, let time = Double(fields[0]), time.isFinite else { return }
        let end = time + (Double(fields[1]).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0)
        collected.withLock { scan in
            if fields[2].hasPrefix("K") { scan.keyframes.append(time) }
            scan.end = max(scan.end ?? end, end)
        }
    }
}

/// The slice of ffprobe's JSON that ClipGen reads; field names are ffprobe's.
// swift-format-ignore: AlwaysUseLowerCamelCase
private struct FFprobeOutput: Decodable {
    struct Stream: Decodable {
        struct Disposition: Decodable {
            var `default`: Int?
            var attached_pic: Int?
        }
        struct SideData: Decodable { var rotation: Double? }
        var index: Int
        var codec_type: String?
        var codec_name: String?
        var profile: String?
        var width: Int?
        var height: Int?
        var pix_fmt: String?
        var has_b_frames: Int?
        var level: Int?
        var color_range: String?
        var color_space: String?
        var color_primaries: String?
        var color_transfer: String?
        var sample_aspect_ratio: String?
        var field_order: String?
        var avg_frame_rate: String?
        var r_frame_rate: String?
        var duration: String?
        var channels: Int?
        var sample_rate: String?
        var disposition: Disposition?
        var tags: [String: String]?
        var side_data_list: [SideData]?

        /// The display matrix's angle as ffprobe reports it, normalised to 0–359. Its sign has
        /// changed across FFmpeg versions; ClipGen only asks whether width and height swap, and
        /// FFmpeg applies the rotation itself when decoding.
        var rotation: Int {
            if let matrix = side_data_list?.compactMap(\.rotation).first, abs(matrix) < 1e9 {
                return ((Int(matrix.rounded()) % 360) + 360) % 360
            }
            if let tag = tags?["rotate"], let degrees = Int(tag) { return ((degrees % 360) + 360) % 360 }
            return 0
        }
    }
    struct Format: Decodable {
        var duration: String?
        var start_time: String?
        var format_name: String?
    }
    var streams: [Stream]?
    var format: Format?
}
