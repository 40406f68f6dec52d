import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

@Suite struct APIKeyTests {
    @Test func aKeyIsShownOnceStoredHashedAndWorksWhereATokenDoes() async throws {
        try await APIHarness.with { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                let created = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"name":"ci pipeline"}"#)
                ) { response in
                    #expect(response.status == .created)
                    return response.object
                }
                let key = try #require(created["key"] as? String)
                #expect(key.hasPrefix("cgk_") && created["role"] as? String == "user")
                let id = try #require(created["id"] as? String)
                let stored = try #require(try await h.store.apiKey(id: APIKeyID(rawValue: id)))
                #expect(!stored.secretHash.isEmpty && !key.contains(stored.secretHash), "only a hash is kept")
                #expect(stored.lastUsedAt == nil)

                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(key)) { response in
                    #expect(response.status == .ok && response.object["id"] as? String == user.id.rawValue)
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(key), body: ByteBuffer(string: "bytes")
                ) {
                    #expect($0.status == .created)
                }
                #expect(try await h.store.apiKey(id: stored.id)?.lastUsedAt != nil)
                try await client.execute(uri: "/v1/api-keys", method: .get, headers: .bearer(token)) { response in
                    let items = response.object["items"] as? [[String: Any]] ?? []
                    #expect(items.count == 1 && items[0]["key"] == nil && items[0]["lastUsedAt"] != nil)
                }
                // A key one character off, or not a key at all.
                let forged = String(key.dropLast()) + (key.hasSuffix("0") ? "1" : "0")
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(forged)) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer("cgk_nonsense")) {
                    #expect($0.status == .unauthorized)
                }

                try await client.execute(uri: "/v1/api-keys/\(id)", method: .delete, headers: .bearer(token)) {
                    #expect($0.status == .noContent)
                }
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(key)) {
                    #expect($0.status == .unauthorized, "revoked")
                }
            }
        }
    }

    @Test func aKeysRoleIsNoHigherThanItsUsersNowOrLater() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (user, userToken) = try await h.member(.user, organization: admin.organizationId)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"name":"sneaky","role":"admin"}"#)
                ) { #expect($0.status == .unprocessableContent) }
                let viewerKey = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(userToken, json: true),
                    body: .json(#"{"name":"dashboard","role":"viewer"}"#)
                ) { $0.object["key"] as? String ?? "" }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(viewerKey), body: ByteBuffer(string: "x")
                ) {
                    #expect($0.status == .forbidden, "a viewer key cannot write")
                }
                try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(viewerKey, json: true),
                    body: .json(#"{"name":"more"}"#)
                ) { #expect($0.status == .forbidden) }
                let adminKey = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"name":"ops"}"#)
                ) { $0.object["key"] as? String ?? "" }
                try await client.execute(uri: "/v1/users", method: .get, headers: .bearer(adminKey)) {
                    #expect($0.status == .ok)
                }
                // The admin list shows everyone's keys; a user sees their own.
                try await client.execute(uri: "/v1/api-keys", method: .get, headers: .bearer(adminToken)) {
                    #expect(($0.object["items"] as? [Any])?.count == 2)
                }
                try await client.execute(uri: "/v1/api-keys", method: .get, headers: .bearer(userToken)) {
                    #expect(($0.object["items"] as? [Any])?.count == 1)
                }
                // Demoting the admin demotes their keys at once; disabling a user voids theirs.
                var demoted = admin
                demoted.role = .user
                try await h.store.updateUser(demoted)
                try await client.execute(uri: "/v1/users", method: .get, headers: .bearer(adminKey)) {
                    #expect($0.status == .forbidden)
                }
                var disabled = user
                disabled.disabled = true
                try await h.store.updateUser(disabled)
                try await client.execute(uri: "/v1/me", method: .get, headers: .bearer(viewerKey)) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
    }

    @Test func keysAreRevokedOnlyByTheirOwnerOrAnAdminOfTheirOrganisation() async throws {
        try await APIHarness.with { h in
            let (owner, ownerToken) = try await h.member(.user)
            let (_, colleagueToken) = try await h.member(.user, organization: owner.organizationId)
            let (_, strangerAdminToken) = try await h.member(.admin)
            try await h.test { client in
                let id = try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(ownerToken, json: true),
                    body: .json(#"{"name":"mine"}"#)
                ) { $0.object["id"] as? String ?? "" }
                try await client.execute(uri: "/v1/api-keys/\(id)", method: .delete, headers: .bearer(colleagueToken)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(
                    uri: "/v1/api-keys/\(id)", method: .delete, headers: .bearer(strangerAdminToken)
                ) { #expect($0.status == .notFound) }
                try await client.execute(
                    uri: "/v1/api-keys", method: .post, headers: .bearer(ownerToken, json: true),
                    body: .json(#"{"name":"  "}"#)
                ) { #expect($0.status == .unprocessableContent) }
            }
        }
    }
}
