import Foundation

/// What a brand kit needs of an uploaded font before libass ever sees it: that it is one
/// TrueType or OpenType font, and the family name captions ask for it by. Only the table
/// directory and the `name` table are read, every offset checked against the file's length.
public enum FontFile {
    /// Fonts larger than this are refused: a caption face is a few hundred KiB, a CJK one ~20 MiB.
    public static let maximumSize = 32 << 20

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Refuses a file too large to be read whole, before it is read.
    public static func check(size: Int64) throws(Invalid) {
        guard size <= maximumSize else {
            throw Invalid(description: "the font is larger than \(maximumSize >> 20) MiB")
        }
    }

    /// The family name (name ID 1, the Windows record in US English first) of a TTF or OTF file.
    public static func family(of data: Data) throws(Invalid) -> String {
        try check(size: Int64(data.count))
        let bytes = [UInt8](data)
        guard bytes.count >= 12 else { throw Invalid(description: "the file is too short to be a font") }
        switch Array(bytes[0..<4]) {
        case [0, 1, 0, 0], Array("true".utf8), Array("OTTO".utf8):
            break
        case Array("ttcf".utf8):
            throw Invalid(description: "the file is a font collection (TTC); upload one font of it as TTF or OTF")
        case Array("wOFF".utf8), Array("wOF2".utf8):
            throw Invalid(description: "the file is a web font (WOFF); convert it to TTF or OTF")
        default:
            throw Invalid(description: "the file is not a TrueType or OpenType font")
        }
        let reader = Reader(bytes: bytes)
        let tables = reader.u16(4) ?? 0
        guard tables > 0, tables <= 512 else { throw Invalid(description: "the font's table directory is damaged") }
        var name: (offset: Int, length: Int)?
        for index in 0..<tables {
            let record = 12 + index * 16
            guard let tag = reader.slice(record, 4), let offset = reader.u32(record + 8),
                let length = reader.u32(record + 12)
            else { throw Invalid(description: "the font's table directory is damaged") }
            if tag == Array("name".utf8) { name = (offset, length) }
        }
        guard let name, reader.slice(name.offset, name.length) != nil else {
            throw Invalid(description: "the font has no name table, so captions could not ask for it")
        }
        let family = try familyName(in: reader, table: name.offset)
        guard !family.isEmpty, family.count <= 63,
            family.unicodeScalars.allSatisfy({ $0.value >= 0x20 && !",{}\\".unicodeScalars.contains($0) })
        else {
            throw Invalid(description: "the font's family name cannot be used in captions (empty, too long or odd)")
        }
        return family
    }

    private static func familyName(in reader: Reader, table: Int) throws(Invalid) -> String {
        guard let count = reader.u16(table + 2), let strings = reader.u16(table + 4) else {
            throw Invalid(description: "the font's name table is damaged")
        }
        var found: [(rank: Int, name: String)] = []
        for index in 0..<count {
            let record = table + 6 + index * 12
            guard let platform = reader.u16(record), let encoding = reader.u16(record + 2),
                let language = reader.u16(record + 4), let nameID = reader.u16(record + 6),
                let length = reader.u16(record + 8), let offset = reader.u16(record + 10)
            else { throw Invalid(description: "the font's name table is damaged") }
            guard nameID == 1, let raw = reader.slice(table + strings + offset, length) else { continue }
            switch (platform, encoding) {
            case (3, 1), (3, 10), (0, _):
                guard let text = utf16BE(raw) else { continue }
                found.append((platform == 3 && language == 0x409 ? 0 : platform == 3 ? 1 : 2, text))
            case (1, 0):
                found.append((3, String(decoding: raw.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)))
            default:
                continue
            }
        }
        guard let best = found.min(by: { $0.rank < $1.rank }) else {
            throw Invalid(description: "the font has no family name, so captions could not ask for it")
        }
        return best.name.trimmingCharacters(in: .whitespaces)
    }

    private static func utf16BE(_ raw: [UInt8]) -> String? {
        guard raw.count.isMultiple(of: 2) else { return nil }
        let units = stride(from: 0, to: raw.count, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
        return String(decoding: units, as: UTF16.self)
    }

    /// Big-endian reads that answer nil past the end instead of trapping.
    private struct Reader {
        let bytes: [UInt8]

        func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
            guard offset >= 0, length >= 0, offset <= bytes.count - length else { return nil }
            return Array(bytes[offset..<offset + length])
        }

        func u16(_ offset: Int) -> Int? {
            slice(offset, 2).map { Int($0[0]) << 8 | Int($0[1]) }
        }

        func u32(_ offset: Int) -> Int? {
            slice(offset, 4).map { $0.reduce(0) { $0 << 8 | Int($1) } }
        }
    }
}
