import ClipGenCore
import Foundation
import Testing

@Suite struct ZipWriterTests {
    @Test func filesWrittenAreFoundAgainByTheirDirectoryAndCRC() {
        var writer = ZipWriter()
        let files = [("index.m3u8", Array("#EXTM3U\n".utf8)), ("segment-000.ts", (0..<1000).map { UInt8($0 % 251) })]
        var archive: [UInt8] = []
        for (name, contents) in files { archive += writer.header(named: name, contents: contents) + contents }
        archive += writer.end()
        let tail = Array(archive.suffix(ZipIndex.endRecordSize))
        let directory = try! #require(ZipIndex.directory(inEndRecord: tail))
        let index = try! #require(
            ZipIndex(directory: Array(archive[Int(directory.offset)..<Int(directory.offset + directory.size)])))
        #expect(index.entries.map(\.name) == files.map(\.0))
        for (entry, (_, contents)) in zip(index.entries, files) {
            let start = Int(entry.dataOffset)
            #expect(Array(archive[start..<(start + Int(entry.size))]) == contents)
            #expect(entry.crc == CRC32.checksum(contents))
        }
        // The well-known check value of CRC-32.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipIndex.directory(inEndRecord: Array(repeating: 0, count: 22)) == nil)
    }
}
