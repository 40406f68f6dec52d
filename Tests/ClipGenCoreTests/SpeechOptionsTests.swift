import Foundation
import Testing

@testable import ClipGenCore

/// Captions, silence cuts and the transcribe stage as plain values: lines and their files, the
/// ranges kept, the order of tasks, the errors a client sees.
@Suite struct SpeechOptionsTests {
    static let transcript = Transcript(
        model: "test", duration: 20,
        words: [
            .init(start: 1.0, end: 1.4, text: "Hello"), .init(start: 1.4, end: 1.9, text: "there,"),
            .init(start: 1.9, end: 2.3, text: "friends."),
            .init(start: 5.0, end: 5.3, text: "Why"), .init(start: 5.3, end: 5.6, text: "now?"),
            .init(start: 5.7, end: 6.0, text: "One"), .init(start: 6.0, end: 6.2, text: "two"),
            .init(start: 6.2, end: 6.5, text: "three"),
            .init(start: 6.5, end: 6.8, text: "four"), .init(start: 6.8, end: 7.2, text: "five"),
        ])

    @Test func linesBreakAtSentencesPausesAndLengthAndFilesAreOnTheClipsClock() {
        let track = CaptionTrack(
            transcript: Self.transcript, timeline: ClipTimeline(start: 0.5, end: 8), maxWordsPerLine: 4)
        #expect(track.lines.map(\.text) == ["Hello there, friends.", "Why now?", "One two three four", "five"])
        #expect(track.lines[0].start == 0.5 && abs(track.lines[0].end - 2.1) < 1e-9, "held 0.3 s after the last word")
        #expect(abs(track.lines[1].end - 5.2) < 1e-9, "never into the next line: \(track.lines[1])")
        #expect(track.srt.hasPrefix("1\n00:00:00,500 --> 00:00:02,100\nHello there, friends.\n\n2\n00:00:04,500 --> "))
        #expect(track.vtt.hasPrefix("WEBVTT\n\n00:00:00.500 --> 00:00:02.100\nHello there, friends.\n"))
        #expect(CaptionTrack.escapeVTT("a<b>&") == "a&lt;b&gt;&amp;")
        let upper = CaptionTrack(
            transcript: Self.transcript, timeline: ClipTimeline(start: 4.9, end: 5.7), maxWordsPerLine: 7,
            uppercase: true)
        #expect(upper.lines.map(\.text) == ["WHY NOW?"], "only the words inside the clip")
    }

    @Test func longPausesAreCutKeepingPaddingAndTheTimelineMapsAcrossThem() {
        let removal = SilenceRemoval(minSilence: 0.6, padding: 0.15)
        let kept = removal.keptRanges(start: 0, end: 10, words: Self.transcript.words)
        // Lead-in to 0.85, the pause 2.3–5.0, and the tail after 7.2 are cut.
        let expected = [TimeRange(start: 0.85, end: 2.45), TimeRange(start: 4.85, end: 7.35)]
        #expect(
            kept.count == 2
                && zip(kept, expected).allSatisfy { abs($0.start - $1.start) < 1e-9 && abs($0.end - $1.end) < 1e-9 },
            "\(kept)")
        let timeline = ClipTimeline(ranges: kept)
        #expect(abs(timeline.duration - 4.1) < 1e-9)
        #expect(timeline.clipTime(3.0) == nil && abs(timeline.clampedClipTime(3.0) - 1.6) < 1e-9)
        #expect(abs((timeline.clipTime(5.0) ?? 0) - 1.75) < 1e-9)
        // Captions on a cut clip follow its clock: the question comes right after the greeting.
        let track = CaptionTrack(transcript: Self.transcript, timeline: timeline, maxWordsPerLine: 4)
        #expect(abs(track.lines[1].start - 1.75) < 1e-9, "\(track.lines)")
        #expect(
            removal.keptRanges(start: 0, end: 4, words: []) == [TimeRange(start: 0, end: 4)], "no words: nothing cut")
    }

    @Test func jobsNeedingWordsTranscribeBeforeAnalysingAndRendering() {
        let workflow = JobWorkflow()
        var request = JobRequest(
            source: .init(uploadId: .make()), clips: [.init(start: 0, end: 2)],
            output: OutputOptions(captions: CaptionOptions()))
        request.highlights = .init(count: 1, query: "pricing")
        var job = Job(organizationId: .make(), ownerId: .make(), request: request, createdAt: Date())
        job.request.thumbnails = false
        #expect(job.request.needsTranscript)
        let probe = workflow.firstTask(for: job)
        #expect(workflow.nextTasks(after: probe, of: job).map(\.kind) == [.transcribe])
        #expect(
            workflow.stage(after: .probe, of: job) == .transcribe
                && workflow.stage(after: .transcribe, of: job) == .analyze)
        let transcribe = TaskRecord(jobId: job.id, kind: .transcribe, maxAttempts: 3)
        #expect(workflow.nextTasks(after: transcribe, of: job).map(\.kind) == [.analyze])
        job.request.highlights = nil
        #expect(workflow.nextTasks(after: transcribe, of: job).map(\.kind) == [.render])
        let progress = workflow.progress(of: [
            .init(kind: .probe, fraction: 1), .init(kind: .transcribe, fraction: 0.5),
            .init(kind: .render, fraction: 0),
        ])
        #expect(abs(progress - 0.15) < 1e-9)
    }

    @Test func badCaptionReframeAndSilenceOptionsAreFieldErrors() throws {
        let json = #"""
            {"source":{"uploadId":"\#(UploadID.make())"},"clips":[{"start":0,"end":5}],"highlights":{"count":1,
                "query":"  "},
             "output":{"mode":"keyframe","reframe":"face","captions":{"style":"karaoke","fontSize":50,
                 "highlightColor":"gold","maxWordsPerLine":0},
                       "removeSilences":{"minSilence":0.4,"padding":0.3}}}
            """#
        let request = try JSONDecoder().decode(JobRequest.self, from: Data(json.utf8))
        let fields = Set(request.validate().map(\.field))
        #expect(
            fields.isSuperset(of: [
                "highlights.query", "output.reframe", "output.captions.fontSize", "output.captions.highlightColor",
                "output.captions.maxWordsPerLine", "output.removeSilences.padding", "output.mode",
            ]), "\(fields)")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(OutputOptions.self, from: Data(#"{"captions":{"style":"comic"}}"#.utf8))
        }
        let defaults = try JSONDecoder().decode(
            OutputOptions.self, from: Data(#"{"aspect":"9:16","captions":{},"reframe":"face"}"#.utf8))
        #expect(defaults.captions == CaptionOptions() && defaults.validate().isEmpty && defaults.changesPictures)
    }
}

@Suite struct EnhancementOptionsTests {
    func decode(_ json: String) throws -> OutputOptions {
        try JSONDecoder().decode(OutputOptions.self, from: Data(json.utf8))
    }

    @Test func trueTakesTheDefaultsAndAnObjectSetsThem() throws {
        let options = try decode(
            #"{"enhance":{"denoise":true,"sharpen":{"method":"unsharp"},"stabilize":{"smoothing":30},"deband":true,"#
                + #""upscale":{"height":1080},"audioDenoise":false,"dynamicNormalize":true}}"#)
        let enhance = try #require(options.enhance)
        #expect(enhance.denoise == .init(method: .hqdn3d, strength: 0.5))
        #expect(enhance.sharpen == .init(method: .unsharp, strength: 0.5))
        #expect(enhance.stabilize?.smoothing == 30 && enhance.deband && enhance.upscale?.height == 1080)
        #expect(enhance.audioDenoise == nil && enhance.dynamicNormalize && enhance.deinterlace == .auto)
        #expect(options.needsFilters && options.changesPictures)
        #expect(try decode(#"{"enhance":{"dynamicNormalize":true}}"#).needsFilters)
        #expect(!(try decode(#"{"enhance":{"dynamicNormalize":true}}"#).changesPictures))
        #expect(!(try decode(#"{"enhance":{}}"#).needsFilters), "auto deinterlacing depends on the source alone")
    }

    @Test func outOfRangeAndConflictingValuesNameTheirField() throws {
        let options = try decode(
            #"{"height":720,"mode":"keyframe","enhance":{"denoise":{"strength":2},"stabilize":{"smoothing":0},"#
                + #""upscale":{"height":1081}}}"#)
        #expect(
            Set(options.validate().map(\.field)) == [
                "output.enhance.denoise.strength", "output.enhance.stabilize.smoothing",
                "output.enhance.upscale.height", "output.enhance.upscale", "output.mode",
            ])
        let gif = try decode(#"{"format":"gif","enhance":{"audioDenoise":true}}"#)
        #expect(gif.validate().map(\.field) == ["output.enhance"])
        #expect(throws: DecodingError.self) { try decode(#"{"enhance":{"denoise":"strong"}}"#) }
    }
}

@Suite struct WordCorrectionTests {
    @Test func theWordSpokenAtATimeIsReplacedAndATimeFarFromAnyWordChangesNothing() {
        let transcript = Transcript(
            language: "en", model: "test", duration: 10, segments: [],
            words: [
                .init(start: 1, end: 1.4, text: "hello"), .init(start: 1.5, end: 2, text: "swiftly,"),
                .init(start: 5, end: 5.5, text: "world"),
            ])
        let fixed = transcript.corrected([
            .init(time: 1.7, text: "Swift,"), .init(time: 5.8, text: "World!"), .init(time: 8, text: "lost"),
        ])
        #expect(fixed.words.map(\.text) == ["hello", "Swift,", "World!"])
        #expect(fixed.words.map(\.start) == transcript.words.map(\.start))
    }
    /// Fillers go with up to `padding` of the silence around them, never into a word beside them,
    /// whatever their case or punctuation; the words around them are kept whole.
    @Test func fillerWordsAreCutWithoutClippingTheirNeighbours() throws {
        let words: [Transcript.Word] = [
            .init(start: 0, end: 0.3, text: "So"), .init(start: 0.5, end: 0.8, text: "um,"),
            .init(start: 1.0, end: 1.1, text: "I"), .init(start: 1.1, end: 1.5, text: "think"),
            .init(start: 1.6, end: 1.7, text: "uh"), .init(start: 1.7, end: 1.9, text: "we"),
            .init(start: 3.0, end: 3.3, text: "Um."),
        ]
        let kept = FillerRemoval(words: ["um", "uh"], padding: 0.05).cut([TimeRange(start: 0, end: 4)], words: words)
        let expected = [(0, 0.45), (0.85, 1.55), (1.7, 2.95), (3.35, 4)]
        #expect(kept.count == expected.count, "\(kept)")
        for (range, (start, end)) in zip(kept, expected) {
            #expect(abs(range.start - start) < 1e-9 && abs(range.end - end) < 1e-9, "\(kept)")
        }
        for word in words where !["um,", "uh", "Um."].contains(word.text) {
            #expect(kept.contains { $0.start <= word.start && word.end <= $0.end }, "\(word.text) is whole")
        }
        // Joined ranges keep their edges; a filler across a join is cut from both.
        let joined = FillerRemoval(words: ["um"], padding: 0).cut(
            [TimeRange(start: 0, end: 0.6), TimeRange(start: 0.7, end: 2)], words: words)
        #expect(joined.map(\.start) == [0, 0.8] && joined.map(\.end) == [0.5, 2])

        let request = try JSONDecoder().decode(
            JobRequest.self,
            from: Data(#"{"source":{"uploadId":"u"},"clips":[{"start":0,"end":1}],"output":{"removeFillers":{}}}"#.utf8)
        )
        #expect(request.resolvedOutput.removeFillers?.words == FillerRemoval.defaultWords)
        #expect(request.needsTranscript)
        let bad = FillerRemoval(words: [], padding: 2).validate().map(\.field)
        #expect(bad == ["output.removeFillers.words", "output.removeFillers.padding"])
    }
}
