import Foundation
import Server
import TestSupport
import Testing

/// The data directory holds password hashes (SQLite) and the token secret: a new one is made
/// readable by its owner only; one an operator made is left as they made it.
@Suite struct DataDirectoryTests {
    @Test func aNewDataDirectoryIsTheOwnersAlone() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir + "/fresh/data"
            try await EmbeddedServer(configuration: ServerHarness.configuration(dataDir: data, workers: false))
                .prepare()
            let mode = try FileManager.default.attributesOfItem(atPath: data)[.posixPermissions] as? Int
            #expect(mode == 0o700)

            let shared = dir + "/shared"
            try FileManager.default.createDirectory(
                atPath: shared, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            try await EmbeddedServer(configuration: ServerHarness.configuration(dataDir: shared, workers: false))
                .prepare()
            #expect(try FileManager.default.attributesOfItem(atPath: shared)[.posixPermissions] as? Int == 0o750)
        }
    }
}
