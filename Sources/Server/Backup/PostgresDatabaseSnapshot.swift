import ClipGenCore
import Foundation
import MediaEngine
import PersistencePostgres

/// PostgreSQL: `pg_dump --format=custom` (one transaction, the service keeps writing) and
/// `pg_restore --single-transaction`. The password goes to the tools in `PGPASSWORD`, never in
/// their arguments, which any local user can list.
struct PostgresDatabaseSnapshot: DatabaseSnapshot {
    /// The URL without its password, as libpq reads it.
    let connection: String
    let password: String?
    var runner = ProcessRunner.live
    /// A hang guard: a dump of a large database takes as long as it takes.
    var timeout = Duration.seconds(24 * 3600)

    init(url: String) throws {
        guard let servers = try? PostgresServers(url: url) else {
            throw BackupError.tool(name: "pg_dump", reason: "the database URL cannot be read")
        }
        password = servers.password
        connection = servers.toolURL
    }

    var kind: String { "postgresql" }
    var fileExtension: String { "pgdump" }

    func dump(to path: String) async throws {
        _ = try await run(
            "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", path, "--dbname", connection])
    }

    func isEmpty() async throws -> Bool {
        let output = try await run(
            "psql",
            [
                "--no-psqlrc", "--tuples-only", "--no-align", "--dbname", connection, "--command",
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            ])
        return output.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
    }

    func load(from path: String) async throws {
        _ = try await run(
            "pg_restore",
            ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", connection, path])
    }

    /// Runs one client tool; its stdout, or its own words when it fails.
    private func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let output: ProcessOutput
        do {
            output = try await runner.run(
                ProcessSpec(
                    executable: tool, arguments: arguments, timeout: timeout, stdoutLimit: 1 << 16,
                    environment: password.map { ["PGPASSWORD": $0] } ?? [:]))
        } catch let error as MediaError where error.code == .ffmpegMissing {
            throw BackupError.tool(
                name: tool,
                reason: "it is not installed; install PostgreSQL's client tools (apt-get install -y postgresql-client)")
        }
        guard output.succeeded else {
            throw BackupError.tool(
                name: tool,
                reason: output.stderrTail.isEmpty
                    ? "exit \(output.exitCode.map(String.init) ?? "by signal")" : output.stderrTail)
        }
        return output.stdout
    }
}
