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

/// A long source's transcription split into speech segment tasks, through the real store,
/// pipeline, FFmpeg and Whisper: stepped by hand as workers would take them, so one worker can
/// die holding a part.
@Suite(.serialized) struct SpeechSegmentsEndToEndTests {
    @Test func partsRunAsTasksAWorkerLostLosesOnlyItsOwnAndTheJoinIsTheJobsTranscript() async throws {
        let source = try await TestMedia.shared.path("speech.mp4")
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            configuration.media.helpersVenv = TestMedia.helpersVenv
            // speech.mp4 is 40 s of sentences: four parts of 10 s, two boundaries inside sentences.
            configuration.media.analysisSegmentSeconds = 10
            let (clock, time) = WallClock.manual(start: Date())
            try await ServerHarness.run(configuration, clock: clock) { client, server in
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(try await client.upload(source))"},"transcribe":true,\#
                    "clips":[{"start":1,"end":6}],"output":{"mode":"keyframe"},"thumbnails":false}
                    """#)
                let stepped = try await SteppedJob(client: client, server: server, id: id)

                _ = try await stepped.finish(try await stepped.claim())
                let split = try await stepped.claim()
                #expect(split.task.kind == .transcribe && split.task.clipIndex == nil)
                #expect(try await stepped.finish(split).segments == 4)
                #expect(try await stepped.job().stage == .transcribe)

                // A worker takes the first part and is lost; the others finish, each one showing.
                let lost = try await stepped.claim("lost", lease: 60)
                #expect(lost.task.kind == .speechSegment && lost.task.clipIndex == 0)
                var progress = try await stepped.job().progress
                for index in 1...3 {
                    let part = try await stepped.claim()
                    #expect(part.task.kind == .speechSegment && part.task.clipIndex == index)
                    _ = try await stepped.finish(part)
                    let now = try await stepped.job()
                    #expect(now.stage == .transcribe && now.progress > progress, "each finished part shows")
                    progress = now.progress
                }
                #expect(try await stepped.next() == nil)
                time.advance(by: 61)
                let again = try await stepped.claim()
                #expect(again.task.kind == .speechSegment && again.task.clipIndex == 0 && again.task.attempts == 2)
                _ = try await stepped.finish(again)

                // What the join reads is the stored parts: the last one is made to say one more word.
                let prefix = "jobs/\(id)/transcript-segments/"
                let keys = try await server.blobs.keys(startingWith: prefix)
                #expect(
                    keys.map { $0.rawValue.split(separator: "/").last! } == ["0.json", "1.json", "2.json", "3.json"])
                var parts: [Transcript] = []
                for key in keys {
                    parts.append(
                        try JSONDecoder().decode(Transcript.self, from: try await server.blobs.contents(of: key)))
                }
                parts[3].words.append(.init(start: 39, end: 39.5, text: "Goodbye."))
                try JSONEncoder().encode(parts[3]).write(to: URL(fileURLWithPath: dir + "/part.json"))
                _ = try await server.blobs.importFile(at: dir + "/part.json", as: keys[3])

                let join = try await stepped.claim()
                #expect(join.task.kind == .transcribe && join.task.clipIndex == 4)
                _ = try await stepped.finish(join)
                #expect(try await server.blobs.keys(startingWith: prefix).isEmpty, "the parts were working files")
                let media = try await Prober().probe(source)
                let segments = try #require(SpeechRecognizer.segments(of: media, length: 10))
                let expected = try SpeechRecognizer.merge(parts, segments: segments, media: media)
                let body = try await client.getJSON("/v1/jobs/\(id)/transcript")
                let words = try #require(body["words"] as? [[String: Any]])
                #expect(words.compactMap { $0["text"] as? String } == expected.words.map(\.text))
                #expect(expected.words.last?.text == "Goodbye." && expected.words.count > 40)

                // The clip follows as for any job.
                while try await stepped.step() != nil {}
                let done = try await client.waitForJob(id)
                #expect(done.status == "succeeded" && done.clips.count == 1, "\(done)")
            }
        }
    }
}
