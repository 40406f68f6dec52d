import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

/// `/v1/batches`: one preset and job fields applied to many sources, written whole or refused
/// whole with every field to fix, inside the organisation's job limit, listed, shown with its
/// jobs and cancelled together.
@Suite struct BatchRouteTests {
    private func uploads(_ count: Int, _ client: some TestClientProtocol, _ token: String) async throws -> [String] {
        var ids: [String] = []
        for number in 0..<count {
            ids.append(
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token),
                    body: ByteBuffer(string: "video \(number)")
                ) { $0.object["id"] as? String ?? "" })
        }
        return ids
    }

    private func sources(_ ids: [String]) -> String {
        ids.map { #"{"uploadId":"\#($0)"}"# }.joined(separator: ",")
    }

    @Test func aBatchAppliesAPresetToEverySourceAndIsCancelledTogether() async throws {
        try await APIHarness.with { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/presets/shorts", method: .put, headers: .bearer(token, json: true),
                    body: .json(#"{"settings":{"output":{"format":"webm","aspect":"9:16"},"thumbnails":false}}"#)
                ) { #expect($0.status == .ok) }
                let ids = try await uploads(3, client, token)
                let body = #"""
                    {"name":"week 12","preset":"shorts","webhookUrl":"https://hooks.example.com/b",
                     "job":{"clips":[{"start":0,"end":1}],"output":{"height":480},"priority":3},
                     "sources":[\#(sources(ids))]}
                    """#
                let batch = try await client.execute(
                    uri: "/v1/batches", method: .post, headers: .bearer(token, json: true), body: .json(body)
                ) { response in
                    #expect(response.status == .accepted, "\(String(buffer: response.body))")
                    let object = response.object
                    #expect(response.headers[.location] == "/v1/batches/\(object["id"] as? String ?? "")")
                    #expect(object["status"] as? String == "running" && object["total"] as? Int == 3)
                    #expect((object["counts"] as? [String: Any])?["queued"] as? Int == 3)
                    #expect(object["name"] as? String == "week 12" && object["preset"] as? String == "shorts")
                    return object
                }
                let jobs = batch["jobs"] as? [[String: Any]] ?? []
                #expect(jobs.map { ($0["source"] as? [String: Any])?["uploadId"] as? String } == ids)
                let batchId = try #require(batch["id"] as? String)
                for entry in jobs {
                    let job = try #require(
                        try await h.store.job(
                            id: JobID(rawValue: entry["id"] as? String ?? ""), organizationId: user.organizationId))
                    #expect(job.request.batch?.rawValue == batchId && job.request.preset == "shorts")
                    let output = job.request.resolvedOutput
                    #expect(output.format == .webm && output.aspect == .vertical && output.height == 480)
                    #expect(job.request.priority == 3 && job.request.thumbnails == false)
                    #expect(job.request.webhookUrl == nil, "the batch's webhook is the batch's, not each job's")
                }
                try await client.execute(
                    uri: "/v1/jobs/\(jobs.first?["id"] as? String ?? "")", method: .get, headers: .bearer(token)
                ) { #expect($0.object["batchId"] as? String == batchId) }
                try await client.execute(uri: "/v1/batches", method: .get, headers: .bearer(token)) { response in
                    let items = response.object["items"] as? [[String: Any]] ?? []
                    #expect(items.map { $0["id"] as? String } == [batchId] && items.first?["jobs"] == nil)
                }

                try await client.execute(
                    uri: "/v1/batches/\(batchId)/cancel", method: .post, headers: .bearer(token)
                ) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    #expect(response.object["status"] as? String == "cancelled")
                    #expect((response.object["counts"] as? [String: Any])?["cancelled"] as? Int == 3)
                    #expect(response.object["finishedAt"] != nil)
                }
                // Nobody else's: another organisation gets 404.
                let (_, stranger) = try await h.member(.admin)
                try await client.execute(uri: "/v1/batches/\(batchId)", method: .get, headers: .bearer(stranger)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(
                    uri: "/v1/batches/\(batchId)/clips.zip", method: .get, headers: .bearer(stranger)
                ) { #expect($0.status == .notFound) }
            }
        }
    }

    @Test func aBatchIsRefusedWholeNamingEveryFieldToFix() async throws {
        try await APIHarness.with { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                let ids = try await uploads(2, client, token)
                let missing = UUID().uuidString.lowercased()
                let many = Array(repeating: #"{"uploadId":"\#(ids[0])"}"#, count: Batch.maxSources + 1)
                for (body, fields) in [
                    (#"{"job":{"clips":[{"start":0,"end":1}]}}"#, ["sources"]),
                    (
                        #"{"sources":[\#(many.joined(separator: ","))],"job":{"clips":[{"start":0,"end":1}]}}"#,
                        ["sources"]
                    ),
                    (
                        #"{"sources":[\#(sources([ids[0], missing, ids[1]]))],"job":{"clips":[{"start":0,"end":1}]}}"#,
                        ["sources[1].uploadId"]
                    ),
                    (
                        #"{"sources":[\#(sources(ids))],"job":{"source":{"uploadId":"\#(ids[0])"},"clips":[{"start":0,"end":1}]}}"#,
                        ["job.source"]
                    ),
                    (#"{"sources":[\#(sources(ids))],"job":{"clips":[{"start":2,"end":1}]}}"#, ["job.clips[0].end"]),
                    (#"{"sources":[\#(sources(ids))],"preset":"nothing","job":{}}"#, ["preset"]),
                    (#"{"sources":[\#(sources(ids))],"webhookUrl":"ftp://x","colour":1}"#, ["colour", "webhookUrl"]),
                    (
                        #"{"sources":[{"url":"http://127.0.0.1/x.mp4"}],"job":{"clips":[{"start":0,"end":1}]}}"#,
                        ["sources[0].url"]
                    ),
                ] {
                    try await client.execute(
                        uri: "/v1/batches", method: .post, headers: .bearer(token, json: true), body: .json(body)
                    ) { response in
                        #expect(response.status == .unprocessableContent, "\(body): \(String(buffer: response.body))")
                        #expect(response.fields == fields, "\(body): \(String(buffer: response.body))")
                    }
                }
                // A job cannot claim a batch for itself.
                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(
                        #"{"source":{"uploadId":"\#(ids[0])"},"clips":[{"start":0,"end":1}],"batch":"\#(missing)"}"#)
                ) { #expect($0.status == .unprocessableContent && $0.fields == ["batch"]) }
                try await client.execute(uri: "/v1/batches", method: .get, headers: .bearer(token)) {
                    #expect(($0.object["items"] as? [Any])?.isEmpty == true)
                }
                #expect(
                    try await h.store.jobs(organizationId: user.organizationId, status: nil, page: .init()).items
                        .isEmpty, "nothing half-written")
            }
        }
    }

    @Test func aBatchFitsTheOrganisationsJobLimitWholeOrNotAtAll() async throws {
        try await APIHarness.with(configure: { $0.quotas.concurrentJobs = 3 }) { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                let ids = try await uploads(4, client, token)
                let job = #""job":{"clips":[{"start":0,"end":1}]}"#
                try await client.execute(
                    uri: "/v1/batches", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"sources":[\#(sources(ids))],\#(job)}"#)
                ) { response in
                    #expect(response.status == .tooManyRequests, "\(String(buffer: response.body))")
                    #expect((response.object["detail"] as? String)?.contains("4 jobs") == true)
                }
                #expect(
                    try await h.store.jobs(organizationId: user.organizationId, status: nil, page: .init()).items
                        .isEmpty)
                try await client.execute(
                    uri: "/v1/batches", method: .post, headers: .bearer(token, json: true),
                    body: .json(#"{"sources":[\#(sources(Array(ids.prefix(3))))],\#(job)}"#)
                ) { #expect($0.status == .accepted, "\(String(buffer: $0.body))") }
            }
        }
    }

    /// Even when the first submission filled the organisation's job limit.
    @Test func aBatchRetriedWithItsIdempotencyKeyIsMadeOnce() async throws {
        try await APIHarness.with(configure: { $0.quotas.concurrentJobs = 2 }) { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                let ids = try await uploads(2, client, token)
                var headers = HTTPFields.bearer(token, json: true)
                headers[.idempotencyKey] = "week-12"
                let body = #"{"sources":[\#(sources(ids))],"job":{"clips":[{"start":0,"end":1}]}}"#
                var made: [String] = []
                // The retry spaces its JSON otherwise: the same batch all the same.
                for text in [body, body.replacingOccurrences(of: ",", with: ", ")] {
                    made.append(
                        try await client.execute(uri: "/v1/batches", method: .post, headers: headers, body: .json(text))
                        {
                            response in
                            #expect(response.status == .accepted, "\(String(buffer: response.body))")
                            #expect((response.object["jobs"] as? [Any])?.count == 2)
                            return response.object["id"] as? String ?? ""
                        })
                }
                #expect(made[0] == made[1] && !made[0].isEmpty)
                #expect(
                    try await h.store.jobs(organizationId: user.organizationId, status: nil, page: .init()).items.count
                        == 2)
                try await client.execute(
                    uri: "/v1/batches", method: .post, headers: headers,
                    body: .json(#"{"sources":[\#(sources([ids[0]]))],"job":{"clips":[{"start":0,"end":1}]}}"#)
                ) { #expect($0.status == .unprocessableContent, "another batch under the same key") }
            }
        }
    }
}
