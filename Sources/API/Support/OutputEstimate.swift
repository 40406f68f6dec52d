import ClipGenCore
import Persistence

/// What a job's clips will take in storage, guessed before any is rendered so the job can be held
/// against its organisation's room: each clip's seconds at a generous bitrate for its format and
/// height, a re-encode no larger than its whole source, a poster each and the storyboard. A job
/// that outgrows its guess still lands its clips; its organisation's next job is then refused.
enum OutputEstimate {
    static func bytes(for request: JobRequest, source: Upload?) -> Int64 {
        let output = request.resolvedOutput
        var seconds = (request.clips ?? []).map { max(0, $0.end.seconds - $0.start.seconds) }
        if let highlights = request.highlights {
            seconds += Array(repeating: highlights.resolvedMaxDuration, count: max(0, highlights.count))
        }
        let perSecond = bytesPerSecond(format: output.format, height: output.height, videoBitrate: output.videoBitrate)
        let clips = seconds.reduce(Int64(0)) { total, length in
            var bytes = Int64(min(length * Double(perSecond), Double(Int64.max / 4)))
            // A copy or a re-encode of part of a video is not larger than all of it; a GIF or ProRes can be.
            if output.format != .gif && output.format != .mov, let source { bytes = min(bytes, source.size) }
            // Each rendition at its own format's rate (a package of segments like an mp4).
            let renditions = (output.renditions ?? []).reduce(Int64(0)) { sum, r in
                let rate = bytesPerSecond(
                    format: r.format, height: r.height ?? output.height, videoBitrate: r.videoBitrate)
                return sum + Int64(min(length * Double(rate), Double(Int64.max / 64)))
            }
            return total + bytes + renditions + posterBytes
        }
        return clips + (!request.makesThumbnails ? 0 : storyboardBytes)
    }

    static let posterBytes: Int64 = 200_000
    static let storyboardBytes: Int64 = 1_000_000

    /// Above what the encoders are set to produce at each size, or at a target bitrate (its ceiling
    /// of 1.5 times, and sound). An HLS package is as large as the mp4 of its segments.
    static func bytesPerSecond(format: OutputFormat, height: Int?, videoBitrate: Int? = nil) -> Int64 {
        if let videoBitrate { return Int64(videoBitrate) * 125 * 3 / 2 + 40_000 }
        if format == .hls { return bytesPerSecond(format: .mp4, height: height) }
        if format.isAudioOnly { return format == .wav ? 200_000 : 40_000 }
        let lines = height ?? (format.isAnimation ? 480 : 1080)
        let base: Int64 =
            switch lines {
            case ...480: 300_000
            case ...720: 600_000
            case ...1080: 1_200_000
            default: 4_000_000
            }
        // ProRes HQ is about 25 times H.264's rate; gif about 3 times.
        return format == .mov ? base * 25 : format == .gif ? base * 3 : base
    }
}
