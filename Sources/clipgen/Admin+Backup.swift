import ArgumentParser
import BlobStorage
import ClipGenCore
import Foundation
import Server

extension Admin {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Write a snapshot of the database and every stored file to a directory or s3://bucket/prefix, \
                while the service runs; files the backup already holds are not copied again.
                """
        )

        @Option(help: "A directory, or s3://bucket/prefix (CLIPGEN_BACKUP_S3_* or the blob store's S3 settings).")
        var to: String
        @Flag(help: "Copy every file again (after rotate-keys resealed them).") var full = false
        @Option(help: "Keep this many snapshots, removing older ones and the files only they use.") var keep: Int?
        @Option(help: "Files copied at once.") var parallel = 4
        @OptionGroup var location: Where

        func validate() throws {
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64") }
            if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
        }

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            var options = BackupWriter.Options()
            options.full = full
            options.keep = keep
            options.parallel = parallel
            let report = try await Admin.failingClearly {
                try await BackupWriter.take(
                    configuration: configuration, to: try BackupLocation(parsing: to), options: options,
                    logger: logger)
            }
            print(
                """
                backup \(report.id) written to \(to): \(report.blobs) files (\(report.copied) copied, \
                \(report.bytesCopied) bytes; \(report.reused) already there), database \(report.databaseBytes) bytes
                """
            )
            if !report.removedSnapshots.isEmpty {
                print("removed older snapshots: \(report.removedSnapshots.joined(separator: ", "))")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Restore a backup into the configured database and blob store, which must be empty; run it \
                with the service stopped, then start the service.
                """
        )

        @OptionGroup var backup: BackupSource
        @OptionGroup var location: Where

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            let report = try await Admin.failingClearly {
                try await BackupRestorer.restore(
                    configuration: configuration, from: try BackupLocation(parsing: backup.from),
                    snapshot: backup.snapshot, parallel: backup.parallel, logger: logger)
            }
            print("restored backup \(report.id): \(report.blobs) files and the database, \(report.bytes) bytes")
        }
    }

    struct VerifyBackup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-backup",
            abstract: "Read back every file of a backup snapshot and check its size and SHA-256 against the manifest.")

        @OptionGroup var backup: BackupSource
        @OptionGroup var location: Where

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            let report = try await Admin.failingClearly {
                try await BackupVerifier.verify(
                    configuration: configuration, at: try BackupLocation(parsing: backup.from),
                    snapshot: backup.snapshot, parallel: backup.parallel, logger: logger)
            }
            guard report.problems.isEmpty else {
                for problem in report.problems { print(problem) }
                throw CommandFailure(
                    "backup \(report.id) is damaged: \(report.problems.count) of \(report.checked) files differ")
            }
            print("backup \(report.id) is whole: \(report.checked) files, \(report.bytes) bytes checked")
        }
    }

    /// Which backup `restore` and `verify-backup` read.
    struct BackupSource: ParsableArguments {
        @Option(help: "The directory or s3://bucket/prefix the backup was written to.") var from: String
        @Option(help: "The snapshot's id (default: the latest).") var snapshot: String?
        @Option(help: "Files copied or read at once.") var parallel = 4

        func validate() throws {
            guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64") }
        }
    }

    /// A backup's own errors and the configuration's as one line each; anything else as it is.
    static func failingClearly<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BackupError {
            throw CommandFailure(error.description)
        } catch let problem as ConfigurationProblem {
            throw CommandFailure(problem.description)
        } catch let error as BlobError {
            throw CommandFailure(error.description)
        }
    }
}
