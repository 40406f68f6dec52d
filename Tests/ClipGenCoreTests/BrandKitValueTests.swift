import ClipGenCore
import Foundation
import TestSupport
import Testing

/// The brand kit's pieces that need no server: the font check on hostile bytes, the intro's
/// shift of a clip's caption clock, and what a job with a brand may ask.
@Suite struct BrandKitValueTests {
    static func systemFont() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: BrandFont.systemFile))
    }

    @Test func aFontsFamilyIsReadFromItsNameTable() async throws {
        #expect(try FontFile.family(of: Self.systemFont()) == BrandFont.systemFamily)
        try await withTemporaryDirectory { dir in
            try BrandFont.write(to: dir + "/renamed.ttf")
            #expect(
                try FontFile.family(of: Data(contentsOf: URL(fileURLWithPath: dir + "/renamed.ttf")))
                    == BrandFont.family)
        }
    }

    @Test(arguments: [
        ("", "too short"),
        ("ttcf\0\u{1}\0\0\0\0\0\u{1}", "collection"),
        ("wOFF\0\u{1}\0\0\0\0\0\u{1}", "WOFF"),
        ("%PDF-1.7 not a font at all", "not a TrueType"),
        ("OTTO\0\0\0\0\0\0\0\0", "table directory"),
    ])
    func whatIsNotOneFontIsRefusedWithAReason(_ text: String, _ reason: String) {
        #expect {
            try FontFile.family(of: Data(text.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func aDamagedFontIsRefusedNeverTrapped() throws {
        let font = [UInt8](try Self.systemFont())
        var generator = SplitMix(seed: 21)
        for round in 0..<400 {
            var bytes = font
            if round % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 12..<2_000, using: &generator)))
            } else {
                // Overwrite the table directory and the name table's header with noise.
                for _ in 0..<8 {
                    bytes[Int.random(in: 4..<min(bytes.count, 400), using: &generator)] = .random(
                        in: 0...255, using: &generator)
                }
            }
            _ = try? FontFile.family(of: Data(bytes))
        }
        #expect(throws: FontFile.Invalid.self) { try FontFile.check(size: Int64(FontFile.maximumSize) + 1) }
    }

    @Test func anIntroMovesTheClipsCaptionsLater() {
        let transcript = Transcript(
            model: "test", duration: 30,
            words: [.init(start: 11, end: 11.4, text: "Hello"), .init(start: 11.5, end: 12, text: "there.")])
        let plain = CaptionTrack(transcript: transcript, timeline: ClipTimeline(start: 10, end: 20), captions: nil)
        let branded = CaptionTrack(
            transcript: transcript, timeline: ClipTimeline(start: 10, end: 20, lead: 2.5), captions: nil)
        #expect(plain.lines.first?.start == 1)
        #expect(branded.lines.first?.start == 3.5)
        #expect(branded.srt.contains("00:00:03,500 --> "))
        var clip = Clip(
            jobId: .make(), organizationId: .make(), index: 0, name: nil, start: 10, end: 20, actualStart: 10,
            duration: 13.5, format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "",
            blobKey: try! BlobKey("clips/x.mp4"),
            presentation: ClipPresentation(intro: 2.5), createdAt: Date())
        #expect(clip.timeline.lead == 2.5)
        clip.presentation = ClipPresentation()
        #expect(clip.timeline.lead == 0)
    }

    @Test func aBrandCannotBeLaidOverAStreamCopy() throws {
        let json =
            #"{"source":{"uploadId":"\#(Identifier.make())"},"clips":[{"start":0,"end":4}],"brand":true,"output":{"mode":"keyframe"}}"#
        let errors = try JSONDecoder().decode(JobRequest.self, from: Data(json.utf8)).validate()
        #expect(errors.map(\.field) == ["output.mode"])
        #expect(BrandKit().validate().map(\.field) == ["logo"])
        #expect(BrandKit(font: .init(uploadId: .make())).validate().isEmpty)
    }
}
