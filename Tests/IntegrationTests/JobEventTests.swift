import ClipGenCore
import Foundation
import Synchronization
import TestSupport
import Testing

/// Job events through the real server: store outbox → relay → in-process bus, as a WebSocket or
/// a webhook sender will see them.
@Suite(.serialized) struct JobEventTests {
    @Test func aSubscriberSeesStatusProgressAndClipEventsInOrderAndOneTerminalEvent() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await ServerHarness.run(ServerHarness.configuration(dataDir: dir + "/data")) { client, server in
                let upload = try await client.upload(source)
                // Subscribed before the job exists, filtered to it once its id is known.
                let wanted = JobIdBox()
                let events = await server.events.subscribe { event in wanted.matches(event.jobId) }
                let id = try await client.createJob(
                    #"""
                    {"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact","height":180},\#
                    "clips":[{"start":1,"end":3},{"start":5,"end":6}]}
                    """#
                )
                wanted.set(id)
                let all = try #require(try await untilTerminal(events), "no terminal event within 10 minutes")
                #expect(all.first?.type == .status && all.first?.status == .queued)
                #expect(all.contains { $0.type == .status && $0.status == .running })
                #expect(all.contains { $0.type == .progress && $0.stage == .render })
                #expect(all.filter { $0.type == .clip }.compactMap(\.clip?.index).sorted() == [0, 1])
                #expect(all.last?.status == .succeeded && all.filter(\.isTerminal).count == 1)
                #expect(all.map(\.sequence) == all.map(\.sequence).sorted(), "in the order they happened")
                let progress = all.map(\.progress)
                #expect(progress == progress.sorted(), "progress never goes back: \(progress)")
                // The job the API shows agrees with the last event.
                let job = try await client.job(id)
                #expect(job.status == "succeeded" && job.clips.count == 2)
            }
        }
    }
}

/// The events of `stream` up to the first terminal one; nil when none comes within `timeout`.
func untilTerminal(_ stream: some AsyncSequence<JobEvent, Never> & Sendable, timeout: Duration = .seconds(600))
    async throws -> [JobEvent]?
{
    try await withThrowingTaskGroup(of: [JobEvent]?.self) { group in
        group.addTask {
            var seen: [JobEvent] = []
            for await event in stream {
                seen.append(event)
                if event.isTerminal { return seen }
            }
            return seen
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// The job id a subscription waits for, set after the subscription starts.
private final class JobIdBox: Sendable {
    private let id = Mutex<String?>(nil)
    func set(_ value: String) { id.withLock { $0 = value } }
    /// Until the id is known every event passes; the test ignores other jobs' (there are none).
    func matches(_ jobId: JobID) -> Bool { id.withLock { $0 == nil || $0 == jobId.rawValue } }
}
