import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import API

/// `/v1/presets` and jobs that name one: saved as written and checked as a job would be, laid
/// under the job's own fields key by key, kept to its organisation, writable by those who may
/// create jobs.
@Suite struct PresetTests {
    @Test func aSavedPresetFillsWhatTheJobLeavesOut() async throws {
        try await APIHarness.with { h in
            let (user, token) = try await h.member(.user)
            try await h.test { client in
                let saved = #"""
                    {"description":"phone shorts","settings":{"output":{"format":"webm","aspect":"9:16","height":720},
                     "thumbnails":false,"chapters":true}}
                    """#
                try await client.execute(
                    uri: "/v1/presets/shorts", method: .put, headers: .bearer(token, json: true), body: .json(saved)
                ) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    #expect(response.object["name"] as? String == "shorts" && response.object["updatedAt"] != nil)
                }
                try await client.execute(uri: "/v1/presets", method: .get, headers: .bearer(token)) {
                    let items = $0.object["items"] as? [[String: Any]] ?? []
                    #expect(items.map { $0["name"] as? String } == ["shorts"])
                    #expect(items.first?["description"] as? String == "phone shorts")
                }
                let upload = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer(string: "12345678")
                ) { $0.object["id"] as? String ?? "" }
                // The job's height wins; the preset's format, aspect and other fields fill the rest.
                let id = try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(
                        #"{"source":{"uploadId":"\#(upload)"},"preset":"shorts","clips":[{"start":0,"end":1}],"output":{"height":480}}"#
                    )
                ) { response in
                    #expect(response.status == .accepted, "\(String(buffer: response.body))")
                    return response.object["id"] as? String ?? ""
                }
                let job = try #require(
                    try await h.store.job(id: JobID(rawValue: id), organizationId: user.organizationId))
                #expect(job.request.preset == "shorts")
                let output = job.request.resolvedOutput
                #expect(output.format == .webm && output.aspect == .vertical && output.height == 480, "\(output)")
                #expect(job.request.thumbnails == false && job.request.chapters == true)

                try await client.execute(
                    uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true),
                    body: .json(
                        #"{"source":{"uploadId":"\#(upload)"},"preset":"longform","clips":[{"start":0,"end":1}]}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.fields == ["preset"], "\(String(buffer: response.body))")
                }

                try await client.execute(uri: "/v1/presets/shorts", method: .delete, headers: .bearer(token)) {
                    #expect($0.status == .noContent)
                }
                try await client.execute(uri: "/v1/presets/shorts", method: .get, headers: .bearer(token)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/v1/presets/shorts", method: .delete, headers: .bearer(token)) {
                    #expect($0.status == .notFound)
                }
            }
        }
    }

    @Test func aPresetIsCheckedAsAJobWouldBe() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                for (uri, body, fields) in [
                    ("/v1/presets/Bad%20Name", #"{"settings":{}}"#, ["name"]),
                    (
                        "/v1/presets/p", #"{"settings":{"clips":[{"start":0,"end":1}],"source":{}}}"#,
                        ["settings.clips", "settings.source"]
                    ),
                    ("/v1/presets/p", #"{"settings":{"output":{"aspect":"3:2"}}}"#, ["settings.output.aspect"]),
                    (
                        "/v1/presets/p", #"{"settings":{"chapters":true,"output":{"format":"gif"}}}"#,
                        ["settings.chapters"]
                    ),
                    ("/v1/presets/p", #"{"settings":{},"colour":"red"}"#, ["colour"]),
                ] {
                    try await client.execute(
                        uri: uri, method: .put, headers: .bearer(token, json: true), body: .json(body)
                    ) {
                        response in
                        #expect(
                            [.unprocessableContent, .badRequest].contains(response.status)
                                && Set(response.fields) == Set(fields),
                            "\(body): \(String(buffer: response.body))")
                    }
                }
                try await client.execute(uri: "/v1/presets", method: .get, headers: .bearer(token)) {
                    #expect(($0.object["items"] as? [Any])?.isEmpty == true, "nothing refused was saved")
                }
            }
        }
    }

    @Test func presetsBelongToTheirOrganisationAndViewersOnlyReadThem() async throws {
        try await APIHarness.with { h in
            let (admin, adminToken) = try await h.member(.admin)
            let (_, viewerToken) = try await h.member(.viewer, organization: admin.organizationId)
            let (_, strangerToken) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/presets/house", method: .put, headers: .bearer(adminToken, json: true),
                    body: .json(#"{"settings":{"analyze":true}}"#)
                ) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/presets/house", method: .get, headers: .bearer(viewerToken)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(
                    uri: "/v1/presets/house", method: .put, headers: .bearer(viewerToken, json: true),
                    body: .json(#"{"settings":{}}"#)
                ) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/v1/presets/house", method: .get, headers: .bearer(strangerToken)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/v1/presets", method: .get, headers: .bearer(strangerToken)) {
                    #expect(($0.object["items"] as? [Any])?.isEmpty == true)
                }
            }
        }
    }
}
