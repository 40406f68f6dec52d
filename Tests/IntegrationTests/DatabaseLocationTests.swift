import Foundation
import HummingbirdTesting
import Server
import TestSupport
import Testing

/// `CLIPGEN_DATABASE_URL` through the real `buildApplication`: the first admin is created where
/// the URL says, the blobs stay in the data directory.
@Suite struct DatabaseLocationTests {
    @Test func theDatabaseURLPutsTheDatabaseWhereItSays() async throws {
        try await withTemporaryDirectory { dir in
            let c = try await ConfigurationLoader.load(
                flags: ["dataDir": dir + "/data"],
                environment: [
                    "CLIPGEN_DATABASE_URL": "sqlite://\(dir)/elsewhere/jobs.sqlite",
                    "CLIPGEN_ADMIN_PASSWORD": ServerHarness.password, "CLIPGEN_BCRYPT_COST": "4",
                    "CLIPGEN_PORT": "0", "CLIPGEN_WORKERS_IN_PROCESS": "false",
                ])
            let application = try await buildApplication(
                configuration: c, metrics: ProcessMetrics(), logger: ServerHarness.logger)
            try await application.test(.live) { client in
                let signedIn = try await ServerHarness.Client.signIn(client)
                #expect(!signedIn.token.isEmpty, "the admin was created in the configured database")
            }
            #expect(FileManager.default.fileExists(atPath: dir + "/elsewhere/jobs.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/data/clipgen.sqlite"))
            #expect(FileManager.default.fileExists(atPath: dir + "/data/blobs"), "blobs stay in the data directory")
        }
    }
}
