import Accounts
import ArgumentParser
import BlobStorage
import ClipGenCore
import Foundation
import Persistence
import Server

/// Operator commands, run against the same configuration as `serve`.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator tasks on the configured database and storage.",
        subcommands: [
            Org.self, RotateKeys.self, Audit.self, Backup.self, Restore.self, VerifyBackup.self, Promote.self,
        ])

    /// The configuration an operator command works on: the same as `serve`'s.
    struct Where: ParsableArguments {
        @Option(name: .customLong("data-dir"), help: "Data directory (CLIPGEN_DATA_DIR, default ./data).") var dataDir:
            String?
        @Option(help: "Env-style file of CLIPGEN_* settings (CLIPGEN_CONFIG).") var config: String?

        var flags: [String: String] {
            var flags: [String: String] = [:]
            flags["dataDir"] = dataDir
            flags["config"] = config
            return flags
        }
    }

    struct Org: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "org", abstract: "Organisations.", subcommands: [Create.self])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create an organisation and its first admin; a generated password is printed once when none is given.")

        @Argument(help: "The organisation's name.") var name: String
        @Option(name: .customLong("admin-email"), help: "Email of the organisation's first admin.") var adminEmail:
            String
        @Option(
            name: .customLong("admin-password"),
            help: "Their password, 12 to 72 bytes (default: generated and printed once).")
        var adminPassword: String?
        @OptionGroup var location: Where

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            do {
                let result = try await createOrganization(
                    configuration: configuration, name: name, adminEmail: adminEmail,
                    adminPassword: adminPassword, logger: logger)
                print(
                    """
                    organization \(result.organization.id) \"\(result.organization.name)\" created; admin \
                    \(result.admin.email)
                    """
                )
                if let password = result.generatedPassword { print("admin password (shown once): \(password)") }
            } catch let error as AccountError {
                throw CommandFailure(error.description)
            } catch let error as StoreError {
                throw CommandFailure(error.description)
            }
        }
    }
}

extension Admin {
    struct RotateKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-keys",
            abstract:
                """
                Seal every stored blob with the active encryption key (CLIPGEN_ENCRYPTION_KEY_ID), while the \
                service runs.
                """
        )

        @OptionGroup var location: Where

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            do {
                let (rewritten, current) = try await rotateEncryptionKeys(configuration: configuration, logger: logger)
                print(
                    """
                    \(rewritten) blobs sealed with key \(configuration.encryption?.activeID ?? ""); \(current) \
                    already were
                    """
                )
            } catch let problem as ConfigurationProblem {
                throw CommandFailure(problem.description)
            }
        }
    }
}

extension Admin {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Print audit entries as JSON lines, newest first: the service-wide ones (refusals of clients \
                without an account), or one organisation's.
                """
        )

        @Option(help: "An organisation's id (default: the entries tied to no organisation).") var organization: String?
        @Option(help: "How many entries (default 100).") var limit = 100
        @OptionGroup var location: Where

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
        }

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            let entries = try await auditEntries(
                configuration: configuration, organizationId: organization.map(OrganizationID.init(rawValue:)),
                limit: limit, logger: logger)
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            for entry in entries { print(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
        }
    }
}

extension Admin {
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                After the primary database is lost: promote a standby among CLIPGEN_DATABASE_URL's servers. \
                Refuses while any of them still accepts writes.
                """
        )

        @OptionGroup var location: Where

        func run() async throws {
            let (configuration, logger, _) = try await Process.start(flags: location.flags)
            do {
                let address = try await promoteStandby(configuration: configuration, logger: logger)
                print("promoted the standby at \(address); every ClipGen process moves its writes there")
            } catch let problem as ConfigurationProblem {
                throw CommandFailure(problem.description)
            } catch let failure as PromotionFailure {
                throw CommandFailure(failure.description)
            }
        }
    }
}
