import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import Testing

@testable import API

@Suite struct QuotaTests {
    @Test func concurrentJobsStoredBytesAndUploadSizeAreHeldPerOrganisation() async throws {
        let operatorToken = String(repeating: "p", count: 40)
        try await APIHarness.with(configure: {
            $0.quotas.concurrentJobs = 2
            $0.auth.operatorToken = operatorToken
        }) { h in
            let (user, token) = try await h.member(.user)
            let (_, otherToken) = try await h.member(.user)
            try await h.test { client in
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "12345678")
                ) {
                    $0.object["id"] as? String ?? ""
                }
                let job = #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#
                var ids: [String] = []
                for _ in 0..<2 {
                    ids.append(
                        try await client.execute(
                            uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)
                        ) {
                            #expect($0.status == .accepted)
                            return $0.object["id"] as? String ?? ""
                        })
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)
                ) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(
                        response.headers[.retryAfter] == "30"
                            && response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) {
                    #expect(($0.object["items"] as? [Any])?.count == 2, "no half-made job")
                }
                try await client.execute(uri: "/v1/jobs/\(ids[0])/cancel", method: .post, headers: .bearer(token)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(job)
                ) { #expect($0.status == .accepted) }

                // The operator gives the organisation 10 stored bytes and 6-byte uploads.
                let quotas = #"{"storedBytes":10,"uploadBytes":6}"#
                try await client.execute(
                    uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put,
                    headers: .bearer(token, json: true),
                    body: .json(quotas)
                ) { #expect($0.status == .unauthorized, "a user's token is not the operator's") }
                try await client.execute(
                    uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put,
                    headers: .bearer(operatorToken, json: true),
                    body: .json(quotas)
                ) { #expect($0.status == .ok, "\(String(buffer: $0.body))") }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "1234567")
                ) { response in
                    #expect(response.status == .contentTooLarge, "over the upload size")
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "abcde")
                ) { response in
                    #expect(response.status == .conflict, "8 + 5 bytes is over the 10 stored")
                }
                try await client.execute(uri: "/v1/uploads", method: .get, headers: .bearer(token)) {
                    #expect(($0.object["items"] as? [Any])?.count == 1)
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(otherToken), body: ByteBuffer(string: "abcde")
                ) {
                    #expect($0.status == .created, "another organisation has its own quota")
                }
                try await client.execute(uri: "/v1/quotas", method: .get, headers: .bearer(token)) { response in
                    let limits = response.object["limits"] as? [String: Any] ?? [:]
                    let usage = response.object["usage"] as? [String: Any] ?? [:]
                    #expect(
                        limits["concurrentJobs"] as? Int == 2 && limits["storedBytes"] as? Int == 10
                            && limits["uploadBytes"] as? Int == 6)
                    #expect(usage["activeJobs"] as? Int == 2 && usage["storedBytes"] as? Int == 8)
                }
                try await client.execute(
                    uri: "/v1/organizations/\(OrganizationID.make())/quotas", method: .put,
                    headers: .bearer(operatorToken, json: true),
                    body: .json(quotas)
                ) { #expect($0.status == .notFound) }
                try await client.execute(
                    uri: "/v1/organizations/\(user.organizationId)/quotas", method: .put,
                    headers: .bearer(operatorToken, json: true),
                    body: .json(#"{"concurrentJobs":0}"#)
                ) { #expect($0.status == .unprocessableContent) }
            }
            let stored = try FileManager.default.contentsOfDirectory(atPath: h.directory + "/blobs/uploads")
            #expect(stored.count == 2, "only the accepted uploads are on disk: \(stored)")
        }
    }

    /// Round 3's M4 (b) and (c): jobs were admitted with no thought for the clips they would
    /// store (usage reached 7× the quota), and parallel uploads each saw the whole free room.
    @Test func jobsHoldRoomForTheirClipsAndParallelUploadsCannotShareTheSameRoom() async throws {
        try await APIHarness.with(configure: { $0.quotas.storedBytes = 3_000_000 }) { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                // Six uploads at once, 900 kB each: only what fits is stored.
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            try await client.execute(
                                uri: "/v1/uploads", method: .post, headers: .bearer(token),
                                body: ByteBuffer(repeating: UInt8(index), count: 900_000)
                            ) { $0.status }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .created }.count == 3, "\(statuses)")
                #expect(statuses.filter { $0 == .conflict }.count == 3, "\(statuses)")
                #expect(
                    try await h.store.usage(organizationId: user.organizationId).storedBytes == 2_700_000,
                    "no upload holds room once stored")
                let uploads = try await client.execute(uri: "/v1/uploads", method: .get, headers: .bearer(token)) {
                    ($0.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                }
                // 300 kB left: a 10 s GIF's frames would never fit, and the job is refused before it runs.
                let gif =
                    #"""
                    {"source":{"uploadId":"\#(uploads[0])"},"output":{"format":"gif","mode":"exact"},\#
                    "clips":[{"start":0,"end":10}]}
                    """#
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(gif)
                ) { response in
                    #expect(response.status == .conflict)
                    #expect(String(buffer: response.body).contains("would not fit"))
                }
                try await client.execute(uri: "/v1/jobs", method: .get, headers: .bearer(token)) {
                    #expect(($0.object["items"] as? [Any])?.isEmpty == true)
                }
                try await client.execute(uri: "/v1/uploads/\(uploads[1])", method: .delete, headers: .bearer(token)) {
                    #expect($0.status == .noContent)
                }
                try await client.execute(uri: "/v1/uploads/\(uploads[2])", method: .delete, headers: .bearer(token)) {
                    #expect($0.status == .noContent)
                }
                // Room for one short clip's estimate (a second, its poster, the storyboard), not two.
                let clip = #"{"source":{"uploadId":"\#(uploads[0])"},"clips":[{"start":0,"end":1}]}"#
                let first = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(clip)
                ) { response in
                    #expect(response.status == .accepted)
                    return response.object["id"] as? String ?? ""
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(clip)
                ) {
                    #expect($0.status == .conflict, "the first job's expected clips hold the room")
                }
                try await client.execute(uri: "/v1/jobs/\(first)/cancel", method: .post, headers: .bearer(token)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(clip)
                ) {
                    #expect($0.status == .accepted, "a cancelled job holds nothing")
                }
            }
        }
        #expect(
            OutputEstimate.bytes(
                for: JobRequest(
                    source: .init(), clips: [.init(start: 0, end: 10)], output: OutputOptions(format: .gif)),
                source: nil)
                == 10 * 900_000 + OutputEstimate.posterBytes + OutputEstimate.storyboardBytes)
    }
}
