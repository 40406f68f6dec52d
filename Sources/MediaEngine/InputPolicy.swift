/// The only ways FFmpeg may open a user's file: as a local file (no network, no `concat:` or
/// other protocol), read by one of the video containers ClipGen supports. Playlists and
/// sequences (ffconcat, HLS, DASH, image2) would make FFmpeg open other files a user names, so
/// no demuxer that reads them is on the list.
public enum InputPolicy {
    /// FFmpeg demuxer names; `mov` covers mp4/m4v/mov/3gp, `matroska` covers webm.
    public static let demuxers = ["mov", "matroska", "avi", "mpegts", "mpeg", "flv", "asf", "mxf", "ogg", "nut", "dv"]

    /// Input options placed before a user file's `-i` (ffmpeg) or path (ffprobe).
    public static let options = ["-protocol_whitelist", "file", "-format_whitelist", demuxers.joined(separator: ",")]

    /// `-i path` for a user's file, with the allow-lists in front.
    public static func input(_ path: String) -> [String] {
        options + ["-i", path]
    }
}
