import BlobStorage
import ClipGenCore
import Foundation
import Logging
import MediaEngine
import PersistenceSQLite
import Synchronization
import TestSupport
import Testing

@testable import Server

/// The backup writer, restorer and verifier on a local directory and SQLite: what is copied,
/// what is kept, and what a restore refuses. The same code against a running service, and on
/// PostgreSQL with S3, is tested end to end in IntegrationTests' BackupRestoreTests.
@Suite struct BackupTests {
    /// A service's data (SQLite and local blobs) and a backup directory under `dir`.
    struct Setup {
        let dir: String
        var blobs: LocalBlobStore { LocalBlobStore(root: dir + "/blobs") }
        var backup: LocalBlobStore { LocalBlobStore(root: dir + "/backup") }
        var database: SQLiteDatabaseSnapshot { SQLiteDatabaseSnapshot(path: dir + "/clipgen.sqlite") }

        init(_ dir: String) async throws {
            self.dir = dir
            let store = SQLiteJobStore(path: dir + "/clipgen.sqlite")
            try store.prepare()
            try await blobs.prepare()
        }

        func writer(encrypted: Bool = false) -> BackupWriter {
            BackupWriter(
                blobs: blobs, database: database, target: backup, location: .directory(dir + "/backup"),
                encrypted: encrypted, logger: .quiet("backup"))
        }

        func restorer(into other: String, encryptionConfigured: Bool = false) -> BackupRestorer {
            BackupRestorer(
                backup: backup, location: .directory(dir + "/backup"), blobs: LocalBlobStore(root: other + "/blobs"),
                database: SQLiteDatabaseSnapshot(path: other + "/clipgen.sqlite"),
                encryptionConfigured: encryptionConfigured, scratchParent: nil, logger: .quiet("restore"))
        }

        func store(_ text: String, as key: String, in store: LocalBlobStore? = nil) async throws {
            let file = dir + "/" + UUID().uuidString
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            _ = try await (store ?? blobs).importFile(at: file, as: try BlobKey(key))
        }
    }

    static func options(full: Bool = false, keep: Int? = nil) -> BackupWriter.Options {
        var options = BackupWriter.Options()
        options.full = full
        options.keep = keep
        return options
    }

    @Test func locationsAreADirectoryOrAnS3BucketAndPrefix() throws {
        #expect(try BackupLocation(parsing: "/srv/backups/../clipgen") == .directory("/srv/clipgen"))
        #expect(
            try BackupLocation(parsing: "s3://backups/clipgen/nightly/")
                == .s3(bucket: "backups", prefix: "clipgen/nightly"))
        #expect(try BackupLocation(parsing: "s3://backups") == .s3(bucket: "backups", prefix: ""))
        for bad in ["", "s3://Backups_Here/x", "s3://ab/x", "s3://backups/../x"] {
            #expect(throws: BackupError.self, "\(bad)") { try BackupLocation(parsing: bad) }
        }
    }

    @Test func laterBackupsCopyOnlyWhatChangedAndKeepRemovesWhatOnlyOldSnapshotsUsed() async throws {
        try await withTemporaryDirectory { dir in
            let setup = try await Setup(dir)
            try await setup.store("first", as: "uploads/a")
            try await setup.store("second", as: "uploads/b")
            let first = try await setup.writer().take(Self.options())
            #expect((first.copied, first.reused, first.blobs) == (2, 0, 2))

            try await setup.blobs.delete(try BlobKey("uploads/a"))
            try await setup.store("second, longer", as: "uploads/b")
            try await setup.store("third", as: "clips/j/0.mp4")
            let second = try await setup.writer().take(Self.options())
            #expect((second.copied, second.reused, second.blobs) == (2, 0, 2), "b changed size, c is new, a is gone")

            let third = try await setup.writer().take(Self.options(keep: 2))
            #expect((third.copied, third.reused) == (0, 2))
            #expect(third.removedSnapshots == [first.id])
            #expect(try await BackupManifest.snapshots(in: setup.backup) == [third.id, second.id])
            let copies = try await setup.backup.keys(startingWith: "blobs/").map(\.rawValue)
            #expect(
                copies == ["blobs/clips/j/0.mp4", "blobs/uploads/b"], "a's copy went with the only snapshot listing it")

            let full = try await setup.writer().take(Self.options(full: true))
            #expect((full.copied, full.reused) == (2, 0))
            let verified = try await BackupVerifier(backup: setup.backup, location: .directory(dir + "/backup"))
                .verify(snapshot: second.id, parallel: 2)
            #expect(verified.problems.isEmpty && verified.checked == 3)
        }
    }

    @Test func aDamagedCopyStopsTheRestoreBeforeTheDatabaseIsWritten() async throws {
        try await withTemporaryDirectory { dir in
            let setup = try await Setup(dir)
            try await setup.store("the clip's bytes", as: "clips/j/0.mp4")
            _ = try await setup.writer().take(Self.options())
            try await setup.store("the clip's bytez", as: "blobs/clips/j/0.mp4", in: setup.backup)

            let verified = try await BackupVerifier(backup: setup.backup, location: .directory(dir + "/backup"))
                .verify(snapshot: nil, parallel: 2)
            #expect(verified.problems.count == 1 && verified.problems[0].hasPrefix("blobs/clips/j/0.mp4: SHA-256"))

            let other = dir + "/restored"
            await #expect {
                try await setup.restorer(into: other).restore(snapshot: nil, parallel: 2)
            } throws: { error in
                guard case .damaged(let key, _) = error as? BackupError else { return false }
                return key == "blobs/clips/j/0.mp4"
            }
            #expect(!FileManager.default.fileExists(atPath: other + "/clipgen.sqlite"))
            #expect(try await LocalBlobStore(root: other + "/blobs").keys(startingWith: "").isEmpty)
        }
    }

    @Test func aRestoreWritesOnlyIntoAnEmptyStoreAndWithTheKeysItNeeds() async throws {
        try await withTemporaryDirectory { dir in
            let setup = try await Setup(dir)
            try await setup.store("upload", as: "uploads/a")
            _ = try await setup.writer(encrypted: true).take(Self.options())

            let other = dir + "/restored"
            await #expect(throws: BackupError.encryptionKeysMissing) {
                try await setup.restorer(into: other).restore(snapshot: nil, parallel: 2)
            }
            try await setup.store("someone else's", as: "uploads/z", in: LocalBlobStore(root: other + "/blobs"))
            await #expect(
                throws: BackupError.notEmpty(
                    "the blob store already holds files the backup does not list (1, such as 'uploads/z')")
            ) {
                try await setup.restorer(into: other, encryptionConfigured: true).restore(snapshot: nil, parallel: 2)
            }
            try await LocalBlobStore(root: other + "/blobs").delete(try BlobKey("uploads/z"))
            let report = try await setup.restorer(into: other, encryptionConfigured: true).restore(
                snapshot: nil, parallel: 2)
            #expect(report.blobs == 1)
            #expect(
                try await LocalBlobStore(root: other + "/blobs").contents(of: try BlobKey("uploads/a"))
                    == Data("upload".utf8))
            // The restored database is the service's: its schema opens as it is.
            #expect(try await SQLiteJobStore(path: other + "/clipgen.sqlite").user(email: "nobody@x.test") == nil)

            await #expect(throws: BackupError.notEmpty("the database already holds tables")) {
                try await setup.restorer(into: other, encryptionConfigured: true).restore(snapshot: nil, parallel: 2)
            }
            await #expect(throws: BackupError.noBackup("\(dir)/backup has no finished snapshot 'nope'")) {
                try await setup.restorer(into: dir + "/third").restore(snapshot: "nope", parallel: 2)
            }
        }
    }

    @Test func thePostgresPasswordReachesTheToolsThroughTheirEnvironmentOnly() async throws {
        let specs = Mutex<[ProcessSpec]>([])
        var snapshot = try PostgresDatabaseSnapshot(
            url: "postgres://clipgen:s3cret@db.internal:5433/clipgen?sslmode=require")
        snapshot.runner = ProcessRunner { spec, _ in
            specs.withLock { $0.append(spec) }
            return ProcessOutput(
                exitCode: spec.executable == "pg_restore" ? 1 : 0, stdout: "0\n",
                stderrTail: "pg_restore: error: bad dump")
        }
        try await snapshot.dump(to: "/tmp/x.pgdump")
        #expect(try await snapshot.isEmpty())
        await #expect(throws: BackupError.tool(name: "pg_restore", reason: "pg_restore: error: bad dump")) {
            try await snapshot.load(from: "/tmp/x.pgdump")
        }
        let seen = specs.withLock { $0 }
        #expect(seen.map(\.executable) == ["pg_dump", "psql", "pg_restore"])
        for spec in seen {
            #expect(!spec.arguments.joined(separator: " ").contains("s3cret"))
            #expect(spec.arguments.contains("postgres://clipgen@db.internal:5433/clipgen?sslmode=require"))
            #expect(spec.environment == ["PGPASSWORD": "s3cret"])
        }

        snapshot.runner = ProcessRunner { spec, _ in
            throw MediaError(.ffmpegMissing, "\(spec.executable) was not found")
        }
        await #expect {
            try await snapshot.dump(to: "/tmp/x.pgdump")
        } throws: { error in
            (error as? BackupError)?.description.contains("apt-get install -y postgresql-client") == true
        }
    }
}
