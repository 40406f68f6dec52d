import Foundation

/// ffprobe's streams and format of a file: the first video and audio stream, duration, bitrate.
public struct StreamProbe {
    public var video: [String: Any]?
    public var audio: [String: Any]?
    public var format: [String: Any]
    public var duration: Double { Double(format["duration"] as? String ?? "") ?? 0 }
    public var bitrate: Double { Double(format["bit_rate"] as? String ?? "") ?? 0 }

    public init(_ file: String) throws {
        let result = try Shell.run("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", file])
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
        let streams = json["streams"] as? [[String: Any]] ?? []
        video = streams.first { $0["codec_type"] as? String == "video" }
        audio = streams.first { $0["codec_type"] as? String == "audio" }
        format = json["format"] as? [String: Any] ?? [:]
    }
}
