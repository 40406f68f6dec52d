import ClipGenCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@testable import API

/// A replica of region `b` in a deployment of two: it says where it is, makes organisations at
/// home where it is told, and sends writes for organisations homed in a live `a` there.
@Suite struct RegionRouteTests {
    static let operatorToken = String(repeating: "p", count: 40)

    static func regionB(_ configuration: inout APIConfiguration) {
        configuration.auth.operatorToken = operatorToken
        configuration.region.name = "b"
        configuration.region.urls = ["a": URL(string: "https://a.clipgen.test/")!]
    }

    @Test func everyAnswerSaysWhichRegionServedIt() async throws {
        try await APIHarness.with(configure: Self.regionB) { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(uri: "/healthz", method: .get) {
                    #expect($0.headers[.clipGenRegion] == "b")
                }
                try await client.execute(uri: "/v1/jobs/\(JobID.make())", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .notFound && $0.headers[.clipGenRegion] == "b", "problems too")
                }
            }
        }
        try await APIHarness.with { h in
            try await h.test { client in
                try await client.execute(uri: "/healthz", method: .get) {
                    #expect($0.headers[.clipGenRegion] == nil, "one region: no header")
                }
            }
        }
    }

    @Test func theOperatorHomesAndMovesOrganisations() async throws {
        try await APIHarness.with(configure: Self.regionB) { h in
            try await h.test { client in
                let made = try await client.execute(
                    uri: "/v1/organizations", method: .post, headers: .bearer(Self.operatorToken, json: true),
                    body: .json(#"{"name":"here","adminEmail":"here@x.test"}"#)
                ) { response in
                    #expect(response.status == .created)
                    let organization = response.object["organization"] as? [String: Any] ?? [:]
                    #expect(organization["homeRegion"] as? String == "b", "made at home in this replica's region")
                    return try #require(organization["id"] as? String)
                }
                try await client.execute(
                    uri: "/v1/organizations", method: .post, headers: .bearer(Self.operatorToken, json: true),
                    body: .json(#"{"name":"there","adminEmail":"there@x.test","homeRegion":"a"}"#)
                ) { response in
                    let organization = response.object["organization"] as? [String: Any] ?? [:]
                    #expect(organization["homeRegion"] as? String == "a")
                }
                try await client.execute(
                    uri: "/v1/organizations", method: .post, headers: .bearer(Self.operatorToken, json: true),
                    body: .json(#"{"name":"bad","adminEmail":"bad@x.test","homeRegion":"Not A Region"}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent && response.fields == ["homeRegion"])
                }
                try await client.execute(
                    uri: "/v1/organizations/\(made)/region", method: .put,
                    headers: .bearer(Self.operatorToken, json: true), body: .json(#"{"homeRegion":"a"}"#)
                ) { #expect($0.status == .ok && $0.object["homeRegion"] as? String == "a") }
                #expect(try await h.store.homeRegion(organizationId: OrganizationID(rawValue: made)) == "a")
                try await client.execute(
                    uri: "/v1/organizations/\(made)/region", method: .put,
                    headers: .bearer(Self.operatorToken, json: true), body: .json(#"{"homeRegion":null}"#)
                ) { #expect($0.status == .ok) }
                #expect(try await h.store.homeRegion(organizationId: OrganizationID(rawValue: made)) == nil)
                try await client.execute(
                    uri: "/v1/organizations/\(OrganizationID.make())/region", method: .put,
                    headers: .bearer(Self.operatorToken, json: true), body: .json(#"{"homeRegion":"a"}"#)
                ) { #expect($0.status == .notFound) }
                let (_, userToken) = try await h.member(.admin)
                try await client.execute(
                    uri: "/v1/organizations/\(made)/region", method: .put, headers: .bearer(userToken, json: true),
                    body: .json(#"{"homeRegion":"a"}"#)
                ) { #expect($0.status == .unauthorized, "a user's token is not the operator's") }
            }
        }
    }

    @Test func writesGoHomeWhileTheHomeRegionLivesAndReadsStayHere() async throws {
        try await APIHarness.with(configure: Self.regionB) { h in
            let (user, token) = try await h.member(.user)
            try await h.store.setHomeRegion("a", organizationId: user.organizationId)
            let (local, localToken) = try await h.member(.user)
            try await h.store.setHomeRegion("b", organizationId: local.organizationId)
            let job = #"{"source":{"uploadId":"\#(UploadID.make())"},"clips":[{"start":0,"end":1}]}"#
            try await h.test { client in
                // Region a has no live worker yet: it is taken to be lost, and b serves its writes.
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)
                ) { #expect($0.status != .temporaryRedirect, "no live worker in a: served here") }
            }
            try await h.store.workerSeen("worker-in-a", capabilities: [.cpu], region: "a")
            // A new application: the replica keeps what it learned of the regions for a moment.
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/jobs?limit=5", method: .post, headers: .bearer(token, json: true), body: .json(job)
                ) { response in
                    #expect(response.status == .temporaryRedirect)
                    #expect(response.headers[.location] == "https://a.clipgen.test/v1/jobs?limit=5")
                    #expect(response.headers[.clipGenHomeRegion] == "a" && response.headers[.clipGenRegion] == "b")
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "x")
                ) { #expect($0.status == .temporaryRedirect, "uploads are writes") }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .ok, "reads are served here")
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(localToken), body: ByteBuffer(string: "x")
                ) { #expect($0.status == .created, "an organisation homed here writes here") }
            }
        }
    }
}
