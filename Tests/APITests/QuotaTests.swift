@testable import API
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@Suite struct QuotaTests {
    @Test func concurrentJobsStoredBytesAndUploadSizeAreHeldPerOrganisation() async throws {
        let operatorToken = String(repeating: "p", count: 40)
        try await APIHarness.with(configure: { $0.quotas.concurrentJobs = 2; $0.auth.operatorToken = operatorToken }) { h in
            let (user, token) = try await h.member(.user)
            let (_, otherToken) = try await h.member(.user)
            try await h.test { client in
                let upload = try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "12345678")) {
                    $0.object["id"] as? String ?? ""
                }
                let job = #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#
                var ids: [String] = []
                for _ in 0..<2 {
                    ids.append(try await client.execute(uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)) {
                        #expect($0.status == .accepted)
                        return $0.object["id"] as? String ?? ""
                    })
                }
                try await client.execute(uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.headers[.retryAfter] == "30" && response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) { #expect(($0.object["items"] as? [Any])?.count == 2, "no half-made job") }
                try await client.execute(uri: "/v1/jobs/\(ids[0])/cancel", method: .post, headers: .bearer(token)) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)) { #expect($0.status == .accepted) }

                // The operator gives the organisation 10 stored bytes and 6-byte uploads.
                let quotas = #"{"storedBytes":10,"uploadBytes":6}"#
                try await client.execute(uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put, headers: .bearer(token, json: true),
                                         body: .json(quotas)) { #expect($0.status == .unauthorized, "a user's token is not the operator's") }
                try await client.execute(uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put, headers: .bearer(operatorToken, json: true),
                                         body: .json(quotas)) { #expect($0.status == .ok, "\(String(buffer: $0.body))") }
                try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "1234567")) { response in
                    #expect(response.status == .contentTooLarge, "over the upload size")
                }
                try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "abcde")) { response in
                    #expect(response.status == .conflict, "8 + 5 bytes is over the 10 stored")
                }
                try await client.execute(uri: "/v1/uploads", method: .get, headers: .bearer(token)) { #expect(($0.object["items"] as? [Any])?.count == 1) }
                try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(otherToken), body: ByteBuffer(string: "abcde")) {
                    #expect($0.status == .created, "another organisation has its own quota")
                }
                try await client.execute(uri: "/v1/quotas", method: .get, headers: .bearer(token)) { response in
                    let limits = response.object["limits"] as? [String: Any] ?? [:]
                    let usage = response.object["usage"] as? [String: Any] ?? [:]
                    #expect(limits["concurrentJobs"] as? Int == 2 && limits["storedBytes"] as? Int == 10 && limits["uploadBytes"] as? Int == 6)
                    #expect(usage["activeJobs"] as? Int == 2 && usage["storedBytes"] as? Int == 8)
                }
                try await client.execute(uri: "/v1/organizations/\(OrganizationID.make())/quotas", method: .put, headers: .bearer(operatorToken, json: true),
                                         body: .json(quotas)) { #expect($0.status == .notFound) }
                try await client.execute(uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put, headers: .bearer(operatorToken, json: true),
                                         body: .json(#"{"concurrentJobs":0}"#)) { #expect($0.status == .unprocessableContent) }
            }
            let stored = try FileManager.default.contentsOfDirectory(atPath: h.directory + "/blobs/uploads")
            #expect(stored.count == 2, "only the accepted uploads are on disk: \(stored)")
        }
    }
}
