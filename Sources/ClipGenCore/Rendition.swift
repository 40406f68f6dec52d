import Foundation

/// One more file of every clip (`output.renditions`): the same cut, picture and sound repairs,
/// crop and captions, in another format, codec, size or rate. `hls` makes a playlist and its
/// segments, stored together as one ZIP package and served file by file under the clip.
public struct RenditionOptions: Codable, Sendable, Equatable {
    public var format: OutputFormat
    public var videoCodec: VideoCodec?
    public var height: Int?
    public var quality: Int?
    public var videoBitrate: Int?
    public var audioBitrate: Int?

    public static let limit = 8

    public init(
        format: OutputFormat, videoCodec: VideoCodec? = nil, height: Int? = nil, quality: Int? = nil,
        videoBitrate: Int? = nil, audioBitrate: Int? = nil
    ) {
        self.format = format
        self.videoCodec = videoCodec
        self.height = height
        self.quality = quality
        self.videoBitrate = videoBitrate
        self.audioBitrate = audioBitrate
    }
}

/// A rendition as made: its file and figures.
public struct ClipRendition: Codable, Sendable, Equatable {
    public var index: Int
    public var format: OutputFormat
    public var encoder: String
    public var width: Int?
    public var height: Int?
    public var duration: Double
    public var size: Int64
    /// Bits a second over the whole file.
    public var bitrate: Int
    public var sha256: String
    public var blobKey: BlobKey

    public init(
        index: Int, format: OutputFormat, encoder: String, width: Int?, height: Int?, duration: Double, size: Int64,
        bitrate: Int, sha256: String, blobKey: BlobKey
    ) {
        self.index = index
        self.format = format
        self.encoder = encoder
        self.width = width
        self.height = height
        self.duration = duration
        self.size = size
        self.bitrate = bitrate
        self.sha256 = sha256
        self.blobKey = blobKey
    }
}

extension OutputOptions {
    /// The options a rendition renders with: the clip's own, with the rendition's format, codec,
    /// size and rates, cut exact (a rendition re-encodes; only the clip itself may be smart-cut).
    public func rendition(_ r: RenditionOptions) -> OutputOptions {
        var options = self
        options.format = r.format
        options.videoCodec = r.videoCodec
        options.height = r.height ?? height
        options.quality = r.quality
        options.videoBitrate = r.videoBitrate
        options.audioBitrate = r.audioBitrate
        options.mode = .exact
        options.renditions = nil
        return options
    }

    func renditionErrors() -> [FieldError] {
        guard let renditions else { return [] }
        var errors: [FieldError] = []
        if renditions.isEmpty || renditions.count > RenditionOptions.limit {
            errors.append(.init(field: "output.renditions", message: "list 1 to \(RenditionOptions.limit) renditions"))
        }
        for (index, r) in renditions.enumerated() {
            errors += rendition(r).validate().map {
                FieldError(
                    field: $0.field.replacingOccurrences(of: "output.", with: "output.renditions[\(index)]."),
                    message: $0.message)
            }
        }
        return errors
    }
}
