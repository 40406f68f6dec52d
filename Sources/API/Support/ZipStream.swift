import NIOCore

/// A ZIP archive written one file at a time, stored (frames are JPEG, PNG or WebP already:
/// deflating them gains nothing), each file's header carrying its CRC and size so that streaming
/// readers manage as well as those that read the central directory. Archives stay under 4 GiB
/// (ZIP32), which is far above a job's frames.
struct ZipStream {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32
    }

    private var entries: [Entry] = []
    private var offset: UInt32 = 0

    /// The local header and the bytes of one file.
    mutating func file(named name: String, contents: ByteBuffer) -> [ByteBuffer] {
        let bytes = Array(name.utf8)
        let entry = Entry(
            name: bytes, crc: CRC32.checksum(contents.readableBytesView), size: UInt32(contents.readableBytes),
            offset: offset)
        var header = ByteBufferAllocator().buffer(capacity: 30 + bytes.count)
        header.writeInteger(UInt32(0x0403_4b50), endianness: .little)
        writeCommon(entry, into: &header)
        header.writeBytes(bytes)
        entries.append(entry)
        offset += UInt32(header.readableBytes) + entry.size
        return [header, contents]
    }

    /// The central directory and its end record.
    func end() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: entries.count * 64 + 22)
        for entry in entries {
            buffer.writeInteger(UInt32(0x0201_4b50), endianness: .little)
            buffer.writeInteger(UInt16(20), endianness: .little) // made by: version 2.0
            writeCommon(entry, into: &buffer)
            buffer.writeInteger(UInt16(0), endianness: .little) // comment length
            buffer.writeInteger(UInt16(0), endianness: .little) // disk number
            buffer.writeInteger(UInt16(0), endianness: .little) // internal attributes
            buffer.writeInteger(UInt32(0o100644) << 16, endianness: .little) // external: a regular file
            buffer.writeInteger(entry.offset, endianness: .little)
            buffer.writeBytes(entry.name)
        }
        let directorySize = UInt32(buffer.readableBytes)
        buffer.writeInteger(UInt32(0x0605_4b50), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(UInt16(entries.count), endianness: .little)
        buffer.writeInteger(UInt16(entries.count), endianness: .little)
        buffer.writeInteger(directorySize, endianness: .little)
        buffer.writeInteger(offset, endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        return buffer
    }

    /// Version needed, flags (UTF-8 names), method (stored), time, date, CRC, sizes, name length,
    /// extra length: the fields a local header and a directory entry share.
    private func writeCommon(_ entry: Entry, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt16(20), endianness: .little)
        buffer.writeInteger(UInt16(1 << 11), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little) // 00:00
        buffer.writeInteger(UInt16(0x21), endianness: .little) // 1980-01-01
        buffer.writeInteger(entry.crc, endianness: .little)
        buffer.writeInteger(entry.size, endianness: .little)
        buffer.writeInteger(entry.size, endianness: .little)
        buffer.writeInteger(UInt16(entry.name.count), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
    }
}

/// CRC-32 (IEEE 802.3, as ZIP and PNG use it).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}
