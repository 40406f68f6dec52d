import API
import Accounts
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import PersistenceSQLite
import TestSupport
import Testing

/// Organisations made by the operator: from the CLI against the configured database, or over
/// the API with the operator token; each gets its own admin.
@Suite struct OrganizationTests {
    @Test func theCLICreatesAnOrganisationAndPrintsAGeneratedPasswordOnce() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            let made = try Shell.run(
                "/usr/bin/env",
                [
                    "CLIPGEN_BCRYPT_COST=4", "CLIPGEN_LOG_LEVEL=warning", TestMediaPaths.clipgen,
                    "admin", "org", "create", "Acme Films", "--admin-email", "boss@acme.test", "--data-dir", data,
                ])
            let out = String(decoding: made.stdout, as: UTF8.self)
            #expect(made.status == 0, "\(made.stderr)")
            #expect(out.contains("\"Acme Films\" created; admin boss@acme.test"), "\(out)")
            let password = try #require(
                out.split(separator: "\n").first { $0.hasPrefix("admin password (shown once): ") }?
                    .dropFirst("admin password (shown once): ".count))
            #expect(password.count >= 16)
            let store = SQLiteJobStore(path: data + "/clipgen.sqlite")
            let admin = try #require(try await store.user(email: "boss@acme.test"))
            #expect(admin.role == .admin)
            #expect(try await PasswordHasher.verify(String(password), hash: admin.passwordHash))

            // Emails are unique per organisation: another organisation may have its own boss@acme.test.
            let again = try Shell.run(
                "/usr/bin/env",
                [
                    "CLIPGEN_BCRYPT_COST=4", "CLIPGEN_LOG_LEVEL=warning", TestMediaPaths.clipgen, "admin", "org",
                    "create",
                    "Other", "--admin-email", "boss@acme.test", "--admin-password", "a-long-enough-one", "--data-dir",
                    data,
                ])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try await store.users(email: "boss@acme.test").count == 2)
            let bad = try Shell.run(
                "/usr/bin/env",
                [
                    TestMediaPaths.clipgen, "admin", "org", "create", "X", "--admin-email", "nope",
                    "--admin-password", "short", "--data-dir", data,
                ])
            #expect(
                bad.status != 0 && bad.stderr.contains("adminEmail") && bad.stderr.contains("adminPassword"),
                "\(bad.stderr)")
        }
    }

    @Test func theOperatorTokenCreatesOrganisationsOverTheAPI() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
            let operatorToken = String(repeating: "o", count: 40)
            configuration.api.auth.operatorToken = operatorToken
            try await ServerHarness.run(configuration) { client in
                let body = ByteBuffer(string: #"{"name":"Beta","adminEmail":"admin@beta.test"}"#)
                let anonymous = try await client.raw.execute(uri: "/v1/organizations", method: .post, body: body) {
                    $0.status
                }
                #expect(anonymous == .unauthorized)
                let asAdmin = try await client.raw.execute(
                    uri: "/v1/organizations", method: .post, headers: client.headers, body: body
                ) { $0.status }
                #expect(asAdmin == .unauthorized, "a user's token, even an admin's, is not the operator's")
                let created = try await client.raw.execute(
                    uri: "/v1/organizations", method: .post,
                    headers: [.authorization: "Bearer \(operatorToken)", .contentType: "application/json"], body: body
                ) {
                    ($0.status, try ServerHarness.Client.object($0))
                }
                #expect(created.0 == .created)
                let password = try #require(created.1["adminPassword"] as? String)
                let organization = (created.1["organization"] as? [String: Any])?["id"] as? String
                let token = try await client.raw.execute(
                    uri: "/v1/auth/token", method: .post,
                    body: ByteBuffer(string: #"{"email":"admin@beta.test","password":"\#(password)"}"#)
                ) {
                    try ServerHarness.Client.object($0)["accessToken"] as? String
                }
                let me = try await client.raw.execute(
                    uri: "/v1/me", method: .get, headers: [.authorization: "Bearer \(token ?? "")"]
                ) {
                    try ServerHarness.Client.object($0)
                }
                #expect(me["role"] as? String == "admin" && me["organizationId"] as? String == organization)
                // A second organisation may name an admin with the same email (emails are per organisation).
                let second = try await client.raw.execute(
                    uri: "/v1/organizations", method: .post,
                    headers: [.authorization: "Bearer \(operatorToken)", .contentType: "application/json"], body: body
                ) { $0.status }
                #expect(second == .created)
            }
        }
    }
}
