import Foundation
import Testing

@testable import ClipGenCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The edit a timeline export writes: whole frames at the source's rate, ranges after pause cuts,
/// markers and captions on the record timeline, and how each format spells them. Read back by
/// OpenTimelineIO in IntegrationTests' TimelineExportTests.
@Suite struct EditTimelineTests {
    @Test func ratesAreTheRatiosEditorsUse() {
        #expect(FrameRate(fps: 29.97002997) == FrameRate(numerator: 30000, denominator: 1001))
        #expect(FrameRate(fps: 23.976) == FrameRate(numerator: 24000, denominator: 1001))
        #expect(FrameRate(fps: 25) == FrameRate(numerator: 25, denominator: 1))
        #expect(FrameRate(fps: 12.5) == FrameRate(numerator: 12500, denominator: 1000))
        #expect(FrameRate(fps: nil) == FrameRate(numerator: 25, denominator: 1))
        let ntsc = FrameRate(numerator: 30000, denominator: 1001)
        #expect(ntsc.timecodeBase == 30 && ntsc.timecode(30 * 3600 + 30 * 61 + 7) == "01:01:01:07")
        #expect(ntsc.rationalSeconds(2) == "2002/30000s" && ntsc.rationalSeconds(0) == "0s")
    }

    static func clip(_ index: Int, _ start: Double, _ end: Double, kept: [TimeRange]? = nil, reason: String? = nil)
        -> Clip
    {
        var clip = Clip(
            jobId: .make(), organizationId: .make(), index: index,
            name: index == 0 ? "opening" : nil, start: start, end: end, actualStart: start, duration: end - start,
            format: .mp4, modeUsed: .exact, fallbackReason: nil, size: 1, sha256: "",
            blobKey: try! BlobKey("c/\(index)"),
            reason: reason, createdAt: Date())
        clip.keptRanges = kept
        clip.intro = 2
        return clip
    }

    /// Two clips at 25 fps, the first with a pause cut out of it: three segments back to back,
    /// the cut inside a kept range marked and the one in the removed pause not, captions moved
    /// with their clip, a brand intro left out.
    static var timeline: EditTimeline {
        let source = SourceInfo(duration: 60, width: 1280, height: 720, fps: 25, videoCodec: "h264", audioCodec: "aac")
        return EditTimeline(
            name: "job", source: source, sourceName: "talk & demo.mp4",
            clips: [
                clip(1, 20, 22, reason: "loudest stretch"),
                clip(0, 1, 4.4, kept: [TimeRange(start: 1, end: 2), TimeRange(start: 3, end: 4.4)]),
            ],
            cuts: [
                .init(time: 1.5, frame: 37, score: 3), .init(time: 2.5, frame: 62, score: 3),
                .init(time: 21, frame: 525, score: 3),
            ],
            captions: { clip in
                clip.index == 1
                    ? [CaptionTrack.Line(start: 0.2, end: 1.0, words: [.init(start: 0.2, end: 1, text: "<hi>")])] : []
            })
    }

    @Test func segmentsMarkersAndCaptionsAreFramesOnTheRecordTimeline() {
        let timeline = Self.timeline
        #expect(
            timeline.segments == [
                .init(name: "opening (1)", sourceStart: 25, frames: 25, recordStart: 0),
                .init(name: "opening (2)", sourceStart: 75, frames: 35, recordStart: 25),
                .init(name: "clip 2", sourceStart: 500, frames: 50, recordStart: 60),
            ])
        #expect(timeline.frames == 110 && timeline.source.frames == 1500)
        #expect(
            timeline.markers == [
                .init(frame: 0, frames: 1, name: "opening", kind: .clip),
                .init(frame: 13, frames: 1, name: "shot", kind: .shot),
                .init(frame: 60, frames: 1, name: "clip 2", kind: .clip),
                .init(frame: 60, frames: 50, name: "loudest stretch", kind: .highlight),
                .init(frame: 85, frames: 1, name: "shot", kind: .shot),
            ])
        #expect(timeline.captions == [.init(frame: 65, frames: 20, text: "<hi>")])
    }

    @Test func eachFormatSpellsTheSameFrames() throws {
        let timeline = Self.timeline
        let edl = TimelineFormat.edl.write(timeline)
        #expect(edl.contains("002 AX       V      C         00:00:03:00 00:00:04:10 00:00:01:00 00:00:02:10\n"))
        #expect(edl.contains("* FROM CLIP NAME: talk & demo.mp4\n"))
        // The shot at record frame 85 is source frame 525 of the third event: 00:00:21:00.
        #expect(edl.contains("* LOC: 00:00:21:00 BLUE shot\n"))

        let fcpxml = TimelineFormat.fcpxml.write(timeline)
        #expect(fcpxml.contains(#"<format id="r1" frameDuration="1/25s" width="1280" height="720"/>"#))
        #expect(fcpxml.contains(#"src="file:///talk%20&amp;%20demo.mp4""#))
        #expect(
            fcpxml.contains(
                #"<asset-clip ref="r2" name="clip 2" offset="60/25s" start="500/25s" duration="50/25s" format="r1">"#))
        #expect(fcpxml.contains(#"<caption lane="1" offset="505/25s" duration="20/25s""#))
        #expect(fcpxml.contains("<text>&lt;hi&gt;</text>"))
        _ = try XMLDocument(xmlString: fcpxml)

        let otio = try #require(
            try JSONSerialization.jsonObject(with: Data(TimelineFormat.otio.write(timeline).utf8)) as? [String: Any])
        let track = try #require(((otio["tracks"] as? [String: Any])?["children"] as? [[String: Any]])?.first)
        let ranges = (track["children"] as? [[String: Any]] ?? []).map { clip in
            let range = clip["source_range"] as? [String: Any]
            return [
                (range?["start_time"] as? [String: Any])?["value"] as? Double,
                (range?["duration"] as? [String: Any])?["value"] as? Double,
            ]
        }
        #expect(ranges == [[25, 25], [75, 35], [500, 50]])
    }
}
