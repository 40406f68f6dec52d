import ClipGenCore
import Foundation
import Persistence
import TestSupport
import Testing

/// The outbox half of every store: each state change writes its events in the same
/// transaction, in order, and each event is handed out once.
@Suite struct EventOutboxConformanceTests {
    @Test(arguments: StoreBackend.all)
    func aJobsEventsArriveInOrderAndOnce(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 1)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(
                try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                    == .applied)
            let rendering = try #require(
                try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            try await f.store.reportProgress(
                taskId: rendering.task.id, stage: .render, fraction: 0.5, transitions: StoreBackend.transitions)
            try await f.store.reportProgress(
                // goes nowhere: no event
                taskId: rendering.task.id, stage: .render, fraction: 0.4, transitions: StoreBackend.transitions)
            let made = try f.clip(of: job, index: 0)
            #expect(
                try await f.store.completeTask(
                    taskId: rendering.task.id, worker: "w", outcome: TaskOutcome(clips: [made]),
                    transitions: StoreBackend.transitions) == .jobSucceeded)

            let events = try await f.store.claimEvents(limit: 100)
            #expect(
                events.map(\.type) == [.status, .status, .progress, .progress, .clip, .status], "\(events.map(\.type))")
            #expect(events.map(\.status) == [.queued, .running, .running, .running, .running, .succeeded])
            #expect(events.allSatisfy { $0.jobId == job.id && $0.organizationId == f.organization.id })
            #expect(
                events.map(\.sequence) == events.map(\.sequence).sorted()
                    && Set(events.map(\.sequence)).count == events.count)
            #expect(events[3].stage == .render && abs(events[3].progress - (0.05 + 0.95 * 0.5)) < 1e-9)
            // The claim's event says when, to the clock's time, and where the job stood.
            #expect(abs(events[1].at.timeIntervalSince1970 - f.time.current.timeIntervalSince1970) < 0.001)
            #expect(
                events[1].stage == .probe && events[1].progress == 0 && events[1].clip == nil && events[1].error == nil)
            #expect(events[4].clip?.id == made.id)
            #expect(events.last?.progress == 1 && events.last?.stage == .done)
            #expect(events.filter(\.isTerminal).count == 1)
            #expect(try await f.store.claimEvents(limit: 100).isEmpty, "each event is handed out once")
        }
    }

    @Test(arguments: StoreBackend.all)
    func claimsComeInBatchesOldestFirst(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            for _ in 0..<5 { _ = try await f.job() }
            let first = try await f.store.claimEvents(limit: 2)
            let rest = try await f.store.claimEvents(limit: 10)
            #expect(first.count == 2 && rest.count == 3)
            #expect(first.last!.sequence < rest.first!.sequence)
            f.time.advance(by: 10)
            try await f.store.pruneEvents(deliveredBefore: f.time.current)
            #expect(try await f.store.claimEvents(limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreBackend.all)
    func failuresAndCancellationsAreEvents(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (failing, _, _) = try await f.job(maxAttempts: 2)
            let error = JobError(code: .renderFailed, message: "boom")
            for _ in 0..<2 {
                let claimed = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                _ = try await f.store.failTask(
                    taskId: claimed.task.id, worker: "w", error: error, retryable: true,
                    transitions: StoreBackend.transitions)
                f.time.advance(by: 10)
            }
            let (cancelled, _, _) = try await f.job()
            _ = try await f.store.cancelJob(id: cancelled.id, organizationId: f.organization.id)
            // already over: no second event
            _ = try await f.store.cancelJob(id: cancelled.id, organizationId: f.organization.id)

            let events = try await f.store.claimEvents(limit: 100)
            let ofFailing = events.filter { $0.jobId == failing.id }
            #expect(ofFailing.map(\.type) == [.status, .status, .error, .error, .status], "\(ofFailing.map(\.type))")
            #expect(
                ofFailing[2].status == .running && ofFailing[2].error == error,
                "a retried attempt is an error while the job runs")
            #expect(ofFailing.last?.status == .failed && ofFailing.last?.isTerminal == true)
            #expect(events.filter { $0.jobId == cancelled.id }.map(\.status) == [.queued, .cancelled])
        }
    }

    @Test(arguments: StoreBackend.all)
    func aTerminalStatusIsWrittenOnceWhenWorkersRace(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            for round in 0..<10 {
                let (job, _, _) = try await f.job(clips: 2)
                let probe = try #require(
                    try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
                _ = try await f.store.completeTask(
                    taskId: probe.task.id, worker: "w", outcome: TaskOutcome(), transitions: StoreBackend.transitions)
                let a = try #require(try await f.store.claimTask(worker: "a", capabilities: [.cpu], leaseSeconds: 30))
                let b = try #require(try await f.store.claimTask(worker: "b", capabilities: [.cpu], leaseSeconds: 30))
                // Both finish at once; on odd rounds one of them fails instead, racing the success.
                let store = f.store
                let clipA = try f.clip(of: job, index: a.task.clipIndex!)
                let clipB = try f.clip(of: job, index: b.task.clipIndex!)
                async let first = store.completeTask(
                    taskId: a.task.id, worker: "a", outcome: TaskOutcome(clips: [clipA]),
                    transitions: StoreBackend.transitions)
                async let second: Void =
                    round % 2 == 0
                    ? {
                        _ = try await store.completeTask(
                            taskId: b.task.id, worker: "b", outcome: TaskOutcome(clips: [clipB]),
                            transitions: StoreBackend.transitions)
                    }()
                    : {
                        _ = try await store.failTask(
                            taskId: b.task.id, worker: "b", error: JobError(code: .renderFailed, message: "x"),
                            retryable: false, transitions: StoreBackend.transitions)
                    }()
                _ = try await (first, second)
                let terminal = try await f.store.claimEvents(limit: 100).filter { $0.jobId == job.id && $0.isTerminal }
                #expect(terminal.count == 1, "round \(round): \(terminal.map(\.status))")
            }
        }
    }

    @Test(arguments: StoreBackend.all)
    func jobReadsLeaveTheKeyframeIndexBehindAndListClipsInOneRead(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let (job, _, _) = try await f.job(clips: 1)
            let probe = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            let media = MediaInfo(
                duration: 20, startTime: 0, formatName: "mov,mp4", video: nil, audio: [], keyframeTimes: [0, 2, 4])
            _ = try await f.store.completeTask(
                taskId: probe.task.id, worker: "w", outcome: TaskOutcome(media: media),
                transitions: StoreBackend.transitions)
            let shown = try #require(try await f.store.job(id: job.id, organizationId: f.organization.id))
            #expect(shown.source == media.sourceInfo && shown.media == nil)
            let claimed = try #require(try await f.store.claimTask(worker: "w", capabilities: [.cpu], leaseSeconds: 30))
            #expect(claimed.job.media?.keyframeTimes == [0, 2, 4], "workers get the whole job")
            _ = try await f.store.completeTask(
                taskId: claimed.task.id, worker: "w", outcome: TaskOutcome(clips: [try f.clip(of: job, index: 0)]),
                transitions: StoreBackend.transitions)
            let (other, _, _) = try await f.job()
            let byJob = try await f.store.clips(jobIds: [job.id, other.id, .make()])
            #expect(byJob[job.id]?.map(\.index) == [0] && byJob[other.id] == nil)
        }
    }
}
