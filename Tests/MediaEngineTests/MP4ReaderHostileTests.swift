import ClipGenCore
import Foundation
import TestSupport
import Testing

@testable import MediaEngine

/// The box reader on crafted and randomly damaged files: it may answer nil or numbers, but it
/// never traps (a trap here would end the whole test process, failing the run).
@Suite struct MP4ReaderHostileTests {
    static func valid() async throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try await TestMedia.shared.path("gop2s.mp4"))))
    }

    static func readEverything(_ reader: MP4Reader?) -> Int {
        guard let reader else { return 0 }
        return (reader.duration == nil ? 0 : 1) + (reader.keyframeTimes?.count ?? 0)
            + (reader.videoTrackEnd == nil ? 0 : 1)
            + (reader.videoHasConstantFrameDuration ? 1 : 0)
    }

    @Test func craftedFilesAreReadWithoutTrapping() async throws {
        let valid = try await Self.valid()
        let cases = HostileMedia.cases(from: valid)
        #expect(cases.count >= 15, "the table covers every kind of damage: \(cases)")
        for crafted in cases {
            _ = Self.readEverything(MP4Reader(fileBytes: crafted.bytes))
        }
        // The reader still agrees with itself on the undamaged file, from memory and from disk.
        let whole = try #require(MP4Reader(fileBytes: valid))
        #expect(whole.keyframeTimes == stride(from: 0.0, to: 20, by: 2).map { $0 })
        #expect(whole.duration == 20)
        #expect(abs((whole.videoTrackEnd ?? 0) - 20) < 0.1, "within a few frames of the 20 s the packets hold")
    }

    @Test func theCrashesFoundByHandAreGone() {
        // 16 bytes: `moov` holding an empty `mvhd` (was: index out of range).
        #expect(
            MP4Reader(fileBytes: [0, 0, 0, 16] + Array("moov".utf8) + [0, 0, 0, 8] + Array("mvhd".utf8))?.keyframeTimes
                == nil)
        // 32 bytes: a 64-bit size near UInt64.max (was: arithmetic overflow).
        let huge =
            [0, 0, 0, 1] + Array("moov".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF8]
            + [UInt8](repeating: 0, count: 16)
        #expect(MP4Reader(fileBytes: huge) == nil)
    }

    @Test func fuzzedFilesAreReadWithoutTrapping() async throws {
        let valid = try await Self.valid()
        // At least 300 files however slow the machine, then as many as two seconds allow (at most
        // 20,000); the seed is fixed so a failure reproduces.
        var random = SplitMix(seed: 20_261_128)
        let deadline = ContinuousClock.now + .seconds(2)
        var runs = 0
        var readable = 0
        while runs < 300 || (runs < 20_000 && ContinuousClock.now < deadline) {
            if Self.readEverything(MP4Reader(fileBytes: HostileMedia.mutate(valid, &random))) > 0 { readable += 1 }
            runs += 1
        }
        print("MP4Reader fuzz: \(runs) damaged files, \(readable) still readable")
        #expect(readable > 0, "some damage leaves the file readable, so the accessors were exercised")
    }
}
