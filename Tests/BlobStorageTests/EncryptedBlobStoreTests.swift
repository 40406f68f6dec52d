import BlobStorage
import ClipGenCore
import Foundation
import NIOCore
import TestSupport
import Testing

@Suite struct EncryptedBlobStoreTests {
    static let plaintext: [UInt8] =
        Array(String(repeating: "CLIPGEN-SECRET-PAYLOAD ", count: 5000).utf8) + (0..<777).map { UInt8($0 % 251) }

    static func chunks(_ bytes: [UInt8], size: Int = 4096) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            for start in stride(from: 0, to: bytes.count, by: size) {
                continuation.yield(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + size)]))
            }
            continuation.finish()
        }
    }

    static func read(_ store: some BlobStore, _ key: BlobKey, _ range: ClosedRange<Int64>? = nil) async throws
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        try await store.get(key, range: range).write { bytes += Array($0.readableBytesView) }
        return bytes
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }

    @Test func storedBytesHoldNoPlaintextAndRangeReadsMatchAnUnencryptedStore() async throws {
        try await withTemporaryDirectory { dir in
            let plain = LocalBlobStore(root: dir + "/plain")
            let sealedBase = LocalBlobStore(root: dir + "/sealed")
            try await plain.prepare()
            try await sealedBase.prepare()
            let sealed = EncryptedBlobStore(base: sealedBase, ring: try testKeyRing(), chunkSize: 4000)
            let key = try BlobKey("clips/job/0.mp4")
            let info = try await sealed.put(key, from: Self.chunks(Self.plaintext), limit: nil)
            _ = try await plain.put(key, from: Self.chunks(Self.plaintext), limit: nil)
            let storedSize = try await sealed.size(of: key)
            #expect(info.size == Int64(Self.plaintext.count) && storedSize == Int64(Self.plaintext.count))
            let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/sealed/clips/job/0.mp4")))
            #expect(!Self.contains(onDisk, Array("CLIPGEN-SECRET".utf8)), "no plaintext on disk")
            let chunks = (Self.plaintext.count + 3999) / 4000
            #expect(onDisk.count == Self.plaintext.count + chunks * 28 + 4 + 1 + 2 + 4)
            #expect(try await Self.read(sealed, key) == Self.plaintext)
            var generator = SystemRandomNumberGenerator()
            let total = Int64(Self.plaintext.count)
            var ranges: [ClosedRange<Int64>] = [
                0...0, 0...3999, 3999...4000, 4000...7999, (total - 1)...(total - 1), 0...(total - 1), 12345...67890,
            ]
            for _ in 0..<20 {
                let a = Int64.random(in: 0..<total, using: &generator)
                ranges.append(a...Int64.random(in: a..<total, using: &generator))
            }
            for range in ranges {
                let (opened, reference) = (
                    try await Self.read(sealed, key, range), try await Self.read(plain, key, range)
                )
                #expect(opened == reference, "\(range)")
            }
            await #expect(throws: BlobError.rangeNotSatisfiable(size: total)) {
                try await sealed.get(key, range: total...(total + 5))
            }
        }
    }

    @Test func blobsFromBeforeEncryptionAndUnderAnOlderKeyStayReadableAndRotationReseals() async throws {
        try await withTemporaryDirectory { dir in
            let base = LocalBlobStore(root: dir + "/blobs")
            try await base.prepare()
            let legacy = try BlobKey("uploads/legacy")
            let old = try BlobKey("uploads/old")
            _ = try await base.put(legacy, from: Self.chunks(Self.plaintext), limit: nil)
            let before = EncryptedBlobStore(base: base, ring: try testKeyRing(active: "k1"), chunkSize: 4000)
            _ = try await before.put(old, from: Self.chunks(Self.plaintext), limit: nil)

            let now = EncryptedBlobStore(base: base, ring: try testKeyRing(active: "k2"), chunkSize: 4000)
            #expect(
                try await Self.read(now, legacy) == Self.plaintext, "turning encryption on leaves old blobs readable")
            #expect(try await Self.read(now, old, 100...5000) == Array(Self.plaintext[100...5000]))
            let (resealedLegacy, resealedOld) = (try await now.reencrypt(legacy), try await now.reencrypt(old))
            #expect(resealedLegacy && resealedOld)
            #expect(try await now.reencrypt(old) == false, "already under the active key")
            let onDisk = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/blobs/uploads/legacy")))
            #expect(!Self.contains(onDisk, Array("CLIPGEN-SECRET".utf8)))
            // With k1 retired, everything still opens.
            let retired = EncryptedBlobStore(
                base: base,
                ring: try EncryptionKeyRing(
                    entries: "k2:\(Data(repeating: 2, count: 32).base64EncodedString())", activeID: nil),
                chunkSize: 4000)
            let (readLegacy, readOld) = (try await Self.read(retired, legacy), try await Self.read(retired, old))
            #expect(readLegacy == Self.plaintext && readOld == Self.plaintext)
            // Without the key a blob names the missing key id, never a key.
            let stranger = EncryptedBlobStore(
                base: base,
                ring: try EncryptionKeyRing(
                    entries: "k9:\(Data(repeating: 9, count: 32).base64EncodedString())", activeID: nil))
            await #expect(
                throws: BlobError.unavailable("the blob is sealed with key 'k2', which is not in the key ring")
            ) {
                try await stranger.get(old, range: nil)
            }
        }
    }

    @Test func tamperedOrTruncatedBlobsAreRefused() async throws {
        try await withTemporaryDirectory { dir in
            let base = LocalBlobStore(root: dir + "/blobs")
            try await base.prepare()
            let store = EncryptedBlobStore(base: base, ring: try testKeyRing(), chunkSize: 4000)
            let key = try BlobKey("clips/x")
            _ = try await store.put(key, from: Self.chunks(Self.plaintext), limit: nil)
            let path = dir + "/blobs/clips/x"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[5000] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            await #expect(throws: BlobError.self) { try await Self.read(store, key) }
            bytes[5000] ^= 0x01
            // One whole chunk cut off the end: the new last chunk was not sealed as the last.
            try Data(bytes.dropLast(4028)).write(to: URL(fileURLWithPath: path))
            await #expect(throws: BlobError.self) { try await Self.read(store, key) }
        }
    }

    @Test func aKeyRingNeedsWellFormedKeysAndAnActiveOne() throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(throws: ConfigurationProblem.self) { try EncryptionKeyRing(entries: "k1:c2hvcnQ=", activeID: nil) }
        #expect(throws: ConfigurationProblem.self) { try EncryptionKeyRing(entries: "bad id:\(key)", activeID: nil) }
        #expect(throws: ConfigurationProblem.self) { try EncryptionKeyRing(entries: "k1:\(key)", activeID: "k2") }
        #expect(try EncryptionKeyRing(entries: "a:\(key), b:\(key)", activeID: nil).activeID == "a")
    }
}
