import BlobStorage
import ClipGenCore
import Foundation
import MediaAnalysis
import MediaEngine
import Persistence
import PersistenceSQLite
import Server
import TestSupport
import Testing
import Workers

/// A long source's analysis split into segment tasks, through the real store, pipeline and
/// FFmpeg: stepped by hand as workers would take them, so one worker can die holding a segment.
@Suite(.serialized) struct AnalysisSegmentsEndToEndTests {
    @Test func segmentsRunAsTasksAWorkerLostLosesOnlyItsOwnAndTheMergeIsTheWholeAnalysis() async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            var configuration = ServerHarness.configuration(dataDir: data, workers: false)
            // analysis.mp4 is 30 s with a keyframe every 2 s: four segments of about 8 s.
            configuration.media.analysisSegmentSeconds = 8
            // The store's clock is the test's: a lost worker's lease runs out when the test says.
            let (clock, time) = WallClock.manual(start: Date())
            try await ServerHarness.run(configuration, clock: clock) { client, server in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},\#
                    "highlights":{"count":3,"minDuration":3,"maxDuration":8},"output":{"mode":"keyframe"},\#
                    "thumbnails":false}
                    """#)
                let stepped = try await SteppedJob(client: client, server: server, id: id)

                let probe = try await stepped.claim()
                #expect(probe.task.kind == .probe)
                _ = try await stepped.finish(probe)
                let plan = try await stepped.claim()
                #expect(plan.task.kind == .analyze && plan.task.clipIndex == nil)
                #expect(try await stepped.finish(plan).segments == 4)
                #expect(try await stepped.job().stage == .analyze)

                // A worker takes the first segment and is lost.
                let lost = try await stepped.claim("lost", lease: 60)
                #expect(lost.task.kind == .segment && lost.task.clipIndex == 0)
                var progress = try await stepped.job().progress
                for index in 1...3 {
                    let segment = try await stepped.claim()
                    #expect(segment.task.kind == .segment && segment.task.clipIndex == index)
                    #expect(segment.task.attempts == 1)
                    _ = try await stepped.finish(segment)
                    let now = try await stepped.job()
                    #expect(now.stage == .analyze && now.progress > progress, "each finished segment shows")
                    progress = now.progress
                }
                // Nothing else runs until the lost lease expires; then that segment alone runs again.
                #expect(try await stepped.next() == nil)
                time.advance(by: 61)
                let again = try await stepped.claim()
                #expect(again.task.kind == .segment && again.task.clipIndex == 0 && again.task.attempts == 2)
                _ = try await stepped.finish(again)

                // The stored segments are what the merge reads: the last one is made to say its
                // sound peaked at full scale, which the whole file never does.
                let keys = try await server.blobs.keys(startingWith: "jobs/\(id)/analysis-segments/")
                #expect(
                    keys.map(\.rawValue).map { $0.split(separator: "/").last! } == [
                        "0.json", "1.json", "2.json", "3.json",
                    ])
                let lastKey = try #require(keys.last)
                var last = try JSONDecoder().decode(
                    AnalysisSegment.self, from: try await server.blobs.contents(of: lastKey))
                last.truePeak = 1
                try JSONEncoder().encode(last).write(to: URL(fileURLWithPath: dir + "/segment.json"))
                _ = try await server.blobs.importFile(at: dir + "/segment.json", as: lastKey)

                let merge = try await stepped.claim()
                #expect(merge.task.kind == .analyze && merge.task.clipIndex == 4)
                let merged = try #require(try await stepped.finish(merge).analysis)
                let media = try await Prober().probe(source)
                let whole = try await MediaAnalyzer().analyze(
                    source, media: media, highlights: .init(count: 3, minDuration: 3, maxDuration: 8))
                #expect(merged.cuts == whole.cuts && merged.cuts.count == 7)
                #expect(merged.silences == whole.silences && merged.black == whole.black)
                #expect(merged.fades == whole.fades && merged.frozen == whole.frozen && merged.scenes == whole.scenes)
                #expect(merged.highlights == whole.highlights && merged.highlights.count == 3)
                let (a, b) = (try #require(merged.loudness), try #require(whole.loudness))
                #expect(abs((a.integratedLUFS ?? 0) - (b.integratedLUFS ?? 99)) <= 0.1 + 1e-9)
                #expect(a.truePeakDBTP == 0 && (b.truePeakDBTP ?? 0) < -1, "merged from the stored segments")
                #expect(
                    try await server.blobs.keys(startingWith: "jobs/\(id)/analysis-segments/").isEmpty,
                    "the segments were working files")

                // The highlights' clips follow as for any job.
                while try await stepped.step() != nil {}
                let done = try await client.waitForJob(id)
                #expect(done.status == "succeeded" && done.clips.count == 3, "\(done)")
            }
        }
    }

    @Test func theFirstSegmentsHighlightsAreOfferedOnTheJobsSocketWhileTheRestAreMeasured() async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.media.analysisSegmentSeconds = 8
            try await ServerHarness.run(configuration) { client, server in
                let port = try #require(client.raw.port)
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},\#
                    "highlights":{"count":2,"minDuration":3,"maxDuration":6},"output":{"mode":"keyframe"},\#
                    "thumbnails":false}
                    """#)
                let stepped = try await SteppedJob(client: client, server: server, id: id)
                let open = AsyncStream.makeStream(of: Void.self)
                let watched = Task {
                    try await EventStreamTests.collect(
                        "ws://localhost:\(port)/v1/jobs/\(id)/events?access_token=\(client.token)", limit: .seconds(600)
                    ) { open.continuation.yield() }
                }
                for await _ in open.stream { break }
                // Probe, split, then the segments in order: each of the first three extends the
                // measured start; the fourth completes it, and the merge follows.
                var offered: [Double] = []
                while let (kind, outcome) = try await stepped.step() {
                    if kind == .segment, let early = outcome.preliminaryHighlights {
                        offered.append(early.analysedSeconds)
                    }
                }
                #expect(
                    offered.count == 3 && offered == offered.sorted() && offered.allSatisfy { $0 < 30 }, "\(offered)")

                let messages = EventStreamTests.objects(try await watched.value)
                let early = messages.filter { $0["type"] as? String == "highlights" }
                #expect(early.compactMap { $0["analysedSeconds"] as? Double } == offered)
                for message in early {
                    let seconds = try #require(message["analysedSeconds"] as? Double)
                    let picked = try #require(message["highlights"] as? [[String: Any]])
                    #expect(
                        !picked.isEmpty && picked.allSatisfy { ($0["end"] as? Double ?? 99) <= seconds }, "\(message)")
                    #expect(message["stage"] as? String == "analyze")
                }
                #expect(
                    messages.last?["type"] as? String == "status" && messages.last?["status"] as? String == "succeeded")
                let done = try await client.waitForJob(id)
                #expect(done.status == "succeeded" && done.clips.count == 2, "\(done)")
            }
        }
    }

    @Test func aJobDeletedHalfWayThroughItsSegmentsLeavesNoSegmentBehindEvenOneStoredLate() async throws {
        let source = try await TestMedia.shared.path("analysis.mp4")
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.media.analysisSegmentSeconds = 8
            try await ServerHarness.run(configuration) { client, server in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"analyze":true,"thumbnails":false}
                    """#)
                let stepped = try await SteppedJob(client: client, server: server, id: id)
                #expect(try await stepped.step()?.kind == .probe)
                let split = try #require(try await stepped.step())
                #expect(split.kind == .analyze && split.outcome.segments == 4)
                #expect(try await stepped.step()?.kind == .segment)
                let prefix = "jobs/\(id)/analysis-segments/"
                #expect(try await server.blobs.keys(startingWith: prefix).count == 1)

                // A worker is measuring another segment when the job is deleted: it stores its part
                // after the deletion listed the job's files, and must not leave it behind.
                let late = try await stepped.claim()
                #expect(late.task.kind == .segment)
                try await client.delete("/v1/jobs/\(id)")
                #expect(try await server.blobs.keys(startingWith: prefix).isEmpty)
                _ = try await stepped.run(late)
                #expect(try await server.blobs.keys(startingWith: prefix).isEmpty, "the late part was removed")
                #expect(try await stepped.next() == nil)
            }
        }
    }
}
