import BlobStorage
import ClipGenCore
import Foundation
import HummingbirdTesting
import MetricsTestKit
import Persistence
import PersistenceSQLite
import TestSupport
import Testing

@testable import API

/// The lifecycle sweep on SQLite and local files with a manual clock: what expires goes, rows and
/// files; what is in use, shared, spared or another organisation's stays; one replica sweeps.
@Suite struct LifecycleSweeperTests {
    static let day: TimeInterval = 86400

    struct World {
        let store: SQLiteJobStore
        let blobs: LocalBlobStore
        let time: ManualTime
        let clock: WallClock
        let metrics = TestMetrics()
        let directory: String

        func sweeper(_ policy: RetentionPolicy = RetentionPolicy(), holder: String = "a", batch: Int = 2)
            -> LifecycleSweeper<SQLiteJobStore, LocalBlobStore>
        {
            var sweeper = LifecycleSweeper(
                store: store, blobs: blobs, policy: policy, quotas: QuotaDefaults(maxUploadBytes: 1 << 30),
                clock: clock,
                metrics: APIMetrics(factory: metrics),
                logger: APIHarness.logger)
            sweeper.holder = holder
            sweeper.batch = batch
            return sweeper
        }

        func file(_ key: String, _ text: String = "bytes") async throws -> BlobKey {
            let path = directory + "/" + UUID().uuidString
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return try await blobs.importFile(at: path, as: BlobKey(key)).key
        }

        func upload(_ organization: OrganizationID, owner: UserID, sha: String) async throws -> Upload {
            let id = UploadID.make()
            let key = try await file("uploads/\(id)", sha)
            let upload = try await store.createUpload(
                Upload(
                    id: id, organizationId: organization, ownerId: owner, filename: "a.mp4", size: 5, sha256: sha,
                    blobKey: key, createdAt: time.current))
            if upload.blobKey != key { try await blobs.delete(key) }
            return upload
        }

        func exists(_ key: BlobKey) async throws -> Bool { try await blobs.size(of: key) != nil }
    }

    static func with(_ body: (World) async throws -> Void) async throws {
        try await withTemporaryDirectory { dir in
            let (clock, time) = WallClock.manual(start: Date(timeIntervalSince1970: 1_800_000_000))
            let world = World(
                store: SQLiteJobStore(path: dir + "/db.sqlite", clock: clock),
                blobs: LocalBlobStore(root: dir + "/blobs"),
                time: time, clock: clock, directory: dir)
            try world.store.prepare()
            try await body(world)
        }
    }

    static func organization(_ world: World) async throws -> (OrganizationID, UserID) {
        let org = Organization(name: "org", createdAt: world.time.current)
        let user = User(
            organizationId: org.id, email: "u\(Identifier.make().prefix(6))@x.test", passwordHash: "h", role: .admin,
            createdAt: world.time.current)
        try await world.store.createOrganization(org, admin: user)
        return (org.id, user.id)
    }

    @Test func expiredUploadsGoWithTheirFilesButNotWhatIsSharedSparedOrAnotherOrganisations() async throws {
        try await Self.with { w in
            let (org, user) = try await Self.organization(w)
            let (other, otherUser) = try await Self.organization(w)
            try await w.store.setRetention(RetentionSettings(uploads: 2), organizationId: org)
            try await w.store.setQuotas(OrganizationQuotas(storedBytes: 100), organizationId: org)
            let old = try await w.upload(org, owner: user, sha: "old")
            let logo = try await w.upload(org, owner: user, sha: "logo")
            try await w.blobs.saveBrandKit(BrandKit(logo: .init(uploadId: logo.id, blobKey: logo.blobKey)), for: org)
            let shared = try await w.upload(org, owner: user, sha: "shared")
            let transcript = try await w.file(try Transcript.blobKey(for: old.id).rawValue, "{}")
            let othersOld = try await w.upload(other, owner: otherUser, sha: "old")
            w.time.advance(by: 2 * Self.day)
            let twin = try await w.upload(org, owner: user, sha: "shared")
            #expect(twin.blobKey == shared.blobKey)
            w.time.advance(by: 1 * Self.day)

            let removed = try #require(try await w.sweeper().sweep())
            #expect(removed[.uploads] == 2, "the old one and the first of the twins; the logo is the brand's")
            #expect(try await !w.exists(old.blobKey))
            #expect(try await !w.exists(transcript))
            #expect(try await w.exists(shared.blobKey), "the twin still uses the shared file")
            #expect(try await w.store.upload(id: twin.id, organizationId: org) != nil)
            #expect(try await w.exists(logo.blobKey))
            #expect(try await w.store.upload(id: logo.id, organizationId: org) != nil)
            #expect(
                try await w.exists(othersOld.blobKey), "the other organisation keeps its uploads for good, the default")
            #expect(try await w.store.upload(id: othersOld.id, organizationId: other) != nil)

            let audit = try await w.store.auditEvents(
                organizationId: org, filter: AuditFilter(actionPrefix: "retention."), page: PageRequest())
            #expect(audit.items.map(\.target) == ["uploads:2"])
            #expect(
                w.metrics.counterTotal(label: "retention_removed_total", dimensions: [("category", "uploads")]) == 2)
            #expect(
                try w.metrics.expectGauge("storage_quota_used_ratio", [("organization", org.rawValue)]).lastValue
                    == 0.1, "two files of 5 bytes (the twins share one) against a quota of 100")
            #expect(throws: (any Error).self, "no quota, no gauge") {
                try w.metrics.expectGauge("storage_quota_used_ratio", [("organization", other.rawValue)])
            }

            w.time.advance(by: 3 * Self.day)
            #expect(try await w.sweeper().sweep()?[.uploads] == 1, "the twin's turn, and the shared file with it")
            #expect(try await !w.exists(shared.blobKey))
        }
    }

    @Test func anExpiredJobTakesEveryFileInItsFoldersAndRunningJobsStay() async throws {
        try await Self.with { w in
            let (org, user) = try await Self.organization(w)
            var policy = RetentionPolicy()
            policy.defaults.jobs = 7
            var request = JobRequest(source: .init(uploadId: .make()), clips: [.init(start: 0, end: 1)])
            request.thumbnails = false
            let finished = Job(organizationId: org, ownerId: user, request: request, createdAt: w.time.current)
            let running = Job(organizationId: org, ownerId: user, request: request, createdAt: w.time.current)
            for job in [finished, running] {
                _ = try await w.store.createJob(
                    job, firstTask: TaskRecord(jobId: job.id, kind: .probe, maxAttempts: 1), idempotencyKey: nil)
            }
            _ = try await w.store.cancelJob(id: finished.id, organizationId: org)
            let files = [
                try await w.file("clips/\(finished.id)/0-attempt-that-failed.mp4"),
                try await w.file("jobs/\(finished.id)/frames/1.jpg"),
                try await w.file("jobs/\(finished.id)/frames.json"),
            ]
            let runningFile = try await w.file("clips/\(running.id)/0.mp4")
            w.time.advance(by: 8 * Self.day)

            #expect(try await w.sweeper(policy).sweep()?[.jobs] == 1)
            #expect(try await w.store.job(id: finished.id, organizationId: org) == nil)
            for key in files { #expect(try await !w.exists(key), "\(key)") }
            #expect(try await w.store.job(id: running.id, organizationId: org) != nil)
            #expect(try await w.exists(runningFile))
        }
    }

    @Test func oneReplicaSweepsAtATimeAndServiceWideAuditEntriesAgeOut() async throws {
        try await Self.with { w in
            for day in 0..<5 {
                try await w.store.recordAudit(
                    AuditEvent(
                        organizationId: nil, actorUserId: nil, actorAPIKeyId: nil, action: "GET /healthz", target: nil,
                        outcome: "limited", status: 429, address: "192.0.2.1", requestId: nil,
                        at: w.time.current.addingTimeInterval(Double(day) * Self.day)))
            }
            w.time.advance(by: 4 * Self.day + 1)
            var policy = RetentionPolicy()
            policy.defaults.audit = 2
            #expect(try await w.sweeper(policy, holder: "a", batch: 2).sweep()?[.audit] == 3, "in batches of two")
            #expect(try await w.sweeper(policy, holder: "b").sweep() == nil, "a holds the lease")
            let left = try await w.store.auditEvents(
                organizationId: nil, filter: AuditFilter(), page: PageRequest(limit: 10)
            ).items
            #expect(left.count == 2 && left.allSatisfy { w.time.current.timeIntervalSince($0.at) < 2 * Self.day })
            w.time.advance(by: 2 * 3600 + 1)
            #expect(try await w.sweeper(policy, holder: "b").sweep() != nil, "taken over once a's lease lapsed")
        }
    }

    @Test func theOperatorsBoundCapsWhatOrganisationsChoose() {
        var policy = RetentionPolicy()
        policy.defaults.clips = 0
        #expect(policy.effective(RetentionSettings(uploads: 10)).uploads == 10)
        #expect(policy.effective(RetentionSettings()).clips == 0, "for good")
        policy.maxDays = 30
        #expect(policy.effective(RetentionSettings()).clips == 30, "for good is capped too")
        #expect(policy.effective(RetentionSettings(uploads: 365)).uploads == 30)
        #expect(
            policy.problems(with: RetentionSettings(uploads: 365, clips: 0, jobs: -1)).map(\.field) == [
                "uploads", "clips", "jobs",
            ])
        #expect(policy.problems(with: RetentionSettings(uploads: 30)).isEmpty)
    }

    @Test func adminsSetRetentionAndMembersReadIt() async throws {
        try await APIHarness.with(configure: { $0.retention.maxDays = 400 }) { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (_, viewerToken) = try await h.member(.viewer, organization: admin.organizationId)
            try await h.test { client in
                try await client.execute(uri: "/v1/retention", method: .get, headers: .bearer(viewerToken)) {
                    #expect($0.status == .ok)
                    #expect($0.object["maxDays"] as? Int == 400)
                    #expect(($0.object["effective"] as? [String: Any])?["audit"] as? Int == 90)
                    #expect(($0.object["effective"] as? [String: Any])?["uploads"] as? Int == 400, "for good, capped")
                }
                try await client.execute(
                    uri: "/v1/retention", method: .put, headers: .bearer(viewerToken, json: true),
                    body: .json(#"{"uploads": 30}"#)
                ) { #expect($0.status == .forbidden) }
                try await client.execute(
                    uri: "/v1/retention", method: .put, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"uploads": 500, "clips": 0}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    let fields = (response.object["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                    #expect(fields == ["uploads", "clips"])
                }
                try await client.execute(
                    uri: "/v1/retention", method: .put, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"uploads": 30, "audit": null}"#)
                ) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/retention", method: .get, headers: .bearer(viewerToken)) {
                    #expect(($0.object["own"] as? [String: Any])?["uploads"] as? Int == 30)
                    #expect(($0.object["effective"] as? [String: Any])?["uploads"] as? Int == 30)
                }
            }
            #expect(try await h.store.retention(organizationId: admin.organizationId)?.uploads == 30)
        }
    }
}
