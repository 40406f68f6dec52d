/// A ZIP archive written one file at a time, stored (frames and video segments are compressed
/// already: deflating them gains nothing), each local header carrying its file's CRC and size so
/// that streaming readers manage as well as those that read the central directory; no extra
/// fields, so a file's bytes begin 30 bytes plus its name after its header (`ZipIndex` relies on
/// it to serve files out of a stored package). A file too large to hold in memory (a clip) is
/// streamed instead: its header says a data descriptor follows its bytes with their CRC and size.
/// ZIP32: archives stay under 4 GiB (`fits` tells beforehand).
public struct ZipWriter: Sendable {
    private var entries: [ZipIndex.Entry] = []
    private var offset: UInt32 = 0

    public init() {}

    /// The local header to write before `contents`.
    public mutating func header(named name: String, contents: some Collection<UInt8>) -> [UInt8] {
        localHeader(
            ZipIndex.Entry(
                name: name, crc: CRC32.checksum(contents), size: UInt32(contents.count), headerOffset: offset))
    }

    /// The local header of a file streamed through `descriptor(crc:size:)`: no CRC or size yet.
    public mutating func streamingHeader(named name: String) -> [UInt8] {
        localHeader(ZipIndex.Entry(name: name, crc: 0, size: 0, headerOffset: offset, streamed: true))
    }

    /// Records the entry and answers its local header; the offset moves past the header and the
    /// bytes it already knows of (none for a streamed file, until its descriptor).
    private mutating func localHeader(_ entry: ZipIndex.Entry) -> [UInt8] {
        var header: [UInt8] = []
        header.append(littleEndian: UInt32(0x0403_4b50))
        Self.common(entry, into: &header)
        header += Array(entry.name.utf8)
        entries.append(entry)
        offset += UInt32(header.count) + entry.size
        return header
    }

    /// After a streamed file's bytes: its data descriptor, recording its CRC and size for the directory.
    public mutating func descriptor(crc: UInt32, size: UInt32) -> [UInt8] {
        entries[entries.count - 1].crc = crc
        entries[entries.count - 1].size = size
        var bytes: [UInt8] = []
        bytes.append(littleEndian: UInt32(0x0807_4b50))
        bytes.append(littleEndian: crc)
        bytes.append(littleEndian: size)
        bytes.append(littleEndian: size)
        offset += UInt32(bytes.count) + size
        return bytes
    }

    /// Whether files of these names and sizes, streamed, make an archive ZIP32 can address.
    public static func fits(_ files: [(name: String, size: Int64)]) -> Bool {
        let total = files.reduce(Int64(22)) { $0 + $1.size + 30 + 16 + 46 + 2 * Int64($1.name.utf8.count) }
        return total < Int64(UInt32.max) && files.count < Int(UInt16.max)
    }

    /// The central directory and its end record.
    public func end() -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes.append(littleEndian: UInt32(0x0201_4b50))
            bytes.append(littleEndian: UInt16(20)) // made by: version 2.0
            Self.common(entry, into: &bytes)
            bytes.append(littleEndian: UInt16(0)) // comment length
            bytes.append(littleEndian: UInt16(0)) // disk number
            bytes.append(littleEndian: UInt16(0)) // internal attributes
            bytes.append(littleEndian: UInt32(0o100644) << 16) // external: a regular file
            bytes.append(littleEndian: entry.headerOffset)
            bytes += Array(entry.name.utf8)
        }
        let directorySize = UInt32(bytes.count)
        bytes.append(littleEndian: UInt32(0x0605_4b50))
        bytes.append(littleEndian: UInt16(0))
        bytes.append(littleEndian: UInt16(0))
        bytes.append(littleEndian: UInt16(entries.count))
        bytes.append(littleEndian: UInt16(entries.count))
        bytes.append(littleEndian: directorySize)
        bytes.append(littleEndian: offset)
        bytes.append(littleEndian: UInt16(0))
        return bytes
    }

    /// Version needed, flags (UTF-8 names), method (stored), time, date, CRC, sizes, name length,
    /// extra length: the fields a local header and a directory entry share.
    private static func common(_ entry: ZipIndex.Entry, into bytes: inout [UInt8]) {
        bytes.append(littleEndian: UInt16(20))
        bytes.append(littleEndian: UInt16(1 << 11 | (entry.streamed ? 1 << 3 : 0)))
        bytes.append(littleEndian: UInt16(0))
        bytes.append(littleEndian: UInt16(0)) // 00:00
        bytes.append(littleEndian: UInt16(0x21)) // 1980-01-01
        bytes.append(littleEndian: entry.crc)
        bytes.append(littleEndian: entry.size)
        bytes.append(littleEndian: entry.size)
        bytes.append(littleEndian: UInt16(entry.name.utf8.count))
        bytes.append(littleEndian: UInt16(0))
    }
}

/// Where each file of a stored ZIP that `ZipWriter` made lies, read from its end record and
/// central directory: enough to serve one file as a byte range of the package.
public struct ZipIndex: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var crc: UInt32
        public var size: UInt32
        public var headerOffset: UInt32
        /// Written with a data descriptor after its bytes (never in a stored package `ZipIndex` serves from).
        public var streamed = false
        /// The first byte of the file's contents.
        public var dataOffset: Int64 { Int64(headerOffset) + 30 + Int64(name.utf8.count) }
    }

    public var entries: [Entry]

    /// How many bytes from the end hold the end record (no archive comment).
    public static let endRecordSize = 22

    /// From the last 22 bytes: where the central directory starts and how long it is.
    public static func directory(inEndRecord bytes: [UInt8]) -> (offset: Int64, size: Int64)? {
        guard bytes.count == endRecordSize, bytes.uint32(at: 0) == 0x0605_4b50 else { return nil }
        return (Int64(bytes.uint32(at: 16)), Int64(bytes.uint32(at: 12)))
    }

    /// Parses the central directory's bytes; nil when they are not one.
    public init?(directory bytes: [UInt8]) {
        var entries: [Entry] = []
        var at = 0
        while at + 46 <= bytes.count {
            guard bytes.uint32(at: at) == 0x0201_4b50 else { return nil }
            let nameLength = Int(bytes.uint16(at: at + 28))
            let skip = Int(bytes.uint16(at: at + 30)) + Int(bytes.uint16(at: at + 32))
            guard bytes.uint16(at: at + 10) == 0, at + 46 + nameLength <= bytes.count else { return nil }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            entries.append(
                Entry(
                    name: name, crc: bytes.uint32(at: at + 16), size: bytes.uint32(at: at + 24),
                    headerOffset: bytes.uint32(at: at + 42)))
            at += 46 + nameLength + skip
        }
        self.entries = entries
    }
}

/// CRC-32 (IEEE 802.3, as ZIP and PNG use it).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        update(0, with: bytes)
    }

    /// The checksum of what `crc` covered followed by `bytes` (0 for nothing yet).
    public static func update(_ crc: UInt32, with bytes: some Sequence<UInt8>) -> UInt32 {
        ~bytes.reduce(~crc) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}

extension Array where Element == UInt8 {
    mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func uint16(at index: Int) -> UInt16 { UInt16(self[index]) | UInt16(self[index + 1]) << 8 }

    func uint32(at index: Int) -> UInt32 {
        UInt32(self[index]) | UInt32(self[index + 1]) << 8 | UInt32(self[index + 2]) << 16
            | UInt32(self[index + 3]) << 24
    }
}
