/// The layout of a source's storyboard sprite: tiles `tileWidth` px wide, one every `interval`
/// seconds, in a grid `columns` wide; what a scrubbing preview needs to find a tile.
public struct Storyboard: Sendable, Equatable, Codable {
    public var interval: Double
    public var tiles: Int
    public var columns: Int
    public var tileWidth: Int
    public var tileHeight: Int
    /// Where the sprite is stored, once it is.
    public var blobKey: BlobKey?

    /// At most 100 tiles, at least one second apart, 160 px wide, in the source's display shape.
    public init(media: MediaInfo) {
        let duration = max(media.duration, 0.001)
        interval = max(1, (duration / 100).rounded(.up))
        tiles = max(1, Int((duration / interval).rounded(.up)))
        columns = min(10, tiles)
        tileWidth = 160
        let (w, h) = media.displaySize
        tileHeight = w > 0 ? max(2, Int((Double(h) / Double(w) * 160 / 2).rounded()) * 2) : 90
    }

    public var rows: Int { (tiles + columns - 1) / columns }

    /// WebVTT cues pointing into the sprite with media fragments (`#xywh=`).
    public func webVTT(spriteURL: String, duration: Double) -> String {
        var vtt = "WEBVTT\n"
        for tile in 0..<tiles {
            let start = Double(tile) * interval
            let end = min(duration, start + interval)
            let x = (tile % columns) * tileWidth
            let y = (tile / columns) * tileHeight
            vtt +=
                """
                \n\(MediaTime(seconds: start).timecode()) --> \
                \(MediaTime(seconds: end).timecode())\n\(spriteURL)#xywh=\(x),\(y),\(tileWidth),\(tileHeight)\n
                """
        }
        return vtt
    }

}
