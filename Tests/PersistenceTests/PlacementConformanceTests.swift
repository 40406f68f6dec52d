import ClipGenCore
import Foundation
import Persistence
import Testing

/// GPU-preferring work and the registry of live workers, on every store.
@Suite struct PlacementConformanceTests {
    /// A job whose first task is a render queued for `gpu` that a `cpu` worker may take after a wait.
    private func renderJob(_ f: Fixture) async throws -> TaskRecord {
        let render = TaskRecord(
            jobId: .make(), kind: .render, capability: .gpu, fallback: .cpu, clipIndex: 0, maxAttempts: 3)
        var request = JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)])
        request.thumbnails = false
        let gpuJob = Job(
            id: render.jobId, organizationId: f.organization.id, ownerId: f.user.id, request: request,
            createdAt: f.time.current)
        _ = try await f.store.createJob(gpuJob, firstTask: render, idempotencyKey: nil)
        return render
    }

    @Test(arguments: StoreBackend.all)
    func gpuWorkIsLeftToGPUWorkersUntilTheFallbackWaitHasPassed(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let render = try await renderJob(f)
            #expect(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: nil, leaseSeconds: 30)
                    == nil)
            #expect(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: 15, leaseSeconds: 30)
                    == nil)
            f.time.advance(by: 10)
            #expect(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: 15, leaseSeconds: 30)
                    == nil)
            f.time.advance(by: 6)
            let claimed = try #require(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: 15, leaseSeconds: 30))
            #expect(claimed.task.id == render.id && claimed.task.capability == .gpu && claimed.task.fallback == .cpu)
        }
    }

    @Test(arguments: StoreBackend.all)
    func aGPUWorkerTakesGPUWorkAtOnceAndACPUWorkerWithNoneAliveToo(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            let first = try await renderJob(f)
            #expect(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: nil, leaseSeconds: 30)
                    == nil)
            let byGPU = try #require(
                try await f.store.claimTask(
                    worker: "g", capabilities: [.cpu, .gpu], fallbackAfter: nil, leaseSeconds: 30))
            #expect(byGPU.task.id == first.id)
            let second = try await renderJob(f)
            let byCPU = try #require(
                try await f.store.claimTask(worker: "c", capabilities: [.cpu], fallbackAfter: 0, leaseSeconds: 30))
            #expect(byCPU.task.id == second.id)
        }
    }

    @Test(arguments: StoreBackend.all)
    func workersRegisterRenewAndLeave(backend: StoreBackend) async throws {
        try await Fixture.with(backend) { f in
            try await f.store.workerSeen("gpu-1", capabilities: [.cpu, .gpu])
            f.time.advance(by: 5)
            try await f.store.workerSeen("cpu-1", capabilities: [.cpu])
            var live = try await f.store.liveWorkers(seenWithin: 60)
            #expect(live.map(\.id) == ["gpu-1", "cpu-1"])
            #expect(live.first?.capabilities == [.cpu, .gpu])
            f.time.advance(by: 58)
            // gpu-1 was last seen 63 s ago: gone from the live list until it renews.
            #expect(try await f.store.liveWorkers(seenWithin: 60).map(\.id) == ["cpu-1"])
            try await f.store.workerSeen("gpu-1", capabilities: [.cpu, .gpu])
            live = try await f.store.liveWorkers(seenWithin: 60)
            #expect(live.map(\.id) == ["gpu-1", "cpu-1"])
            let gpu = try #require(live.first)
            #expect(gpu.seenAt - gpu.registeredAt >= 62.9)
            try await f.store.workerGone("gpu-1")
            #expect(try await f.store.liveWorkers(seenWithin: 600).map(\.id) == ["cpu-1"])
        }
    }
}
