import Foundation
import HTTPTypes
import NIOCore
import Outbound
import Server
import TestSupport
import Testing

/// Webhooks against a real receiver: signed, retried with backoff after failures, recorded, and
/// still sent after the server restarts; addresses that are not public are refused.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// A receiver process failing its first `failures` requests, answering each `delay` seconds
    /// after it arrived; stopped when `body` returns.
    static func withReceiver<T>(
        failures: Int, delay: Double = 0, in dir: String,
        _ body: (_ port: Int, _ secretFile: String, _ log: String) async throws -> T
    ) async throws -> T {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Scripts/webhook_receiver.py"
        ).path
        let (secretFile, log) = (dir + "/secret", dir + "/received.jsonl")
        return try await withHelperScript(script, [String(failures), secretFile, log, String(delay)]) { line in
            try await body(try #require(Int(line), "the receiver said \(line)"), secretFile, log)
        }
    }

    static func received(_ log: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func configuration(_ dir: String) -> ClipGenConfiguration {
        var configuration = ServerHarness.configuration(dataDir: dir + "/data", workers: false)
        configuration.outbound.policy = try! NetworkPolicy.parse("127.0.0.0/8").get()
        configuration.webhooks.retry.baseSeconds = 0.2
        configuration.webhooks.pollInterval = .milliseconds(100)
        return configuration
    }

    /// A job that ends at once: queued (no workers here), then cancelled.
    static func cancelledJob(_ client: ServerHarness.Client, webhookUrl: String) async throws -> String {
        let (_, upload) = try await client.uploadBytes(Array("not a video".utf8))
        let id = try await client.createJob(
            #"""
            {"source":{"uploadId":"\#(upload["id"] as? String ?? "")"},"clips":[{"start":0,"end":1}],\#
            "webhookUrl":"\#(webhookUrl)"}
            """#
        )
        let status = try await client.raw.execute(uri: "/v1/jobs/\(id)/cancel", method: .post, headers: client.headers)
        { $0.status }
        #expect(status == .ok)
        return id
    }

    static func deliveries(_ client: ServerHarness.Client, _ id: String) async throws -> [[String: Any]] {
        try await client.raw.execute(uri: "/v1/jobs/\(id)/deliveries", method: .get, headers: client.headers) {
            response in
            try ServerHarness.Client.object(response)["items"] as? [[String: Any]] ?? []
        }
    }

    @Test func aReceiverThatFailsThreeTimesGetsTheSignedEventOnceMoreAndEveryAttemptIsListed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withReceiver(failures: 3, in: dir) { port, secretFile, log in
                try await ServerHarness.run(Self.configuration(dir)) { client in
                    let secret = try await client.raw.execute(
                        uri: "/v1/webhook-secret", method: .get, headers: client.headers
                    ) { response in
                        try ServerHarness.Client.object(response)["secret"] as? String ?? ""
                    }
                    #expect(secret.hasPrefix("whsec_"))
                    try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
                    let id = try await Self.cancelledJob(client, webhookUrl: "http://127.0.0.1:\(port)/hooks/clipgen")
                    #expect(
                        try await eventually {
                            try await Self.deliveries(client, id).first?["state"] as? String == "delivered"
                        })
                    let delivery = try #require(try await Self.deliveries(client, id).first)
                    let attempts = delivery["attempts"] as? [[String: Any]] ?? []
                    #expect(attempts.compactMap { $0["statusCode"] as? Int } == [500, 500, 500, 204], "\(attempts)")
                    #expect(attempts.compactMap { $0["number"] as? Int } == [1, 2, 3, 4])
                    let times = attempts.compactMap {
                        ($0["at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
                    }
                    // Backoff: each wait at least the doubled base (0.2, 0.4, 0.8 s).
                    for (index, pair) in zip(times, times.dropFirst()).enumerated() {
                        #expect(pair.1.timeIntervalSince(pair.0) >= 0.2 * Double(1 << index) - 0.05, "\(times)")
                    }
                    try await Task.sleep(for: .seconds(1))
                    let requests = Self.received(log)
                    #expect(requests.count == 4, "no more sends once delivered: \(requests.count)")
                    #expect(
                        requests.allSatisfy { $0["signatureValid"] as? Bool == true },
                        "every request is signed with the organisation's secret")
                    let event = requests.last?["body"] as? [String: Any] ?? [:]
                    #expect(
                        event["jobId"] as? String == id && event["status"] as? String == "cancelled"
                            && event["type"] as? String == "status")
                    #expect(event["organizationId"] == nil)
                    // Rotation: the old secret no longer verifies what is sent next.
                    let rotated = try await client.raw.execute(
                        uri: "/v1/webhook-secret", method: .post, headers: client.headers
                    ) { response in
                        try ServerHarness.Client.object(response)["secret"] as? String ?? ""
                    }
                    #expect(rotated != secret && rotated.hasPrefix("whsec_"))
                    let second = try await Self.cancelledJob(
                        client, webhookUrl: "http://127.0.0.1:\(port)/hooks/clipgen")
                    #expect(
                        try await eventually {
                            try await Self.deliveries(client, second).first?["state"] as? String == "delivered"
                        })
                    #expect(
                        Self.received(log).last?["signatureValid"] as? Bool == false,
                        "signed with the new secret, which the receiver does not have yet")
                }
            }
        }
    }

    @Test func aPendingDeliverySurvivesARestart() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withReceiver(failures: 1_000_000, in: dir) { port, _, log in
                var configuration = Self.configuration(dir)
                configuration.webhooks.retry.baseSeconds = 2
                let id = try await ServerHarness.run(configuration) { client in
                    let id = try await Self.cancelledJob(client, webhookUrl: "http://127.0.0.1:\(port)/hook")
                    // Stopped once the first failure is on record, with the retry still ahead.
                    #expect(
                        try await eventually {
                            (try await Self.deliveries(client, id).first?["attempts"] as? [Any])?.count == 1
                        })
                    return id
                }
                try await ServerHarness.run(configuration) { client in
                    let retried = try await eventually {
                        (try await Self.deliveries(client, id).first?["attempts"] as? [Any])?.count ?? 0 >= 2
                    }
                    #expect(retried, "the queued delivery is tried again by the restarted server")
                }
                #expect(Self.received(log).count >= 2)
            }
        }
    }

    @Test func aSendUnderWayWhenTheServerStopsIsFinishedAndRecorded() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withReceiver(failures: 0, delay: 3, in: dir) { port, _, log in
                let configuration = Self.configuration(dir)
                let id = try await ServerHarness.run(configuration) { client in
                    let id = try await Self.cancelledJob(client, webhookUrl: "http://127.0.0.1:\(port)/hook")
                    // The receiver has the request and answers in 3 s: the server stops meanwhile.
                    #expect(try await eventually { Self.received(log).count == 1 })
                    return id
                }
                try await ServerHarness.run(configuration) { client in
                    let delivery = try #require(try await Self.deliveries(client, id).first)
                    let attempts = delivery["attempts"] as? [[String: Any]] ?? []
                    #expect(
                        delivery["state"] as? String == "delivered"
                            && attempts.compactMap { $0["statusCode"] as? Int } == [204],
                        """
                        the answer was waited for and recorded, not abandoned with the delivery still claimed: \
                        \(delivery)
                        """
                    )
                }
                #expect(Self.received(log).count == 1, "sent once")
            }
        }
    }

    @Test func aWebhookToAnAddressThatIsNotAllowedFailsWithoutBeingSent() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = Self.configuration(dir)
            configuration.outbound.policy = NetworkPolicy()
            try await ServerHarness.run(configuration) { client in
                let id = try await Self.cancelledJob(client, webhookUrl: "http://127.0.0.1:9/hook")
                #expect(
                    try await eventually {
                        try await Self.deliveries(client, id).first?["state"] as? String == "failed"
                    })
                let attempts = try await Self.deliveries(client, id).first?["attempts"] as? [[String: Any]] ?? []
                #expect(
                    attempts.count == 1
                        && (attempts.first?["error"] as? String)?.contains("not a public address") == true,
                    "\(attempts)")
            }
        }
    }
}
