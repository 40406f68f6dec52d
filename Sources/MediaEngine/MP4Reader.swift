import Foundation

/// Reads what ClipGen needs from an MP4/MOV's `moov` box (where the sample tables live) without
/// touching the media data: the movie duration and the first video track's keyframe times.
/// Every accessor returns nil for anything it does not fully understand; callers then ask
/// ffprobe, which is slower but knows every container.
///
/// The bytes are hostile: every offset, size and count is checked before it is used, arithmetic
/// on them cannot overflow, and loops are bounded by what the box can hold. Callers still read
/// only files FFmpeg has accepted or ClipGen wrote itself.
struct MP4Reader {
    private let moov: BoxBytes

    /// The largest `moov` read into memory; larger ones are left to ffprobe.
    static let moovLimit = 64 << 20
    /// Samples walked in one track (more than a week at 60 fps); beyond it ffprobe answers.
    static let sampleLimit = 50_000_000

    /// nil when the file is not an MP4/MOV with a readable `moov` box.
    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        let body = Self.findMoov(fileSize: size) { offset, count in
            guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.read(upToCount: count) else {
                return nil
            }
            return [UInt8](data)
        }
        guard let body else { return nil }
        moov = BoxBytes(body)
    }

    /// The same reader over a whole file held in memory (fuzzing, tests).
    init?(fileBytes: [UInt8]) {
        let body = Self.findMoov(fileSize: UInt64(fileBytes.count)) { offset, count in
            guard offset <= UInt64(fileBytes.count) else { return nil }
            let start = Int(offset)
            return Array(fileBytes[start..<(start + min(count, fileBytes.count - start))])
        }
        guard let body else { return nil }
        moov = BoxBytes(body)
    }

    /// Walks the top-level boxes reading headers only, first with +faststart, else after the data.
    private static func findMoov(fileSize size: UInt64, read: (UInt64, Int) -> [UInt8]?) -> [UInt8]? {
        var offset: UInt64 = 0
        while size - offset >= 8 {
            guard let header = read(offset, 16), header.count >= 8 else { return nil }
            let bytes = BoxBytes(header)
            guard let size32 = bytes.u32(0) else { return nil }
            var boxSize = UInt64(size32)
            var headerSize: UInt64 = 8
            if boxSize == 1 {
                guard let size64 = bytes.u64(8) else { return nil }
                boxSize = size64
                headerSize = 16
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= headerSize, boxSize <= size - offset else { return nil }
            if bytes.fourCC(4) == "moov" {
                let bodySize = boxSize - headerSize
                guard bodySize <= UInt64(moovLimit), let body = read(offset + headerSize, Int(bodySize)),
                    body.count == Int(bodySize)
                else { return nil }
                return body
            }
            offset += boxSize
        }
        return nil
    }

    /// The movie's duration in seconds, from `mvhd`.
    var duration: Double? {
        guard let mvhd = moov.child("mvhd", in: moov.all), let (timescale, duration) = moov.timescaleAndDuration(mvhd),
            timescale > 0
        else { return nil }
        return Double(duration) / Double(timescale)
    }

    /// Presentation times (seconds, edit list applied, as ffprobe reports packet pts) of the
    /// first video track's sync samples.
    var keyframeTimes: [Double]? {
        guard let mvhd = moov.child("mvhd", in: moov.all), let (movieScale, _) = moov.timescaleAndDuration(mvhd),
            movieScale > 0, let (trak, mdia) = firstVideoTrack
        else { return nil }
        return videoKeyframes(trak: trak, mdia: mdia, movieScale: movieScale)
    }

    /// Where the first video track's last sample ends, in seconds on the same clock as
    /// `keyframeTimes`: what the packets show, whatever `mvhd` claims.
    var videoTrackEnd: Double? {
        guard let mvhd = moov.child("mvhd", in: moov.all), let (movieScale, _) = moov.timescaleAndDuration(mvhd),
            movieScale > 0,
            let (trak, mdia) = firstVideoTrack, let mdhd = moov.child("mdhd", in: mdia),
            let (timescale, _) = moov.timescaleAndDuration(mdhd), timescale > 0,
            let minf = moov.child("minf", in: mdia), let stbl = moov.child("stbl", in: minf),
            let stts = moov.child("stts", in: stbl), let entries = moov.table(stts, entrySize: 8),
            let shift = editShift(trak: trak, movieScale: movieScale)
        else { return nil }
        var total = 0.0
        for at in entries {
            guard let count = moov.u32(at), let delta = moov.u32(at + 4) else { return nil }
            total += Double(count) * Double(delta)
        }
        return (total - shift.mediaTime) / Double(timescale) + shift.delay
    }

    /// Whether every sample of the first video track lasts as long as the others (one `stts`
    /// delta, the last sample aside): a constant frame rate, proven rather than declared.
    var videoHasConstantFrameDuration: Bool {
        guard let (_, mdia) = firstVideoTrack, let minf = moov.child("minf", in: mdia),
            let stbl = moov.child("stbl", in: minf),
            let stts = moov.child("stts", in: stbl), let entries = moov.table(stts, entrySize: 8), !entries.isEmpty
        else { return false }
        var deltas: Set<UInt32> = []
        for index in entries.indices {
            guard let count = moov.u32(entries[index]), let delta = moov.u32(entries[index] + 4) else { return false }
            // Muxers often give the final sample its own delta.
            if index == entries.count - 1, count == 1, entries.count > 1 { break }
            deltas.insert(delta)
        }
        return deltas.count == 1
    }

    /// The `trak` and `mdia` of the first track whose handler is `vide`.
    private var firstVideoTrack: (trak: Range<Int>, mdia: Range<Int>)? {
        for trak in moov.children("trak", in: moov.all) {
            guard let mdia = moov.child("mdia", in: trak), let hdlr = moov.child("hdlr", in: mdia),
                hdlr.count >= 12, moov.fourCC(hdlr.lowerBound + 8) == "vide"
            else { continue }
            return (trak, mdia)
        }
        return nil
    }

    private func videoKeyframes(trak: Range<Int>, mdia: Range<Int>, movieScale: UInt32) -> [Double]? {
        let b = moov
        guard let mdhd = b.child("mdhd", in: mdia), let minf = b.child("minf", in: mdia),
            let stbl = b.child("stbl", in: minf), let sttsBox = b.child("stts", in: stbl),
            let stssBox = b.child("stss", in: stbl), let (timescale, _) = b.timescaleAndDuration(mdhd), timescale > 0,
            let shift = editShift(trak: trak, movieScale: movieScale)
        else { return nil }

        guard let syncEntries = b.table(stssBox, entrySize: 4), !syncEntries.isEmpty else { return nil }
        var sync: [Int] = []
        sync.reserveCapacity(syncEntries.count)
        for at in syncEntries {
            guard let number = b.u32(at), Int(number) > (sync.last ?? 0) else { return nil } // strictly increasing
            sync.append(Int(number))
        }
        guard let stts = b.table(sttsBox, entrySize: 8) else { return nil }
        var ctts: [(count: Int, offset: Int64)] = []
        if let box = b.child("ctts", in: stbl) {
            guard let version = b.u8(box.lowerBound), let entries = b.table(box, entrySize: 8) else { return nil }
            for at in entries {
                guard let count = b.u32(at), let raw = b.u32(at + 4) else { return nil }
                ctts.append((Int(count), version == 1 ? Int64(Int32(bitPattern: raw)) : Int64(raw)))
            }
        }

        // Walk samples in decode order, keeping decode time and composition offset in step.
        // Times are summed in Double: a crafted table cannot overflow them.
        var times: [Double] = []
        times.reserveCapacity(sync.count)
        var sample = 1
        var dts = 0.0
        var nextSync = 0
        var cttsEntry = 0
        var cttsLeft = ctts.first?.count ?? 0
        entries: for at in stts {
            guard let count = b.u32(at), let delta = b.u32(at + 4) else { return nil }
            for _ in 0..<Int(count) {
                guard nextSync < sync.count else { break entries }
                guard sample <= Self.sampleLimit else { return nil }
                var offset = 0.0
                if !ctts.isEmpty {
                    while cttsLeft == 0 && cttsEntry + 1 < ctts.count {
                        cttsEntry += 1
                        cttsLeft = ctts[cttsEntry].count
                    }
                    guard cttsLeft > 0 else { return nil }
                    offset = Double(ctts[cttsEntry].offset)
                    cttsLeft -= 1
                }
                if sync[nextSync] == sample {
                    times.append((dts + offset - shift.mediaTime) / Double(timescale) + shift.delay)
                    nextSync += 1
                }
                dts += Double(delta)
                sample += 1
            }
        }
        return nextSync == sync.count ? times.sorted() : nil
    }

    /// The edit list as one shift: an optional leading empty edit (a delay) and one media edit.
    private func editShift(trak: Range<Int>, movieScale: UInt32) -> (mediaTime: Double, delay: Double)? {
        let b = moov
        guard let edts = b.child("edts", in: trak), let elst = b.child("elst", in: edts) else { return (0, 0) }
        guard let version = b.u8(elst.lowerBound), let entries = b.table(elst, entrySize: version == 1 ? 20 : 12) else {
            return nil
        }
        var delay = 0.0
        var media: Double?
        for at in entries {
            let duration: Double
            let mediaTime: Int64
            if version == 1 {
                guard let d = b.u64(at), let m = b.u64(at + 8) else { return nil }
                (duration, mediaTime) = (Double(Int64(bitPattern: d)), Int64(bitPattern: m))
            } else {
                guard let d = b.u32(at), let m = b.u32(at + 4) else { return nil }
                (duration, mediaTime) = (Double(d), Int64(Int32(bitPattern: m)))
            }
            if mediaTime == -1 && media == nil {
                delay += duration / Double(movieScale)
            } else if media == nil {
                media = Double(mediaTime)
            } else {
                return nil // several media edits: leave it to ffprobe
            }
        }
        return (media ?? 0, delay)
    }
}

/// Big-endian reads over a box body that answer nil instead of trapping.
private struct BoxBytes {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var all: Range<Int> { 0..<bytes.count }

    func u8(_ at: Int) -> UInt8? {
        at >= 0 && at < bytes.count ? bytes[at] : nil
    }

    func u32(_ at: Int) -> UInt32? {
        guard at >= 0, at <= bytes.count - 4 else { return nil }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8
            | UInt32(bytes[at + 3])
    }

    func u64(_ at: Int) -> UInt64? {
        guard let high = u32(at), let low = u32(at + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    func fourCC(_ at: Int) -> String? {
        guard at >= 0, at <= bytes.count - 4 else { return nil }
        return String(decoding: bytes[at..<(at + 4)], as: UTF8.self)
    }

    /// The bodies of the boxes of `type` directly inside `range`; stops at the first box that
    /// does not fit its parent.
    func children(_ type: String, in range: Range<Int>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = range.lowerBound
        while range.upperBound - i >= 8, let size32 = u32(i) {
            var size = UInt64(size32)
            var header = 8
            if size == 1 {
                guard range.upperBound - i >= 16, let size64 = u64(i + 8) else { break }
                size = size64
                header = 16
            } else if size == 0 {
                size = UInt64(range.upperBound - i)
            }
            guard size >= UInt64(header), size <= UInt64(range.upperBound - i) else { break }
            let end = i + Int(size)
            if fourCC(i + 4) == type { found.append((i + header)..<end) }
            i = end
        }
        return found
    }

    func child(_ type: String, in range: Range<Int>) -> Range<Int>? {
        children(type, in: range).first
    }

    /// A full box's table: version and flags, a 32-bit entry count, then the entries. The
    /// offsets of the entries, or nil when the count claims more than the box holds.
    func table(_ box: Range<Int>, entrySize: Int) -> LazyMapCollection<Range<Int>, Int>? {
        guard let count = u32(box.lowerBound + 4) else { return nil }
        let first = box.lowerBound + 8
        guard Int(count) <= (box.upperBound - first) / entrySize else { return nil }
        return (0..<Int(count)).lazy.map { first + $0 * entrySize }
    }

    /// `mvhd` and `mdhd` share this layout: version, flags, times, then timescale and duration.
    func timescaleAndDuration(_ box: Range<Int>) -> (UInt32, UInt64)? {
        guard let version = u8(box.lowerBound) else { return nil }
        if version == 1 {
            guard box.upperBound - box.lowerBound >= 32, let scale = u32(box.lowerBound + 20),
                let duration = u64(box.lowerBound + 24)
            else { return nil }
            return (scale, duration)
        }
        guard box.upperBound - box.lowerBound >= 20, let scale = u32(box.lowerBound + 12),
            let duration = u32(box.lowerBound + 16)
        else { return nil }
        return (scale, UInt64(duration))
    }
}
