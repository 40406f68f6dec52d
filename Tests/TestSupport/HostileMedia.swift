/// Crafted and damaged MP4 files, made from a valid file's bytes: what a hostile or unlucky
/// user uploads. Each case names what is wrong with it.
public enum HostileMedia {
    public struct Case: Sendable, CustomStringConvertible {
        public let name: String
        public let bytes: [UInt8]
        public var description: String { name }
    }

    /// The first box of each type along `path` (e.g. `["moov", "trak", "mdia"]`): where its
    /// header starts and its size.
    public static func box(_ path: [String], in bytes: [UInt8]) -> (offset: Int, size: Int)? {
        var range = 0..<bytes.count
        var found: (offset: Int, size: Int)?
        for type in path {
            found = nil
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let size = Int(read32(bytes, i))
                guard size >= 8, i + size <= range.upperBound else { return nil }
                if String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self) == type {
                    found = (i, size)
                    break
                }
                i += size
            }
            guard let box = found else { return nil }
            range = (box.offset + 8)..<(box.offset + box.size)
        }
        return found
    }

    /// The table of cases the hostile-input tests run: truncations, random bytes in `moov`,
    /// tiny and empty boxes, 64-bit sizes, size 0, a child larger than its parent, sample
    /// counts past the end. `valid` must be an MP4 with `moov` and one video track.
    public static func cases(from valid: [UInt8]) -> [Case] {
        var cases: [Case] = [
            Case(name: "an empty file", bytes: []),
            Case(name: "moov holding an empty mvhd", bytes: be32(16) + ascii("moov") + be32(8) + ascii("mvhd")),
            Case(
                name: "a 64-bit box size near UInt64.max",
                bytes: be32(1) + ascii("ftyp") + be64(UInt64.max - 7) + [UInt8](repeating: 0, count: 16)),
            Case(
                name: "tiny and empty boxes",
                bytes: be32(20) + ascii("ftyp") + ascii("isom") + be32(0) + ascii("mp41")
                    + box(
                        "moov",
                        box("mvhd", [1]) + box("trak", box("mdia", box("hdlr", [0, 0]) + box("minf", box("stbl", [])))))
            ),
        ]
        for fraction in [0.0001, 0.01, 0.34, 0.67, 0.999] {
            let length = max(8, Int(Double(valid.count) * fraction))
            cases.append(
                Case(name: "truncated to \(length) of \(valid.count) bytes", bytes: Array(valid.prefix(length))))
        }
        guard let moov = box(["moov"], in: valid) else { return cases }
        var random = SplitMix(seed: 7)
        cases.append(
            mutated("random bytes in moov", valid) { bytes in
                for i in (moov.offset + 16)..<min(moov.offset + moov.size, moov.offset + 16 + 512) {
                    bytes[i] = UInt8(truncatingIfNeeded: random.next())
                }
            })
        cases.append(mutated("moov of size 0 (to the end of the file)", valid) { write32(&$0, moov.offset, 0) })
        cases.append(mutated("moov with a 64-bit size past the end", valid) { write32(&$0, moov.offset, 1) })
        if let mvhd = box(["moov", "mvhd"], in: valid) {
            cases.append(
                mutated("a child larger than its parent", valid) { write32(&$0, mvhd.offset, UInt32(moov.size + 1000)) }
            )
        }
        for table in ["stss", "stts", "stsz", "stco", "ctts"] {
            guard let found = box(["moov", "trak", "mdia", "minf", "stbl", table], in: valid) else { continue }
            cases.append(
                mutated("\(table) claiming 2^32-1 entries", valid) { write32(&$0, found.offset + 12, UInt32.max) })
        }
        if let stts = box(["moov", "trak", "mdia", "minf", "stbl", "stts"], in: valid) {
            cases.append(
                mutated("stts with 2^32-1 samples of 2^32-1 ticks", valid) { bytes in
                    write32(&bytes, stts.offset + 16, UInt32.max)
                    write32(&bytes, stts.offset + 20, UInt32.max)
                })
        }
        if let mdhd = box(["moov", "trak", "mdia", "mdhd"], in: valid) {
            cases.append(mutated("a track timescale of zero", valid) { write32(&$0, mdhd.offset + 20, 0) })
        }
        return cases
    }

    /// Random damage for fuzzing: a few of byte flips, extreme box sizes and truncation.
    public static func mutate(_ valid: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = valid
        let extremes: [UInt32] = [
            0, 1, 7, 8, 9, 16, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt32(bytes.count), UInt32(bytes.count + 1),
        ]
        for _ in 0..<(1 + Int(random.next() % 4)) {
            guard !bytes.isEmpty else { break }
            switch random.next() % 4 {
            case 0:
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            case 1 where bytes.count >= 4:
                // A box size field, or any other 32-bit word, set to something extreme.
                let at = Int(random.next() % UInt64(bytes.count - 3))
                write32(&bytes, at, extremes[Int(random.next() % UInt64(extremes.count))])
            case 2:
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
            default:
                let at = Int(random.next() % UInt64(bytes.count))
                let span = min(64, bytes.count - at)
                for i in at..<(at + span) { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
            }
        }
        return bytes
    }

    static func mutated(_ name: String, _ valid: [UInt8], _ change: (inout [UInt8]) -> Void) -> Case {
        var bytes = valid
        change(&bytes)
        return Case(name: name, bytes: bytes)
    }

    static func box(_ type: String, _ body: [UInt8]) -> [UInt8] { be32(UInt32(8 + body.count)) + ascii(type) + body }
    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func be32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    static func be64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
    static func read32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
    static func write32(_ b: inout [UInt8], _ at: Int, _ value: UInt32) {
        for (i, byte) in be32(value).enumerated() where at + i < b.count { b[at + i] = byte }
    }
}

/// A small seeded generator, so a fuzz failure names a seed that reproduces it.
public struct SplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
