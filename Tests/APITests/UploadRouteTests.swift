import ClipGenCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Persistence
import PersistenceSQLite
import Testing

@testable import API

@Suite struct UploadRouteTests {
    @Test func rawAndMultipartUploadsOfTheSameBytesShareStorage() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            let payload = String(repeating: "0123456789", count: 5000)
            try await h.test { client in
                var raw = HTTPFields.bearer(token)
                raw[HTTPField.Name("X-Filename")!] = "talk.mp4"
                let first = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: raw, body: ByteBuffer(string: payload)
                ) { response in
                    #expect(response.status == .created)
                    #expect(response.headers[.location]?.hasPrefix("/v1/uploads/") == true)
                    return response.object
                }
                #expect(first["filename"] as? String == "talk.mp4" && first["size"] as? Int == payload.utf8.count)

                let boundary = "----clipgen-test-boundary"
                let form =
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n"
                        + """
                        --\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; \
                        filename=\"../../evil/clip.mp4\"\r\nContent-Type: video/mp4\r\n\r\n
                        """
                    + payload + "\r\n--\(boundary)--\r\n"
                var multipart = HTTPFields.bearer(token)
                multipart[.contentType] = "multipart/form-data; boundary=\(boundary)"
                let second = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: multipart, body: ByteBuffer(string: form)
                ) { response in
                    #expect(response.status == .created)
                    return response.object
                }
                #expect(second["sha256"] as? String == first["sha256"] as? String)
                #expect(second["filename"] as? String == "clip.mp4", "path parts of client filenames are dropped")
                #expect(second["id"] as? String != first["id"] as? String)
            }
            #expect(Self.files(under: h.directory + "/blobs/uploads").count == 1, "identical bytes are stored once")
        }
    }

    @Test func tooLargeIs413AndLeavesNothing() async throws {
        try await APIHarness.with(maxUploadBytes: 1000) { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: .bearer(token),
                    body: ByteBuffer(repeating: 7, count: 5000)
                ) { response in
                    #expect(response.status == .contentTooLarge)
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                try await client.execute(uri: "/v1/uploads", method: .get, headers: .bearer(token)) { response in
                    #expect((response.object["items"] as? [Any])?.isEmpty == true)
                }
            }
            #expect(Self.files(under: h.directory + "/blobs").isEmpty, "no temp file, no blob")
        }
    }

    @Test func emptyUploadsAre422AndLeaveNoBlob() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                try await client.execute(uri: "/v1/uploads", method: .post, headers: .bearer(token), body: ByteBuffer())
                { response in
                    #expect(response.status == .unprocessableContent)
                }
            }
            #expect(Self.files(under: h.directory + "/blobs").isEmpty)
        }
    }

    @Test func malformedMultipartIs400() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                var headers = HTTPFields.bearer(token)
                headers[.contentType] = "multipart/form-data; boundary=xyz"
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: headers,
                    body: ByteBuffer(string: "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end")
                ) { response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: headers,
                    body: ByteBuffer(
                        string: "--xyz\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--xyz--\r\n")
                ) { response in
                    #expect(response.status == .badRequest)
                }
            }
        }
    }

    @Test(arguments: [1, 3, 7, 64])
    func multipartParsingSurvivesAnyChunking(chunkSize: Int) async throws {
        let boundary = "b0undary"
        let content = (0..<3000).map { UInt8($0 % 251) }
        var form = Array(
            "preamble\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n"
                .utf8)
        form += content
        form += Array("\r\n--\(boundary)--\r\nepilogue".utf8)
        let chunks = stride(from: 0, to: form.count, by: chunkSize).map {
            ByteBuffer(bytes: form[$0..<min($0 + chunkSize, form.count)])
        }
        let stream = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let part = MultipartFileSequence(base: stream, boundary: boundary, fieldName: "file")
        var received: [UInt8] = []
        for try await chunk in part { received += chunk.readableBytesView }
        #expect(received == content)
        #expect(part.filename == "a.bin")
    }

    /// Round 3's L12: a form's other parts were not counted, so a 5 MB junk field passed a 1 MB
    /// limit; and a quoted `;` in a filename broke the part's parameters.
    @Test func everyPartOfAFormCountsAgainstTheLimitAndQuotedParametersParse() async throws {
        try await APIHarness.with(maxUploadBytes: 1_000_000) { h in
            let (_, token) = try await h.member(.user)
            let boundary = "b0undary"
            var form = HTTPFields.bearer(token)
            form[.contentType] = "multipart/form-data; boundary=\"\(boundary)\""
            let headers = form
            try await h.test { client in
                let junk =
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\n"
                    + String(repeating: "j", count: 5_000_000)
                        + """
                        \r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; \
                        filename=\"a.mp4\"\r\n\r\nvideo\r\n--\(boundary)--\r\n
                        """
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: headers, body: ByteBuffer(string: junk)
                ) { response in
                    #expect(response.status == .contentTooLarge, "\(String(buffer: response.body))")
                }
                let quoted =
                    """
                    --\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x;name=evil \
                    \\\"q\\\".mp4\"\r\n\r\nvideo\r\n--\(boundary)--\r\n
                    """
                try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: headers, body: ByteBuffer(string: quoted)
                ) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    #expect(response.object["filename"] as? String == "x;name=evil \"q\".mp4")
                }
            }
            #expect(Self.files(under: h.directory + "/blobs/uploads").count == 1, "the refused form left nothing")
        }
        #expect(
            HeaderParameters.parse(#"form-data; name="file"; filename="a;b=c.mp4"; x=y"#).map {
                "\($0.name)=\($0.value)"
            }
                == ["name=file", "filename=a;b=c.mp4", "x=y"])
    }

    /// Round 3's L10: an uploader's quote ended the filename and added parameters of their own.
    @Test func downloadNamesAreQuotedSafelyWithTheExactNameAsFilenameStar() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                var raw = HTTPFields.bearer(token)
                raw[HTTPField.Name("X-Filename")!] = #"a".mp4; filename*=UTF-8''evil.html"#
                let id = try await client.execute(
                    uri: "/v1/uploads", method: .post, headers: raw, body: ByteBuffer(string: "video")
                ) { response in
                    response.object["id"] as? String ?? ""
                }
                try await client.execute(uri: "/v1/uploads/\(id)/content", method: .get, headers: .bearer(token)) {
                    response in
                    #expect(
                        response.headers[.contentDisposition]
                            == #"attachment; filename="a_.mp4; filename*=UTF-8''evil.html"; "#
                            + #"filename*=UTF-8''a%22.mp4%3B%20filename%2A%3DUTF-8%27%27evil.html"#)
                }
            }
        }
        #expect(
            ContentDisposition.attachment(filename: "résumé\\.mp4")
                == #"attachment; filename="r_sum__.mp4"; filename*=UTF-8''r%C3%A9sum%C3%A9%5C.mp4"#)
    }

    /// Regular files below `directory`, as relative paths.
    static func files(under directory: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []).filter {
            (try? FileManager.default.attributesOfItem(atPath: directory + "/" + $0)[.type] as? FileAttributeType)
                == .typeRegular
        }
    }
}

@Suite struct RequestFramingTests {
    @Test func decodeErrorsNameTheFieldPath() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                for (body, field) in [
                    (#"{"source":{"uploadId":"u"},"clips":[{"start":true,"end":1}]}"#, "clips[0].start"),
                    (#"{"source":{"uploadId":"u"},"clips":[{"end":1}]}"#, "clips[0].start"),
                    (#"{"source":{"uploadId":7},"clips":[]}"#, "source.uploadId"),
                ] {
                    try await client.execute(
                        uri: "/v1/jobs", method: .post, headers: .bearer(token, json: true), body: .json(body)
                    ) { response in
                        #expect(response.status == .badRequest, "\(body)")
                        let fields = (response.object["errors"] as? [[String: String]])?.compactMap { $0["field"] }
                        #expect(fields == [field], "\(body): \(String(buffer: response.body))")
                    }
                }
            }
        }
    }

    @Test func aMultipartBodyWithoutABoundaryIsRefusedNotStored() async throws {
        try await APIHarness.with { h in
            let (_, token) = try await h.member(.user)
            try await h.test { client in
                for contentType in [
                    "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=x",
                ] {
                    var headers = HTTPFields.bearer(token)
                    headers[.contentType] = contentType
                    try await client.execute(
                        uri: "/v1/uploads", method: .post, headers: headers,
                        body: ByteBuffer(
                            string: "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--x--\r\n")
                    ) { response in
                        #expect(response.status == .badRequest, "\(contentType)")
                    }
                }
                try await client.execute(uri: "/v1/uploads", method: .get, headers: .bearer(token)) { response in
                    #expect((response.object["items"] as? [Any])?.isEmpty == true)
                }
            }
            #expect(
                (try? FileManager.default.contentsOfDirectory(atPath: h.directory + "/blobs/uploads"))?.isEmpty ?? true)
        }
    }
}
