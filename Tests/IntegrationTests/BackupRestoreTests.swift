import BlobStorage
import BlobStorageS3
import ClipGenCore
import Foundation
import TestSupport
import Testing

/// `clipgen admin backup`, `restore` and `verify-backup` as an operator runs them, against a
/// real `clipgen serve`: what the service held comes back after its data is destroyed, on the
/// embedded backends and on PostgreSQL with S3.
@Suite struct BackupRestoreTests {
    static let password = "backup-test-pass"

    /// What a finished job left, to be found again after the restore.
    struct Made {
        var job: String
        var clips: [(url: String, sha256: String)]
    }

    @Test func aDestroyedDataDirectoryComesBackFromABackup() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            let backup = dir + "/backup"
            let environment = ["CLIPGEN_DATA_DIR": data]
            let made = try await Self.makeJob(environment: environment, dir: dir)

            let first = try Self.admin(["backup", "--to", backup], environment)
            #expect(first.contains(" copied"), "\(first)")
            let again = try Self.admin(["backup", "--to", backup], environment)
            #expect(again.contains("(0 copied, 0 bytes;"), "the second backup copies nothing new: \(again)")
            #expect(try Self.admin(["verify-backup", "--from", backup], environment).contains("is whole"))

            // Restoring over live data is refused and changes nothing.
            let refused = try Self.adminFailing(["restore", "--from", backup], environment)
            #expect(refused.contains("restore only into an empty database"), "\(refused)")

            try FileManager.default.removeItem(atPath: data)
            #expect(try Self.admin(["restore", "--from", backup], environment).hasPrefix("restored backup"))
            try await Self.check(made, environment: environment, dir: dir)

            // A damaged copy is named by verify-backup.
            let clipCopy = try #require(
                FileManager.default.subpaths(atPath: backup + "/blobs")?.first {
                    $0.hasPrefix("clips/") && $0.hasSuffix(".mp4")
                })
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: backup + "/blobs/" + clipCopy))
            try handle.seek(toOffset: 100)
            try handle.write(contentsOf: Data("damage".utf8))
            try handle.close()
            let damaged = try Self.adminFailing(["verify-backup", "--from", backup], environment)
            #expect(damaged.contains("blobs/\(clipCopy): SHA-256"), "\(damaged)")
        }
    }

    @Test(.enabled(if: (TestServers.postgresURL != nil && TestServers.s3 != nil) || TestServers.isCI))
    func aLostPostgresDatabaseAndBucketComeBackFromABackupInS3() async throws {
        let s3 = try #require(TestServers.s3)
        let postgres = try #require(TestServers.postgresURL)
        try await withTemporaryDirectory { dir in
            func environment(database: String, bucket: String) -> [String: String] {
                [
                    "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_DATABASE_URL": database,
                    "CLIPGEN_S3_ENDPOINT": s3.endpoint.absoluteString, "CLIPGEN_S3_BUCKET": bucket,
                    "CLIPGEN_S3_ACCESS_KEY_ID": s3.accessKey, "CLIPGEN_S3_SECRET_ACCESS_KEY": s3.secretKey,
                ]
            }
            let (database, bucket) = (try await TestServers.freshPostgresDatabase(), TestServers.uniqueName())
            let before = environment(database: database, bucket: bucket)
            let made = try await Self.makeJob(environment: before, dir: dir)
            let backup = "s3://\(TestServers.uniqueName())/nightly"
            #expect(try Self.admin(["backup", "--to", backup], before).contains(" copied"))
            #expect(try Self.admin(["verify-backup", "--from", backup], before).contains("is whole"))

            // The region is lost: the database dropped, every stored object deleted.
            var store = S3Configuration(
                endpoint: s3.endpoint, bucket: bucket, accessKeyID: s3.accessKey, secretAccessKey: s3.secretKey)
            store.abortIncompleteUploadsDays = nil
            let lost = S3BlobStore(configuration: store)
            for key in try await lost.keys(startingWith: "") { try await lost.delete(key) }
            let name = try #require(URLComponents(string: database)?.path.dropFirst())
            let drop = try Shell.run("psql", [postgres, "-c", "DROP DATABASE \(name) WITH (FORCE)"])
            #expect(drop.status == 0, "\(drop.stderr)")
            try FileManager.default.removeItem(atPath: dir + "/data")

            // Rebuilt: a new empty database and a new bucket.
            let after = environment(
                database: try await TestServers.freshPostgresDatabase(), bucket: TestServers.uniqueName())
            #expect(try Self.admin(["restore", "--from", backup], after).hasPrefix("restored backup"))
            try await Self.check(made, environment: after, dir: dir)
        }
    }

    /// A backup taken while renders are storing clips restores to a state where every clip the
    /// database lists has its file, whatever moment the dump caught.
    @Test func aBackupTakenWhileJobsRunRestoresWithEveryListedClipStored() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            let environment = ["CLIPGEN_DATA_DIR": dir + "/data"]
            let (server, base) = try await Self.start(environment, log: dir + "/running.log")
            let token = try #require(try Curl.signIn(base, password: Self.password))
            let upload = try #require(
                try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
            let clips = (0..<4).map { #"{"start":\#($0 * 4 + 1),"end":\#($0 * 4 + 3)}"# }.joined(separator: ",")
            var jobs: [String] = []
            for _ in 0..<3 {
                let reply = try Curl.call(
                    base + "/v1/jobs", method: "POST", token: token,
                    json: #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"exact"},"clips":[\#(clips)]}"#)
                jobs.append(try #require(reply.json["id"] as? String, "\(reply.json)"))
            }
            // The first clip stored: renders are under way.
            #expect(
                try await eventually(timeout: .seconds(600), every: .milliseconds(100)) {
                    ((try Curl.call(base + "/v1/jobs/\(jobs[0])", token: token).json["clips"] as? [Any])?.count ?? 0)
                        > 0
                })
            #expect(try Self.admin(["backup", "--to", dir + "/backup"], environment).contains(" copied"))
            for job in jobs { _ = try await Self.waitForJob(base, job, token: token) }
            _ = await server.stop()

            let restored = ["CLIPGEN_DATA_DIR": dir + "/restored", "CLIPGEN_WORKERS_IN_PROCESS": "false"]
            #expect(try Self.admin(["restore", "--from", dir + "/backup"], restored).hasPrefix("restored backup"))
            let (again, restoredBase) = try await Self.start(restored, log: dir + "/restored.log")
            let restoredToken = try #require(try Curl.signIn(restoredBase, password: Self.password))
            var listed = 0
            for job in jobs {
                for clip
                    in (try Curl.call(restoredBase + "/v1/jobs/\(job)", token: restoredToken).json["clips"]
                    as? [[String: Any]]) ?? []
                {
                    let url = try #require(clip["url"] as? String)
                    let file = dir + "/clip-\(listed).mp4"
                    let reply = try Curl.call(restoredBase + url, token: restoredToken, output: file)
                    #expect(reply.status == 200, "clip \(url) of a restored row has no file")
                    #expect(try await Self.sha256(file) == clip["sha256"] as? String)
                    listed += 1
                }
            }
            #expect(listed > 0, "the backup caught at least the first clip")
            _ = await again.stop()
        }
    }

    // MARK: - Steps

    static func start(_ environment: [String: String], log: String) async throws -> (ClipGenProcess, String) {
        let port = ClipGenProcess.freePort()
        let base = "http://127.0.0.1:\(port)"
        let server = try ClipGenProcess(
            ["serve", "--port", "\(port)"],
            environment: environment.merging(
                [
                    "CLIPGEN_ADMIN_PASSWORD": password, "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_POLL_SECONDS": "0.2",
                    "CLIPGEN_LOG_LEVEL": "warning",
                ]
            ) { mine, _ in mine }, log: log)
        guard try await eventually(timeout: .seconds(300), { (try? Curl.call(base + "/healthz"))?.status == 200 })
        else {
            throw TestFailure("the server did not start: \(server.output)")
        }
        return (server, base)
    }

    /// A server on `environment` makes an upload and a finished job of two clips, then stops.
    static func makeJob(environment: [String: String], dir: String) async throws -> Made {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        let (server, base) = try await start(environment, log: dir + "/before.log")
        let token = try #require(try Curl.signIn(base, password: password))
        let upload = try #require(
            try Curl.call(base + "/v1/uploads", method: "POST", token: token, file: source).json["id"] as? String)
        let reply = try Curl.call(
            base + "/v1/jobs", method: "POST", token: token,
            json:
                #"{"source":{"uploadId":"\#(upload)"},"output":{"mode":"keyframe"},"clips":[{"start":1,"end":3},{"start":4,"end":7}]}"#
        )
        let job = try #require(reply.json["id"] as? String, "\(reply.json)")
        let finished = try await waitForJob(base, job, token: token)
        #expect(finished["status"] as? String == "succeeded", "\(finished)")
        let clips = (finished["clips"] as? [[String: Any]] ?? []).compactMap { clip in
            (clip["url"] as? String).flatMap { url in (clip["sha256"] as? String).map { (url, $0) } }
        }
        #expect(clips.count == 2)
        #expect(await server.stop() == 0, "\(server.output)")
        return Made(job: job, clips: clips)
    }

    /// The restored service signs the admin in with the password set before the loss (the
    /// bootstrap password would make a new admin only in an empty database), lists the job, and
    /// serves every clip with the bytes it recorded.
    static func check(_ made: Made, environment: [String: String], dir: String) async throws {
        var restored = environment
        restored["CLIPGEN_ADMIN_PASSWORD"] = "not-the-restored-password"
        let (server, base) = try await start(restored, log: dir + "/after.log")
        let token = try #require(try Curl.signIn(base, password: password), "the restored admin signs in")
        let job = try Curl.call(base + "/v1/jobs/\(made.job)", token: token)
        #expect(job.status == 200 && job.json["status"] as? String == "succeeded", "\(job.json)")
        for (index, clip) in made.clips.enumerated() {
            let file = dir + "/restored-\(index).mp4"
            #expect(try Curl.call(base + clip.url, token: token, output: file).status == 200)
            #expect(try await sha256(file) == clip.sha256, "clip \(clip.url) came back with other bytes")
        }
        #expect(await server.stop() == 0, "\(server.output)")
    }

    static func waitForJob(_ base: String, _ job: String, token: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        _ = try await eventually(timeout: .seconds(900), every: .milliseconds(300)) {
            last = try Curl.call(base + "/v1/jobs/\(job)", token: token).json
            return ["succeeded", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        return last
    }

    /// `clipgen admin …` on `environment`; its stdout, or a failure with what it said.
    static func admin(_ arguments: [String], _ environment: [String: String]) throws -> String {
        let result = try run(arguments, environment)
        guard result.status == 0 else {
            throw TestFailure("clipgen admin \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// The same for a command that must fail: its one-line error.
    static func adminFailing(_ arguments: [String], _ environment: [String: String]) throws -> String {
        let result = try run(arguments, environment)
        #expect(result.status != 0, "clipgen admin \(arguments.joined(separator: " ")) succeeded: \(result.stdout)")
        return result.stdout + result.stderr
    }

    private static func run(_ arguments: [String], _ environment: [String: String]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let variables = environment.merging(["CLIPGEN_LOG_LEVEL": "warning"]) { mine, _ in mine }
        let result = try Shell.run(
            "/usr/bin/env", variables.map { "\($0.key)=\($0.value)" } + [TestMediaPaths.clipgen, "admin"] + arguments)
        return (
            result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr
        )
    }

    /// Of a file, read the way the blob store hashes what it stores.
    static func sha256(_ path: String) async throws -> String {
        let url = URL(fileURLWithPath: path)
        return try await LocalBlobStore(root: url.deletingLastPathComponent().path)
            .digest(of: try BlobKey(url.lastPathComponent)).sha256
    }
}
