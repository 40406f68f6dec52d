import Foundation

/// Reads a finished MP4's duration from its `moov/mvhd` box: exact, and without starting a
/// child process for every rendered clip. Returns nil for anything it does not recognise, and
/// the caller asks ffprobe instead.
enum MP4Duration {
    static func read(_ path: String) -> Double? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        var offset: UInt64 = 0
        // Top-level boxes: walk headers only until `moov` (first with +faststart).
        while offset + 8 <= size {
            guard let (type, boxSize, headerSize) = header(handle, at: offset, fileSize: size) else { return nil }
            if type == "moov" {
                let body = offset + headerSize
                guard boxSize - headerSize <= 64 << 20, (try? handle.seek(toOffset: body)) != nil,
                      let moov = try? handle.read(upToCount: Int(boxSize - headerSize)) else { return nil }
                return mvhdDuration(in: [UInt8](moov))
            }
            offset += boxSize
        }
        return nil
    }

    private static func header(_ handle: FileHandle, at offset: UInt64, fileSize: UInt64) -> (String, UInt64, UInt64)? {
        guard (try? handle.seek(toOffset: offset)) != nil, let bytes = try? handle.read(upToCount: 16), bytes.count >= 8 else { return nil }
        let b = [UInt8](bytes)
        var size = UInt64(be32(b, 0))
        let type = String(decoding: b[4..<8], as: UTF8.self)
        var headerSize: UInt64 = 8
        if size == 1 {
            guard b.count >= 16 else { return nil }
            size = UInt64(be32(b, 8)) << 32 | UInt64(be32(b, 12))
            headerSize = 16
        } else if size == 0 {
            size = fileSize - offset
        }
        guard size >= headerSize else { return nil }
        return (type, size, headerSize)
    }

    private static func mvhdDuration(in moov: [UInt8]) -> Double? {
        var i = 0
        while i + 8 <= moov.count {
            let size = Int(be32(moov, i))
            guard size >= 8, i + size <= moov.count else { return nil }
            if String(decoding: moov[(i + 4)..<(i + 8)], as: UTF8.self) == "mvhd" {
                let body = i + 8
                guard body + 4 <= moov.count else { return nil }
                let version = moov[body]
                let (timescale, duration): (UInt32, UInt64)
                if version == 1 {
                    guard body + 32 <= moov.count else { return nil }
                    timescale = be32(moov, body + 20)
                    duration = UInt64(be32(moov, body + 24)) << 32 | UInt64(be32(moov, body + 28))
                } else {
                    guard body + 20 <= moov.count else { return nil }
                    timescale = be32(moov, body + 12)
                    duration = UInt64(be32(moov, body + 16))
                }
                guard timescale > 0 else { return nil }
                return Double(duration) / Double(timescale)
            }
            i += size
        }
        return nil
    }

    private static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}
