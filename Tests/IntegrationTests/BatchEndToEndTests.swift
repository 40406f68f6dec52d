import Foundation
import Outbound
import Server
import TestSupport
import Testing

/// A batch through the real server: a preset applied to three uploads, rendered by FFmpeg, one
/// signed webhook when the last job ends, and every clip in one ZIP that decodes.
@Suite struct BatchEndToEndTests {
    @Test func aPresetBatchRendersEveryUploadSendsOneWebhookAndZipsTheClips() async throws {
        let source = try await TestMedia.shared.path("gop2s.mp4")
        try await withTemporaryDirectory { dir in
            try await WebhookDeliveryTests.withReceiver(failures: 0, in: dir) { port, secretFile, log in
                var configuration = ServerHarness.configuration(dataDir: dir + "/data")
                configuration.outbound.policy = try NetworkPolicy.parse("127.0.0.0/8").get()
                configuration.webhooks.pollInterval = .milliseconds(100)
                try await ServerHarness.run(configuration) { client in
                    let secret = try await client.getJSON("/v1/webhook-secret")["secret"] as? String ?? ""
                    try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
                    let (saved, _) = try await client.putJSON(
                        "/v1/presets/small",
                        #"{"settings":{"output":{"format":"mp4","height":240},"thumbnails":false,"quality":false}}"#)
                    #expect(saved == 200)
                    var uploads: [String] = []
                    for _ in 0..<3 { uploads.append(try await client.upload(source)) }
                    let sources = uploads.map { #"{"uploadId":"\#($0)"}"# }.joined(separator: ",")
                    let (status, batch) = try await client.postJSON(
                        "/v1/batches",
                        #"""
                        {"preset":"small","name":"three","webhookUrl":"http://127.0.0.1:\#(port)/batches",
                         "job":{"clips":[{"start":0,"end":2,"name":"opening"},{"start":2,"end":3}]},
                         "sources":[\#(sources)]}
                        """#)
                    #expect(status == 202, "\(batch)")
                    let id = try #require(batch["id"] as? String)
                    #expect(
                        try await eventually(timeout: .seconds(900)) {
                            WebhookDeliveryTests.received(log).contains {
                                ($0["body"] as? [String: Any])?["type"] as? String == "batch"
                            }
                        })
                    let ended = try await client.getJSON("/v1/batches/\(id)")
                    #expect(ended["status"] as? String == "succeeded", "\(ended)")
                    #expect((ended["counts"] as? [String: Any])?["succeeded"] as? Int == 3)
                    #expect(ended["progress"] as? Double == 1 && ended["finishedAt"] != nil)
                    // One batch webhook, signed, saying how it ended; the jobs themselves had none.
                    try await Task.sleep(for: .milliseconds(500))
                    let requests = WebhookDeliveryTests.received(log)
                    #expect(requests.count == 1, "\(requests.count) webhooks")
                    #expect(requests.first?["signatureValid"] as? Bool == true)
                    let message = requests.first?["body"] as? [String: Any] ?? [:]
                    #expect(message["batchId"] as? String == id && message["status"] as? String == "succeeded")
                    #expect(
                        ((message["batch"] as? [String: Any])?["counts"] as? [String: Any])?["succeeded"] as? Int == 3)

                    let (zipStatus, headers, zip) = try await client.download("/v1/batches/\(id)/clips.zip")
                    #expect(zipStatus == .ok && headers[.contentType] == "application/zip")
                    let archive = dir + "/clips.zip"
                    try zip.write(to: URL(fileURLWithPath: archive))
                    let listing = try Shell.run(
                        "python3",
                        [
                            "-c",
                            """
                            import sys, zipfile
                            z = zipfile.ZipFile(sys.argv[1])
                            assert z.testzip() is None, "a CRC differs"
                            z.extractall(sys.argv[2])
                            print("\\n".join(z.namelist()))
                            """, archive, dir + "/unzipped",
                        ])
                    let names = String(decoding: listing.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
                    let jobs = (ended["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    #expect(names.count == 6, "\(names)")
                    for (number, job) in jobs.enumerated() {
                        #expect(names.contains("\(number + 1)-\(job)/opening.mp4"), "\(names)")
                        #expect(names.contains("\(number + 1)-\(job)/clip-1.mp4"), "\(names)")
                    }
                    for name in names {
                        let probe = try StreamProbe(dir + "/unzipped/" + name)
                        #expect(probe.video?["height"] as? Int == 240, "\(name)")
                        #expect(probe.duration > 0.9, "\(name): \(probe.duration) s")
                    }
                }
            }
        }
    }
}
