import ClipGenCore
import Foundation
import Persistence
import ServiceLifecycle
import Synchronization

/// A `JobStore` held in memory: every write is one critical section, which is what the SQL
/// backends get from a transaction. It runs the same conformance suite as SQLite, which proves
/// the protocols are not shaped like SQL; it is also a quick backend for tests of the layers above.
public final class MemoryJobStore: JobStoreBackend {
    let state = Mutex(State())
    let clock: WallClock

    public init(clock: WallClock = .system) {
        self.clock = clock
    }

    /// Nothing to migrate.
    public func prepare() async throws {}

    /// Nothing to connect to; lives until graceful shutdown like any backend.
    public func run() async throws {
        try? await gracefulShutdown()
    }

    struct QueuedTask {
        var record: TaskRecord
        var status = TaskState.Status.queued
        var availableAt: Double
        var createdAt: Double
        var order: Int
        /// Its organisation's home region when it was queued.
        var region: String?
        var leaseOwner: String?
        var leaseExpiresAt: Double?
        var progress = 0.0
        /// When the latest attempt began, and when the task was done: the processing time reports read.
        var startedAt: Double?
        var finishedAt: Double?
    }

    struct State {
        var organizations: [OrganizationID: Organization] = [:]
        var users: [UserID: User] = [:]
        var apiKeys: [APIKeyID: APIKey] = [:]
        var uploads: [UploadID: Upload] = [:]
        var jobs: [JobID: Job] = [:]
        var batches: [BatchID: Batch] = [:]
        var batchKeys: [String: (batch: BatchID, fingerprint: String)] = [:]
        var idempotencyKeys: [String: (job: JobID, fingerprint: String, createdAt: Double)] = [:]
        var tasks: [TaskID: QueuedTask] = [:]
        var clips: [ClipID: Clip] = [:]
        var analyses: [JobID: Analysis] = [:]
        var events: [(event: JobEvent, deliveredAt: Double?)] = []
        var webhookSecrets: [OrganizationID: String] = [:]
        var audit: [AuditEvent] = []
        var quotas: [OrganizationID: OrganizationQuotas] = [:]
        var reservations: [String: StorageReservation] = [:]
        var deliveries: [(delivery: WebhookDelivery, nextAttemptAt: Double)] = []
        var workers: [String: WorkerPresence] = [:]
        var retention: [OrganizationID: RetentionSettings] = [:]
        var leases: [String: (holder: String, expiresAt: Double)] = [:]
        var counter = 0

        /// Deletes the job and what hangs off it, as the SQL stores' cascades do; answers the files it named.
        mutating func removeJob(_ job: Job) -> [BlobKey] {
            let id = job.id
            let keys =
                clips.values.filter { $0.jobId == id }.flatMap(\.blobKeys) + [job.storyboard?.blobKey].compactMap { $0 }
            jobs[id] = nil
            tasks = tasks.filter { $0.value.record.jobId != id }
            clips = clips.filter { $0.value.jobId != id }
            analyses[id] = nil
            idempotencyKeys = idempotencyKeys.filter { $0.value.job != id }
            deliveries.removeAll { $0.delivery.jobId == id }
            return keys
        }

        mutating func next() -> Int {
            counter += 1
            return counter
        }

        /// Queues a task of a job already stored, with its organisation's home region.
        mutating func queue(_ task: TaskRecord, now: Double) {
            let region = jobs[task.jobId].flatMap { organizations[$0.organizationId]?.homeRegion }
            tasks[task.id] = QueuedTask(record: task, availableAt: now, createdAt: now, order: next(), region: region)
        }
    }

    var now: Double { clock.now().timeIntervalSince1970 }

    public func isReachable() async -> Bool { true }
}

// MARK: accounts
extension MemoryJobStore {
    public func userCount() async throws -> Int { state.withLock { $0.users.count } }

    public func createFirstAdmin(_ admin: User, in organization: Organization) async throws -> Bool {
        state.withLock { state in
            guard state.users.isEmpty else { return false }
            state.organizations[organization.id] = organization
            state.users[admin.id] = admin
            return true
        }
    }

    public func createOrganization(_ organization: Organization) async throws {
        state.withLock { $0.organizations[organization.id] = organization }
    }

    public func createOrganization(_ organization: Organization, admin: User) async throws {
        try state.withLock { state in
            guard state.users[admin.id] == nil else { throw StoreError.conflict("a user with this id exists") }
            state.organizations[organization.id] = organization
            state.users[admin.id] = admin
        }
    }

    public func createUser(_ user: User) async throws {
        try state.withLock { state in
            guard
                !state.users.values.contains(where: {
                    $0.organizationId == user.organizationId && $0.email.lowercased() == user.email.lowercased()
                })
            else {
                throw StoreError.conflict("your organisation already has a user with this email")
            }
            state.users[user.id] = user
        }
    }

    @discardableResult
    public func updateUser(_ user: User) async throws -> Bool {
        state.withLock { state in
            guard var stored = state.users[user.id] else { return false }
            stored.role = user.role
            stored.passwordHash = user.passwordHash
            stored.disabled = user.disabled
            stored.tokenVersion = user.tokenVersion
            state.users[user.id] = stored
            return true
        }
    }

    public func user(id: UserID) async throws -> User? { state.withLock { $0.users[id] } }

    public func createAPIKey(_ key: APIKey) async throws { state.withLock { $0.apiKeys[key.id] = key } }

    public func apiKey(id: APIKeyID) async throws -> APIKey? { state.withLock { $0.apiKeys[id] } }

    public func apiKeys(organizationId: OrganizationID, userId: UserID?) async throws -> [APIKey] {
        state.withLock { state in
            state.apiKeys.values.filter {
                $0.organizationId == organizationId && (userId == nil || $0.userId == userId)
            }
            .sorted { $0.createdAt > $1.createdAt }
        }
    }

    public func revokeAPIKey(id: APIKeyID, organizationId: OrganizationID, at: Date) async throws -> Bool {
        state.withLock { state in
            guard var key = state.apiKeys[id], key.organizationId == organizationId else { return false }
            key.revokedAt = key.revokedAt ?? at
            state.apiKeys[id] = key
            return true
        }
    }

    public func touchAPIKey(id: APIKeyID, at: Date) async throws { state.withLock { $0.apiKeys[id]?.lastUsedAt = at } }

    public func users(email: String) async throws -> [User] {
        state.withLock {
            $0.users.values.filter { $0.email.lowercased() == email.lowercased() }.sorted {
                $0.createdAt < $1.createdAt
            }
        }
    }

    public func passwordHashCosts() async throws -> [Int: Int] {
        state.withLock { state in
            state.users.values.compactMap { bcryptCost(of: $0.passwordHash) }.reduce(into: [:]) {
                $0[$1, default: 0] += 1
            }
        }
    }

    public func users(organizationId: OrganizationID) async throws -> [User] {
        state.withLock {
            $0.users.values.filter { $0.organizationId == organizationId }.sorted { $0.createdAt < $1.createdAt }
        }
    }
}

// MARK: uploads, jobs, clips
extension MemoryJobStore {
    public func createUpload(_ upload: Upload) async throws -> Upload {
        state.withLock { state in
            var upload = upload
            if let existing = state.uploads.values.first(where: {
                $0.organizationId == upload.organizationId && $0.sha256 == upload.sha256 && $0.size == upload.size
            }) {
                upload.blobKey = existing.blobKey
            }
            state.uploads[upload.id] = upload
            state.reservations[StorageReservation.uploadID(upload.id)] = nil
            return upload
        }
    }

    public func upload(id: UploadID, organizationId: OrganizationID) async throws -> Upload? {
        state.withLock { $0.uploads[id] }.flatMap { $0.organizationId == organizationId ? $0 : nil }
    }

    public func uploads(organizationId: OrganizationID, page: PageRequest) async throws -> Page<Upload> {
        try Self.page(
            state.withLock { Array($0.uploads.values) }.filter { $0.organizationId == organizationId },
            page: page, createdAt: \.createdAt, id: \.id)
    }

    public func deleteUpload(id: UploadID, organizationId: OrganizationID) async throws -> UploadDeletion? {
        state.withLock { state in
            guard let upload = state.uploads[id], upload.organizationId == organizationId else { return nil }
            state.uploads[id] = nil
            return UploadDeletion(
                blobKey: upload.blobKey,
                blobUnreferenced: !state.uploads.values.contains { $0.blobKey == upload.blobKey })
        }
    }

    public func createJob(_ job: Job, firstTask: TaskRecord, idempotencyKey: IdempotencyKey?) async throws
        -> JobCreation
    {
        let now = self.now
        return try state.withLock { state in
            let key = idempotencyKey.map { "\(job.organizationId)|\(job.ownerId)|\($0.key)" }
            if let key, let idempotencyKey, let entry = state.idempotencyKeys[key],
                entry.createdAt > now - idempotencyKey.lifetime,
                let earlier = state.jobs[entry.job]
            {
                guard entry.fingerprint.isEmpty || entry.fingerprint == idempotencyKey.fingerprint else {
                    throw StoreError.idempotencyKeyReused
                }
                return JobCreation(job: Self.summary(earlier), created: false)
            }
            state.jobs[job.id] = job
            state.queue(firstTask, now: now)
            if let key, let idempotencyKey { state.idempotencyKeys[key] = (job.id, idempotencyKey.fingerprint, now) }
            Self.apply(JobTransitions.created(job, at: Date(timeIntervalSince1970: now)), to: job.id, &state, now: now)
            return JobCreation(job: Self.summary(job), created: true)
        }
    }

    public func job(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        state.withLock { $0.jobs[id] }.flatMap { $0.organizationId == organizationId ? Self.summary($0) : nil }
    }

    public func jobMedia(id: JobID, organizationId: OrganizationID) async throws -> MediaInfo? {
        state.withLock { state in state.jobs[id].flatMap { $0.organizationId == organizationId ? $0.media : nil } }
    }

    public func jobStatus(id: JobID, organizationId: OrganizationID) async throws -> JobStatus? {
        state.withLock { $0.jobs[id] }.flatMap { $0.organizationId == organizationId ? $0.status : nil }
    }

    public func jobs(organizationId: OrganizationID, status: JobStatus?, page: PageRequest) async throws -> Page<Job> {
        let jobs = state.withLock { Array($0.jobs.values) }
            .filter { $0.organizationId == organizationId && (status == nil || $0.status == status) }.map(Self.summary)
        return try Self.page(jobs, page: page, createdAt: \.createdAt, id: \.id)
    }

    public func cancelJob(id: JobID, organizationId: OrganizationID) async throws -> Job? {
        try await changeJob(.job(id, organizationId: organizationId)) { snapshot in
            let change = JobTransitions.cancelled(snapshot)
            return (change, change.job ?? snapshot.job)
        }
    }

    public func deleteJob(id: JobID, organizationId: OrganizationID) async throws -> [BlobKey]? {
        state.withLock { state in
            guard let job = state.jobs[id], job.organizationId == organizationId else { return nil }
            return state.removeJob(job)
        }
    }

    public func clips(jobId: JobID) async throws -> [Clip] {
        state.withLock { $0.clips.values.filter { $0.jobId == jobId }.sorted { $0.index < $1.index } }
    }

    public func clips(jobIds: [JobID]) async throws -> [JobID: [Clip]] {
        let wanted = Set(jobIds)
        let clips = state.withLock { $0.clips.values.filter { wanted.contains($0.jobId) } }
        return Dictionary(grouping: clips.sorted { $0.index < $1.index }, by: \.jobId)
    }

    public func clip(id: ClipID, organizationId: OrganizationID) async throws -> Clip? {
        state.withLock { $0.clips[id] }.flatMap { $0.organizationId == organizationId ? $0 : nil }
    }

    public func analysis(jobId: JobID, organizationId: OrganizationID) async throws -> Analysis? {
        state.withLock { state in state.jobs[jobId]?.organizationId == organizationId ? state.analyses[jobId] : nil }
    }

    /// What a read that only shows the job returns: no keyframe index, as the SQL stores do.
    static func summary(_ job: Job) -> Job {
        var job = job
        job.media = nil
        return job
    }

    /// Newest first by creation time, then id; the cursor is shared with the SQL stores.
    static func page<Item: Sendable, Entity>(
        _ items: [Item], page: PageRequest, createdAt: KeyPath<Item, Date>, id: KeyPath<Item, ID<Entity>>
    ) throws -> Page<Item> {
        var sorted = items.sorted {
            let (a, b) = ($0[keyPath: createdAt].timeIntervalSince1970, $1[keyPath: createdAt].timeIntervalSince1970)
            return a != b ? a > b : $0[keyPath: id] > $1[keyPath: id]
        }
        if let cursor = page.cursor {
            let (after, afterId) = try PageCursor.decode(cursor)
            sorted = sorted.filter {
                let t = $0[keyPath: createdAt].timeIntervalSince1970
                return t < after || (t == after && $0[keyPath: id].rawValue < afterId)
            }
        }
        let items = Array(sorted.prefix(page.limit))
        let next = sorted.count > page.limit ? items.last : nil
        return Page(
            items: items,
            nextCursor: next.map {
                PageCursor.encode(createdAt: $0[keyPath: createdAt].timeIntervalSince1970, id: $0[keyPath: id].rawValue)
            })
    }
}
