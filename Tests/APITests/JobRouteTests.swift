import BlobStorage
import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import PersistenceSQLite
import Testing
import WebApp

@testable import API

@Suite struct JobRouteTests {
    func upload(_ client: any TestClientProtocol, _ token: String) async throws -> String {
        try await client.execute(
            uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "bytes")
        ) {
            $0.object["id"] as? String ?? ""
        }
    }

    @Test func invalidRequestsAnswer422WithFieldErrorsAndWriteNothing() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                let id = try await upload(client, token)
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(id)"},"clips":[{"start":10,"end":"00:00:05"}]}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = response.object["errors"] as? [[String: String]]
                    #expect(errors?.first?["field"] == "clips[0].end")
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(Identifier.make())"},"clips":[{"start":1,"end":2}]}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = response.object["errors"] as? [[String: String]]
                    #expect(errors?.first?["field"] == "source.uploadId")
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(#"{"source":"#)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(#"{"clips":[]}"#)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect((response.object["detail"] as? String)?.contains("source") == true)
                }
            }
            #expect(try await h.store.queueSize() == 0)
        }
    }

    @Test(arguments: [
        (#""highlights":{"count":0}"#, "highlights.count"),
        (#""highlights":{"count":21}"#, "highlights.count"),
        (#""highlights":{"count":2,"minDuration":30,"maxDuration":20}"#, "highlights.maxDuration"),
        (#""highlights":{"count":2,"minDuration":0.5}"#, "highlights.minDuration"),
        (#""highlights":{"count":2,"minDuration":4},"output":{"fadeSeconds":3}"#, "highlights.minDuration"),
    ])
    func badHighlightRequestsNameTheField(fragment: String, field: String) async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                let id = try await upload(client, token)
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(id)"},\#(fragment)}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = response.object["errors"] as? [[String: String]]
                    #expect(errors?.contains { $0["field"] == field } == true, "\(String(describing: errors))")
                }
            }
            #expect(try await h.store.queueSize() == 0)
        }
    }

    @Test func highlightAndAnalyseJobsAreAcceptedWithAnAnalysisLink() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                let id = try await upload(client, token)
                for body in [#""highlights":{"count":3}"#, #""analyze":true"#] {
                    try await client.execute(
                        uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                        body: .json(#"{"source":{"uploadId":"\#(id)"},\#(body)}"#)
                    ) { response in
                        #expect(response.status == .accepted)
                        let job = response.object["id"] as? String ?? ""
                        #expect(response.object["analysisUrl"] as? String == "/v1/jobs/\(job)/analysis")
                        try await client.execute(uri: "/v1/jobs/\(job)/analysis", method: .get, headers: .bearer(token))
                        { analysis in
                            #expect(analysis.status == .notFound)
                            #expect((analysis.object["detail"] as? String)?.contains("not ready") == true)
                        }
                    }
                }
            }
        }
    }

    @Test func createGetListCancelAndIdempotency() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                let id = try await upload(client, token)
                let body = ByteBuffer.json(
                    #"""
                    {"source":{"uploadId":"\#(id)"},"clips":[{"start":1,"end":2.5,"name":"intro"}],\#
                    "output":{"mode":"exact"}}
                    """#
                )
                var headers = HTTPFields.bearer(token, json: true)
                headers[HTTPField.Name("Idempotency-Key")!] = "retry-me"
                let job = try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: body) {
                    response in
                    #expect(response.status == .accepted)
                    let json = response.object
                    #expect(response.headers[.location] == "/v1/jobs/\(json["id"] as? String ?? "")")
                    #expect(json["status"] as? String == "queued" && json["stage"] as? String == "probe")
                    #expect(json.keys.contains("error"), "error is present as null")
                    return json["id"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: body) { response in
                    #expect(response.object["id"] as? String == job)
                }
                #expect(try await h.store.queueSize() == 1)
                try await client.execute(uri: "/v1/jobs?status=queued&limit=5", method: .get, headers: .bearer(token)) {
                    response in
                    let items = response.object["items"] as? [[String: Any]]
                    #expect(items?.map { $0["id"] as? String } == [job])
                }
                try await client.execute(uri: "/v1/jobs?status=bogus", method: .get, headers: .bearer(token)) {
                    response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(uri: "/v1/jobs/\(job)/cancel", method: .post, headers: .bearer(token)) {
                    response in
                    #expect(response.object["status"] as? String == "cancelled")
                }
                #expect(try await h.store.queueSize() == 0)
            }
        }
    }

    @Test func aFinishedJobReadsTheSameFromItsCacheAndNeverOnceDeletedOrElsewhere() async throws {
        try await APIHarness.with { h in
            let (owner, token) = try await h.member(.user)
            let (_, stranger) = try await h.member(.user)
            try await h.test { client in
                let id = try await upload(client, token)
                let job = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(id)"},"clips":[{"start":1,"end":2}]}"#)
                ) {
                    $0.object["id"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/jobs/\(job)/cancel", method: .post, headers: .bearer(token)) {
                    #expect($0.status == .ok)
                }
                let first = try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(token)) {
                    String(buffer: $0.body)
                }
                let second = try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(token)) {
                    response in
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    return String(buffer: response.body)
                }
                #expect(first == second && first.contains(#""status":"cancelled""#))
                try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(stranger)) {
                    #expect($0.status == .notFound)
                }
                // Deleted behind this replica's back: the store says so, and the cached copy is not served.
                _ = try await h.store.deleteJob(id: JobID(rawValue: job), organizationId: owner.organizationId)
                try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .notFound)
                }
            }
        }
    }

    @Test func onlyOwnersAndAdminsCancelOrDelete() async throws {
        try await APIHarness.with { h in
            let (owner, ownerToken) = try await h.member(.user)
            let (_, colleagueToken) = try await h.member(.user, organization: owner.organizationId)
            let (_, adminToken) = try await h.member(.admin, organization: owner.organizationId)
            try await h.test { client in
                let id = try await upload(client, ownerToken)
                let job = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(ownerToken, json: true),
                    body: .json(#"{"source":{"uploadId":"\#(id)"},"clips":[{"start":1,"end":2}]}"#)
                ) {
                    $0.object["id"] as? String ?? ""
                }
                // A colleague may read the job but not stop it: cancelling follows the rule deleting does.
                try await client.execute(uri: "/v1/jobs/\(job)/cancel", method: .post, headers: .bearer(colleagueToken))
                { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(colleagueToken)) {
                    response in
                    #expect(response.status == .ok && response.object["status"] as? String == "queued")
                }
                try await client.execute(uri: "/v1/jobs/\(job)", method: .delete, headers: .bearer(colleagueToken)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/uploads/\(id)", method: .delete, headers: .bearer(colleagueToken)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/jobs/\(job)/cancel", method: .post, headers: .bearer(adminToken)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(uri: "/v1/jobs/\(job)", method: .delete, headers: .bearer(adminToken)) {
                    #expect($0.status == .noContent)
                }
                try await client.execute(uri: "/v1/jobs/\(job)", method: .get, headers: .bearer(ownerToken)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/v1/uploads/\(id)", method: .delete, headers: .bearer(ownerToken)) {
                    #expect($0.status == .noContent)
                }
            }
        }
    }

    @Test func anIncomingRequestIdIsAdoptedAndEveryAnswerCarriesOne() async throws {
        try await APIHarness.with { h in
            try await h.test { client in
                try await client.execute(
                    uri: "/healthz", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "from-nginx.42"]
                ) { response in
                    #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "from-nginx.42")
                }
                try await client.execute(
                    uri: "/v1/jobs/nope", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "bad id\r\nx"]
                ) { response in
                    let id = response.headers[HTTPField.Name("X-Request-Id")!]
                    #expect(response.status == .unauthorized && id != nil && id != "bad id\r\nx")
                    #expect(response.object["requestId"] as? String == id, "the problem body names the same id")
                }
            }
        }
    }

    @Test func healthAndReadiness() async throws {
        try await APIHarness.with { h in
            try await h.test { client in
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.object["status"] as? String == "ready")
                    let dependencies = response.object["dependencies"] as? [String: [String: Any]] ?? [:]
                    #expect(dependencies.keys.sorted() == ["blobStore", "database"])
                    #expect(
                        dependencies.values.allSatisfy {
                            $0["state"] as? String == "up" && $0["essential"] as? Bool == true
                        })
                }
            }
        }
    }
}

@Suite struct ByteRangeTests {
    @Test func parsesTheForms() {
        #expect(ByteRange.parse("bytes=0-99", size: 1000) == .satisfiable(0...99))
        #expect(ByteRange.parse("bytes=900-", size: 1000) == .satisfiable(900...999))
        #expect(ByteRange.parse("bytes=-100", size: 1000) == .satisfiable(900...999))
        #expect(ByteRange.parse("bytes=990-5000", size: 1000) == .satisfiable(990...999))
        #expect(ByteRange.parse("bytes=1000-", size: 1000) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=5-1", size: 1000) == nil)
        #expect(ByteRange.parse("bytes=0-1,5-6", size: 1000) == nil)
        #expect(ByteRange.parse("items=0-1", size: 1000) == nil)
        #expect(ByteRange.parse(nil, size: 1000) == nil)
        // Numbers past Int64: a last byte clamps to the end, a first byte is past it, a suffix takes it all.
        #expect(ByteRange.parse("bytes=0-99999999999999999999999", size: 1000) == .satisfiable(0...999))
        #expect(ByteRange.parse("bytes=99999999999999999999999-", size: 1000) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=-99999999999999999999999", size: 1000) == .satisfiable(0...999))
        #expect(ByteRange.parse("bytes=+1-5", size: 1000) == nil)
        #expect(ByteRange.parse("bytes=1--5", size: 1000) == nil)
    }

    @Test func ifNoneMatchReadsListsAndWeakTags() {
        let etag = "\"abc\""
        #expect(EntityTag.matchesNoneOf([], etag: etag) == nil)
        #expect(EntityTag.matchesNoneOf(["\"abc\""], etag: etag) == false)
        #expect(EntityTag.matchesNoneOf(["W/\"abc\""], etag: etag) == false)
        #expect(EntityTag.matchesNoneOf(["\"x\", W/\"abc\""], etag: etag) == false)
        #expect(EntityTag.matchesNoneOf(["\"x\"", "\"abc\""], etag: etag) == false)
        #expect(EntityTag.matchesNoneOf(["*"], etag: etag) == false)
        #expect(EntityTag.matchesNoneOf(["\"x\", \"y\""], etag: etag) == true)
    }
}
