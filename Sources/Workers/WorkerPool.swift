import BlobStorage
import ClipGenCore
import Coordination
import CoreMetrics
import Logging
import MediaEngine
import Outbound
import Persistence
import ServiceLifecycle

/// Claims tasks from the store and runs them, `concurrency` at a time. On graceful shutdown it
/// stops claiming, lets running tasks finish within the grace period, then stops their FFmpeg
/// children and hands the tasks back to the queue, so nothing is lost.
public struct WorkerPool<Store: JobRepository & TaskQueue & QuotaLedger & WorkerRegistry, Blobs: BlobStore>: Service {
    public let pipeline: TaskPipeline<Store, Blobs>
    /// Plans every change the pool's results make to a job (what follows a task, retries).
    public let transitions: JobTransitions
    /// Wakes idle slots when work is queued (by this process, or by any with PostgreSQL).
    public let signal: any WorkSignal
    public let settings: WorkerSettings
    public let logger: Logger
    public let metrics: WorkerMetrics
    let occupancy: SlotOccupancy
    let peers = PeerPresence()
    /// Set with synchronous replication: what a task made must reach the second region first;
    /// with asynchronous replication and the second region's store known, only watched for lag.
    public var replication: ReplicationGate?
    let lagWatch = ReplicationLagWatch()

    public init(
        pipeline: TaskPipeline<Store, Blobs>, workflow: JobWorkflow, signal: any WorkSignal, settings: WorkerSettings,
        logger: Logger,
        metrics: WorkerMetrics = WorkerMetrics(factory: NOOPMetricsHandler.instance)
    ) {
        self.pipeline = pipeline
        self.transitions = JobTransitions(workflow: workflow)
        self.signal = signal
        self.settings = settings
        self.metrics = metrics
        self.occupancy = SlotOccupancy(
            metrics: metrics, slots: settings.concurrency, capabilities: settings.capabilities)
        metrics.encoderInUse(pipeline.encoder.rawValue, worker: settings.workerID)
        var logger = logger
        logger[metadataKey: "worker.id"] = "\(settings.workerID)"
        self.logger = logger
    }

    var store: Store { pipeline.store }

    public func run() async throws {
        sweepScratch()
        let shutdown = ShutdownSignal()
        logger.info(
            "worker pool started",
            metadata: [
                "worker.concurrency": "\(settings.concurrency)",
                "worker.capabilities": "\(settings.capabilities.map(\.rawValue).joined(separator: ","))",
            ])
        // Before the first claim: a worker that has not yet seen the other regions alive would
        // take their work.
        await announceOnce()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<settings.concurrency {
                    group.addTask { await slot(shutdown) }
                }
                group.addTask { await sweepSources(shutdown) }
                group.addTask { await announce(shutdown) }
                if let replication, !replication.waits {
                    group.addTask { await watchReplication(replication, shutdown) }
                }
            }
        } onGracefulShutdown: {
            shutdown.begin()
        }
        do {
            try await store.workerGone(settings.workerID)
        } catch {
            logger.warning("could not leave the worker registry", metadata: ["error": "\(error)"])
        }
        await pipeline.sources.removeAll()
        logger.info("worker pool stopped")
    }

    private func slot(_ shutdown: ShutdownSignal) async {
        while !shutdown.isStopping && !Task.isCancelled {
            do {
                guard
                    let claimed = try await store.claimTask(
                        worker: settings.workerID, capabilities: settings.capabilities,
                        fallbackAfter: peers.betterSuitedAlive ? settings.fallbackWait : 0,
                        excludingRegions: peers.otherRegionsAlive, leaseSeconds: settings.lease)
                else {
                    await signal.wait(timeout: settings.poll)
                    continue
                }
                occupancy.began(claimed.task.capability)
                await execute(claimed, shutdown)
                occupancy.ended(claimed.task.capability)
                sweepScratch()
            } catch {
                logger.error("claiming work failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: settings.poll)
            }
        }
    }

    private enum Ending: Sendable {
        case finished(Result<TaskOutcome, any Error>)
        case leaseLost
        case jobCancelled
        case shutdownDeadline
    }

    /// Runs one task beside its heartbeat and the shutdown deadline; whichever ends first decides.
    func execute(_ claimed: ClaimedTask, _ shutdown: ShutdownSignal) async {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(claimed.job.id)"
        logger[metadataKey: "task.id"] = "\(claimed.task.id)"
        logger[metadataKey: "task.kind"] = "\(claimed.task.kind.rawValue)"
        logger[metadataKey: "organization.id"] = "\(claimed.job.organizationId)"
        logger.info("task started", metadata: ["task.attempt": "\(claimed.task.attempts)"])
        let started = ContinuousClock.now
        let (progressStream, progressContinuation) = AsyncStream.makeStream(
            of: (JobStage, Double).self, bufferingPolicy: .bufferingNewest(1))

        let taskLogger = logger
        let ending: Ending = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                defer { progressContinuation.finish() }
                do {
                    let outcome = try await pipeline.run(claimed) { stage, fraction in
                        progressContinuation.yield((stage, fraction))
                    }
                    try await replicate(outcome, logger: taskLogger)
                    return .finished(.success(outcome))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask {
                // Only the newest value is buffered, so a slow store sees fewer, never stale, updates.
                for await (stage, fraction) in progressStream {
                    try? await store.reportProgress(
                        taskId: claimed.task.id, stage: stage, fraction: fraction, transitions: transitions)
                }
                return nil
            }
            group.addTask { await heartbeat(claimed.task.id) }
            group.addTask {
                await shutdown.waitForDeadline(after: settings.shutdownGrace)
                return Task.isCancelled ? nil : .shutdownDeadline
            }
            var ending: Ending = .leaseLost
            while let next = await group.next() {
                if let next {
                    ending = next
                    break
                }
            }
            group.cancelAll()
            return ending
        }
        await settle(ending, claimed, logger: logger, elapsed: ContinuousClock.now - started)
    }

    /// With a replication gate: waits until the outcome's files are readable in the second region.
    private func replicate(_ outcome: TaskOutcome, logger: Logger) async throws {
        guard let replication else { return }
        var files: [(key: BlobKey, size: Int64)] = []
        for key in outcome.clips.flatMap(\.blobKeys) + [outcome.storyboard?.blobKey].compactMap({ $0 }) {
            guard let size = try await pipeline.blobs.size(of: key) else { continue }
            files.append((key, size))
        }
        guard !files.isEmpty else { return }
        let started = ContinuousClock.now
        guard replication.waits else {
            lagWatch.add(files, at: started)
            return
        }
        let peers = peers
        // Without regions there is no liveness to go by: the second store is waited for.
        let regional = settings.region != nil
        let result = try await replication.confirm(files) { !regional || !peers.otherRegionsAlive.isEmpty }
        metrics.replicated(result == .replicated, after: ContinuousClock.now - started)
        if result == .unconfirmed {
            logger.warning(
                "the second region has no live worker: this task's files are kept here unreplicated",
                metadata: ["task.files": "\(files.count)"])
        }
    }

    private func heartbeat(_ taskId: TaskID) async -> Ending? {
        while true {
            do {
                try await Task.sleep(for: settings.heartbeat)
            } catch {
                return nil
            }
            switch try? await store.heartbeat(taskId: taskId, worker: settings.workerID, leaseSeconds: settings.lease) {
            case .lost: return .leaseLost
            case .cancelled: return .jobCancelled
            case .held, nil: continue
            }
        }
    }

    private func settle(_ ending: Ending, _ claimed: ClaimedTask, logger: Logger, elapsed: Duration) async {
        let taskId = claimed.task.id
        let worker = settings.workerID
        let ms = "\(elapsed.milliseconds)"
        switch ending {
        case .finished(.success(let outcome)):
            do {
                let result = try await store.completeTask(
                    taskId: taskId, worker: worker, outcome: outcome, transitions: transitions)
                if result == .discarded {
                    logger.notice("task finished after its lease was lost or its job ended; output discarded")
                    await removeOutputs(outcome)
                } else {
                    logger.info(
                        result == .jobSucceeded ? "task finished; job succeeded" : "task finished",
                        metadata: ["task.ms": "\(ms)"])
                    record(claimed, outcome: outcome, elapsed: elapsed)
                    if result == .jobSucceeded { metrics.jobEnded(.succeeded) }
                    // The job goes on: the tasks that follow this one may be queued now.
                    if result == .applied { await signal.notify() }
                }
            } catch {
                logger.error("recording a finished task failed", metadata: ["error": "\(error)"])
                await removeOutputs(outcome)
            }
        case .finished(.failure(let error)):
            let (jobError, retryable) = Self.classify(error)
            if jobError.code == .internalError {
                // The client sees a generic message; the cause (SQL, paths) stays in this log.
                logger.error("task failed unexpectedly", metadata: ["error.cause": "\(String(reflecting: error))"])
            }
            let disposition = try? await store.failTask(
                taskId: taskId, worker: worker, error: jobError, retryable: retryable,
                transitions: transitions)
            metrics.failed(jobError.code)
            if disposition == .jobFailed { metrics.jobEnded(.failed) }
            logger.warning(
                "task failed",
                metadata: [
                    "error.code": "\(jobError.code)", "error": "\(jobError.message)",
                    "task.disposition": "\(disposition.map { "\($0)" } ?? "unrecorded")",
                ])
        case .leaseLost:
            logger.warning("lease lost; another worker owns the task now")
        case .jobCancelled:
            logger.info("job cancelled; task stopped")
        case .shutdownDeadline:
            try? await store.releaseTask(taskId: taskId, worker: worker)
            await signal.notify()
            logger.notice("shutting down; task handed back to the queue")
        }
    }

    private func record(_ claimed: ClaimedTask, outcome: TaskOutcome, elapsed: Duration) {
        // Renders cover their clips; probe the source it found, analyze and transcribe the source
        // they read (a split one counts once, when joined).
        let media =
            switch claimed.task.kind {
            case .render: outcome.clips.reduce(0) { $0 + $1.duration }
            case .probe: outcome.media?.duration ?? 0
            case .analyze: outcome.analysis == nil ? 0 : claimed.job.source?.duration ?? 0
            case .transcribe: outcome.segments > 0 ? 0 : claimed.job.source?.duration ?? 0
            default: 0.0
            }
        metrics.finished(claimed.task.kind, after: elapsed, mediaSeconds: media)
        for clip in outcome.clips { metrics.rendered(clip) }
    }

    /// Copies of uploads and clips deleted meanwhile (by any process) go within an interval.
    private func sweepSources(_ shutdown: ShutdownSignal) async {
        while !shutdown.isStopping, !Task.isCancelled {
            await shutdown.wait(upTo: settings.sourceSweep)
            let removed = await pipeline.sources.sweep()
            if removed > 0 { logger.debug("cached copies removed", metadata: ["cache.removed": "\(removed)"]) }
        }
    }

    /// Asynchronous replication: looks for the finished tasks' files in the second region every
    /// second, for `replication_lag_seconds{kind="blobs"}`.
    private func watchReplication(_ replication: ReplicationGate, _ shutdown: ShutdownSignal) async {
        while !shutdown.isStopping, !Task.isCancelled {
            await shutdown.wait(upTo: .seconds(1))
            metrics.blobLag(
                await lagWatch.check(replica: replication.replica, own: pipeline.blobs, now: ContinuousClock.now))
        }
    }

    /// Registers this worker and renews its entry every heartbeat; notes whether any live worker
    /// (seen within a lease) has a capability this one lacks, and which other regions have a
    /// worker seen within the takeover time.
    private func announce(_ shutdown: ShutdownSignal) async {
        while !shutdown.isStopping, !Task.isCancelled {
            await shutdown.wait(upTo: settings.heartbeat)
            guard !shutdown.isStopping else { return }
            await announceOnce()
        }
    }

    private func announceOnce() async {
        do {
            try await store.workerSeen(
                settings.workerID, capabilities: settings.capabilities, region: settings.region)
            if let region = settings.region {
                let regions = Set(
                    try await store.liveWorkers(seenWithin: settings.regionTakeover).compactMap(\.region)
                ).subtracting([region]).sorted()
                if peers.update(otherRegionsAlive: regions) {
                    logger.notice(
                        "the regions with a live worker changed: their work is left to them",
                        metadata: ["worker.otherRegions": "\(regions)"])
                }
            }
            let others = try await store.liveWorkers(seenWithin: settings.lease).filter {
                $0.id != settings.workerID
            }
            let alive = others.contains { !Set($0.capabilities).isSubset(of: settings.capabilities) }
            if peers.update(betterSuitedAlive: alive) {
                logger.info(
                    alive
                        ? "a better-suited worker is alive: its work waits for it first"
                        : "no better-suited worker is alive",
                    metadata: ["worker.fallbackWait": "\(settings.fallbackWait)"])
            }
        } catch {
            logger.warning("could not renew this worker's registration", metadata: ["error": "\(error)"])
        }
    }

    private func sweepScratch() {
        if let free = pipeline.sweepScratch() { metrics.scratchFree(free) }
    }

    private func removeOutputs(_ outcome: TaskOutcome) async {
        let keys =
            outcome.clips.flatMap(\.blobKeys)
            + [outcome.storyboard?.blobKey].compactMap { $0 }
        for key in keys { try? await pipeline.blobs.delete(key) }
    }

    /// The job error a client sees, and whether another attempt could succeed. Anything that is
    /// not a media or job error may describe internals, so the client gets a generic message.
    static func classify(_ error: any Error) -> (JobError, Bool) {
        switch error {
        case let error as JobError: (error, false)
        case let error as MediaError: (error.jobError, error.isRetryable)
        case let error as OutboundError:
            // A refusal stays a refusal; a server that did not answer may next time.
            switch error {
            case .timedOut, .connectionFailed: (JobError(code: .importFailed, message: error.description), true)
            default: (JobError(code: .importFailed, message: error.description), false)
            }
        default: (JobError.internalFailure, true)
        }
    }
}
