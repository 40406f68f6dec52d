import ClipGenCore
import Foundation
import Testing

@Suite struct MediaTimeTests {
    @Test(arguments: [("12.5", 12.5), ("00:01:02.500", 62.5), ("1:02.5", 62.5), ("01:00:00", 3600), ("0", 0)])
    func parsesTimecodes(text: String, seconds: Double) {
        #expect(MediaTime(timecode: text)?.seconds == seconds)
    }

    @Test(arguments: ["", "abc", "-1", "1:60", "1::2", "00:00:00:01", "1.5:00", "1:-5"])
    func rejectsMalformedTimecodes(text: String) {
        #expect(MediaTime(timecode: text) == nil)
    }

    @Test func decodesNumbersAndStrings() throws {
        let json = Data(#"[12.5, "00:00:10.25"]"#.utf8)
        let times = try JSONDecoder().decode([MediaTime].self, from: json)
        #expect(times.map(\.seconds) == [12.5, 10.25])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([MediaTime].self, from: Data(#"["soon"]"#.utf8))
        }
    }
}

@Suite struct JobRequestValidationTests {
    let upload = UploadID.make()

    @Test func acceptsAPlainRequestAndFillsDefaults() throws {
        let request = try JSONDecoder().decode(
            JobRequest.self,
            from: Data(#"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":1,"end":"00:00:02"}]}"#.utf8))
        #expect(request.validate().isEmpty)
        #expect(request.resolvedOutput == OutputOptions(format: .mp4, mode: .smart, aspect: .original))
    }

    @Test func endNotAfterStartIsAFieldError() {
        let request = JobRequest(
            source: .init(uploadId: upload), clips: [.init(start: 5, end: 5), .init(start: 1, end: 2)])
        #expect(request.validate() == [FieldError(field: "clips[0].end", message: "must be after start")])
    }

    @Test func needsSomethingToDo() {
        let errors = JobRequest(source: .init(uploadId: upload)).validate()
        #expect(errors.map(\.field) == ["clips"])
    }

    @Test func reportsEveryProblemAtOnce() {
        var request = JobRequest(
            source: .init(), clips: [.init(start: -1, end: 2)], output: OutputOptions(mode: .keyframe, height: 7))
        request.webhookUrl = "ftp://x"
        let fields = Set(request.validate().map(\.field))
        #expect(fields == ["source", "clips[0].start", "output.height", "output.mode", "webhookUrl"])
    }

    /// Round 3's L7: a half-megabyte webhook URL was accepted and repeated in every delivery record.
    @Test func aWebhookURLIsCappedAt2048BytesAsImportsAre() {
        var request = JobRequest(source: .init(uploadId: upload), clips: [.init(start: 0, end: 1)])
        request.webhookUrl = "https://example.com/" + String(repeating: "a", count: 2048 - 20)
        #expect(request.validate().isEmpty)
        request.webhookUrl! += "a"
        #expect(request.validate().map(\.field) == ["webhookUrl"])
    }

    @Test func keyframeModeCannotFilterOrChangeFormat() {
        for options in [
            OutputOptions(mode: .keyframe, height: 360), OutputOptions(mode: .keyframe, aspect: .vertical),
            OutputOptions(mode: .keyframe, normalizeAudio: true), OutputOptions(mode: .keyframe, fadeSeconds: 1),
        ] {
            let request = JobRequest(source: .init(uploadId: upload), clips: [.init(start: 0, end: 3)], output: options)
            #expect(request.validate().map(\.field) == ["output.mode"])
        }
        let gif = JobRequest(
            source: .init(uploadId: upload), clips: [.init(start: 0, end: 1)],
            output: OutputOptions(format: .gif, mode: .keyframe))
        #expect(gif.validate().map(\.field) == ["output.format"])
    }

    @Test func outputRangesAreChecked() {
        let bad = OutputOptions(
            format: .gif, mode: .exact, fps: 500, cropX: 1.5, normalizeAudio: true, targetLUFS: 3, fadeSeconds: 11)
        #expect(
            Set(bad.validate().map(\.field)) == [
                "output.fps", "output.cropX", "output.targetLUFS", "output.fadeSeconds", "output.normalizeAudio",
            ])
        #expect(
            OutputOptions(
                format: .webm, mode: .exact, aspect: .vertical, height: 720, fps: 30, cropX: 0, normalizeAudio: true,
                fadeSeconds: 1
            ).validate().isEmpty)
    }

    @Test func aClipMustOutlastItsFades() {
        let request = JobRequest(
            source: .init(uploadId: upload), clips: [.init(start: 0, end: 1.5)],
            output: OutputOptions(mode: .exact, fadeSeconds: 1))
        #expect(request.validate().map(\.field) == ["clips[0]"])
    }
}

@Suite struct RoleTests {
    @Test func permissions() {
        #expect(Role.admin.allows(.manage) && Role.admin.allows(.delete))
        #expect(Role.user.allows(.write) && !Role.user.allows(.manage) && !Role.user.allows(.delete))
        #expect(Role.viewer.allows(.read) && !Role.viewer.allows(.write))
    }
}
