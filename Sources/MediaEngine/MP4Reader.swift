import Foundation

/// Reads what ClipGen needs from an MP4/MOV's `moov` box (where the sample tables live) without
/// touching the media data: the movie duration and the first video track's keyframe times.
/// Every accessor returns nil for anything it does not fully understand; callers then ask
/// ffprobe, which is slower but knows every container.
struct MP4Reader {
    private let moov: [UInt8]

    /// nil when the file is not an MP4/MOV with a readable `moov` box.
    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        var offset: UInt64 = 0
        var found: [UInt8]?
        // Top-level boxes: read headers only until `moov`, first with +faststart, else after the data.
        while offset + 8 <= size, found == nil {
            guard (try? handle.seek(toOffset: offset)) != nil, let raw = try? handle.read(upToCount: 16), raw.count >= 8 else { return nil }
            let header = [UInt8](raw)
            var boxSize = UInt64(Self.u32(header, 0)), headerSize: UInt64 = 8
            if boxSize == 1 {
                guard header.count >= 16 else { return nil }
                boxSize = Self.u64(header, 8)
                headerSize = 16
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= headerSize, offset + boxSize <= size else { return nil }
            if Self.fourCC(header, 4) == "moov" {
                guard boxSize - headerSize <= 256 << 20, (try? handle.seek(toOffset: offset + headerSize)) != nil,
                      let body = try? handle.read(upToCount: Int(boxSize - headerSize)) else { return nil }
                found = [UInt8](body)
            }
            offset += boxSize
        }
        guard let found else { return nil }
        moov = found
    }

    /// The movie's duration in seconds, from `mvhd`.
    var duration: Double? {
        guard let mvhd = Self.child("mvhd", in: moov, 0..<moov.count) else { return nil }
        let (timescale, duration) = Self.timescaleAndDuration(moov, mvhd)
        return timescale > 0 ? Double(duration) / Double(timescale) : nil
    }

    /// Presentation times (seconds, edit list applied, as ffprobe reports packet pts) of the
    /// first video track's sync samples.
    var keyframeTimes: [Double]? {
        guard let movieScale = Self.child("mvhd", in: moov, 0..<moov.count).map({ Self.timescaleAndDuration(moov, $0).0 }),
              movieScale > 0 else { return nil }
        for trak in Self.children("trak", in: moov, 0..<moov.count) {
            guard let mdia = Self.child("mdia", in: moov, trak), let hdlr = Self.child("hdlr", in: moov, mdia),
                  hdlr.lowerBound + 12 <= hdlr.upperBound, Self.fourCC(moov, hdlr.lowerBound + 8) == "vide" else { continue }
            return videoKeyframes(trak: trak, mdia: mdia, movieScale: movieScale)
        }
        return nil
    }

    /// Whether every sample of the first video track lasts as long as the others (one `stts`
    /// delta, the last sample aside): a constant frame rate, proven rather than declared.
    var videoHasConstantFrameDuration: Bool {
        for trak in Self.children("trak", in: moov, 0..<moov.count) {
            guard let mdia = Self.child("mdia", in: moov, trak), let hdlr = Self.child("hdlr", in: moov, mdia),
                  hdlr.lowerBound + 12 <= hdlr.upperBound, Self.fourCC(moov, hdlr.lowerBound + 8) == "vide" else { continue }
            guard let minf = Self.child("minf", in: moov, mdia), let stbl = Self.child("stbl", in: moov, minf),
                  let stts = Self.child("stts", in: moov, stbl), stts.lowerBound + 8 <= stts.upperBound else { return false }
            let count = Int(Self.u32(moov, stts.lowerBound + 4))
            guard count >= 1, stts.lowerBound + 8 + count * 8 <= stts.upperBound else { return false }
            let deltas = (0..<count).map { Self.u32(moov, stts.lowerBound + 12 + $0 * 8) }
            let counts = (0..<count).map { Self.u32(moov, stts.lowerBound + 8 + $0 * 8) }
            // Muxers often give the final sample its own delta.
            return Set(deltas.dropLast(counts.last == 1 && count > 1 ? 1 : 0)).count == 1
        }
        return false
    }

    private func videoKeyframes(trak: Range<Int>, mdia: Range<Int>, movieScale: UInt32) -> [Double]? {
        let b = moov
        guard let mdhd = Self.child("mdhd", in: b, mdia), let minf = Self.child("minf", in: b, mdia),
              let stbl = Self.child("stbl", in: b, minf), let stts = Self.child("stts", in: b, stbl),
              let stss = Self.child("stss", in: b, stbl) else { return nil }
        let timescale = Self.timescaleAndDuration(b, mdhd).0
        guard timescale > 0, let shift = editShift(trak: trak, timescale: timescale, movieScale: movieScale) else { return nil }

        let syncCount = Int(Self.u32(b, stss.lowerBound + 4))
        guard stss.lowerBound + 8 + syncCount * 4 <= stss.upperBound else { return nil }
        let sync = (0..<syncCount).map { Int(Self.u32(b, stss.lowerBound + 8 + $0 * 4)) }
        guard sync == sync.sorted(), !sync.isEmpty else { return nil }

        let sttsCount = Int(Self.u32(b, stts.lowerBound + 4))
        guard stts.lowerBound + 8 + sttsCount * 8 <= stts.upperBound else { return nil }
        var ctts: [(count: Int, offset: Int64)] = []
        if let box = Self.child("ctts", in: b, stbl) {
            let signed = b[box.lowerBound] == 1
            let count = Int(Self.u32(b, box.lowerBound + 4))
            guard box.lowerBound + 8 + count * 8 <= box.upperBound else { return nil }
            ctts = (0..<count).map { i in
                let raw = Self.u32(b, box.lowerBound + 12 + i * 8)
                return (Int(Self.u32(b, box.lowerBound + 8 + i * 8)), signed ? Int64(Int32(bitPattern: raw)) : Int64(raw))
            }
        }

        // Walk samples in decode order, keeping decode time and composition offset in step.
        var times: [Double] = []
        times.reserveCapacity(sync.count)
        var sample = 1, dts: Int64 = 0, nextSync = 0
        var cttsEntry = 0, cttsLeft = ctts.first?.count ?? 0
        for entry in 0..<sttsCount where nextSync < sync.count {
            let count = Int(Self.u32(b, stts.lowerBound + 8 + entry * 8))
            let delta = Int64(Self.u32(b, stts.lowerBound + 12 + entry * 8))
            for _ in 0..<count {
                var offset: Int64 = 0
                if !ctts.isEmpty {
                    while cttsLeft == 0 && cttsEntry + 1 < ctts.count {
                        cttsEntry += 1
                        cttsLeft = ctts[cttsEntry].count
                    }
                    guard cttsLeft > 0 else { return nil }
                    offset = ctts[cttsEntry].offset
                    cttsLeft -= 1
                }
                if nextSync < sync.count && sync[nextSync] == sample {
                    times.append(Double(dts + offset - shift.mediaTime) / Double(timescale) + shift.delay)
                    nextSync += 1
                }
                dts += delta
                sample += 1
            }
        }
        return nextSync == sync.count ? times.sorted() : nil
    }

    /// The edit list as one shift: an optional leading empty edit (a delay) and one media edit.
    private func editShift(trak: Range<Int>, timescale: UInt32, movieScale: UInt32) -> (mediaTime: Int64, delay: Double)? {
        guard let edts = Self.child("edts", in: moov, trak), let elst = Self.child("elst", in: moov, edts) else { return (0, 0) }
        let b = moov, version = b[elst.lowerBound], count = Int(Self.u32(b, elst.lowerBound + 4))
        let entrySize = version == 1 ? 20 : 12
        guard elst.lowerBound + 8 + count * entrySize <= elst.upperBound else { return nil }
        var delay = 0.0
        var media: Int64?
        for i in 0..<count {
            let at = elst.lowerBound + 8 + i * entrySize
            let duration = version == 1 ? Int64(bitPattern: Self.u64(b, at)) : Int64(Self.u32(b, at))
            let mediaTime = version == 1 ? Int64(bitPattern: Self.u64(b, at + 8)) : Int64(Int32(bitPattern: Self.u32(b, at + 4)))
            if mediaTime == -1 && media == nil {
                delay += Double(duration) / Double(movieScale)
            } else if media == nil {
                media = mediaTime
            } else {
                return nil  // several media edits: leave it to ffprobe
            }
        }
        return (media ?? 0, delay)
    }

    // MARK: box helpers

    private static func children(_ type: String, in b: [UInt8], _ range: Range<Int>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var size = Int(u32(b, i)), header = 8
            if size == 1, i + 16 <= range.upperBound {
                size = Int(u64(b, i + 8))
                header = 16
            } else if size == 0 {
                size = range.upperBound - i
            }
            guard size >= header, i + size <= range.upperBound else { break }
            if fourCC(b, i + 4) == type { found.append((i + header)..<(i + size)) }
            i += size
        }
        return found
    }

    private static func child(_ type: String, in b: [UInt8], _ range: Range<Int>) -> Range<Int>? {
        children(type, in: b, range).first
    }

    /// `mvhd` and `mdhd` share this layout: version, flags, times, then timescale and duration.
    private static func timescaleAndDuration(_ b: [UInt8], _ box: Range<Int>) -> (UInt32, UInt64) {
        if b[box.lowerBound] == 1 {
            guard box.lowerBound + 32 <= box.upperBound else { return (0, 0) }
            return (u32(b, box.lowerBound + 20), u64(b, box.lowerBound + 24))
        }
        guard box.lowerBound + 20 <= box.upperBound else { return (0, 0) }
        return (u32(b, box.lowerBound + 12), UInt64(u32(b, box.lowerBound + 16)))
    }

    private static func fourCC(_ b: [UInt8], _ at: Int) -> String { String(decoding: b[at..<(at + 4)], as: UTF8.self) }
    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
    private static func u64(_ b: [UInt8], _ at: Int) -> UInt64 { UInt64(u32(b, at)) << 32 | UInt64(u32(b, at + 4)) }
}
