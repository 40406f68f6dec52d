import Foundation
import TestSupport
import Testing

/// Clients without an account trying to take the server down (round 3's H1, L1, L2), against the
/// real binary: scripts/attack_clients.py does the attacking, from loopback addresses of its own.
@Suite(.serialized) struct AttackResistanceTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scripts/attack_clients.py"
    ).path

    /// A signed-in server with `environment` on top of quiet test defaults.
    static func withServer(
        _ dir: String, _ environment: [String: String] = [:],
        _ body: (_ base: String, _ port: Int, _ token: String, _ api: ClipGenProcess) async throws -> Void
    ) async throws {
        let port = ClipGenProcess.freePort()
        let api = try ClipGenProcess(
            ["serve", "--no-workers", "--port", "\(port)"],
            environment: [
                "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_ADMIN_PASSWORD": "attack-resistance",
                "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_LOG_LEVEL": "warning",
            ].merging(environment) { $1 },
            log: dir + "/api.log")
        let base = "http://127.0.0.1:\(port)"
        #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
        let token = try #require(
            try Curl.signIn(base, password: "attack-resistance"))
        try await body(base, port, token, api)
        #expect(await api.stop() == 0)
        #expect(
            !api.output.contains("\"level\":\"error\""),
            "\(api.output.split(separator: "\n").filter { $0.contains("\"level\":\"error\"") })")
    }

    static func attack(_ arguments: [String]) throws -> [String: Any] {
        let run = try Shell.run("python3", [script] + arguments)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], "\(run.stderr)")
    }

    /// H1: 1,100 connections from one address, each trickling a sign-in body a byte a second.
    /// They held every connection the server had and nobody else got an answer at all.
    @Test func trickledBodiesFromOneAddressNeitherHoldTheServerNorStopOthersBeingAnswered() async throws {
        try await withTemporaryDirectory { dir in
            // A short window, so the test sees the cut-off; the rate is the default 1 kB/s.
            try await Self.withServer(dir, ["CLIPGEN_BODY_RATE_WINDOW_SECONDS": "2"]) { base, port, token, _ in
                let upload = try #require(
                    try Curl.call(
                        base + "/v1/uploads", method: "POST", token: token,
                        file: try await TestMedia.shared.path("gop2s.mp4")
                    )
                    .json["id"] as? String)
                let job = try #require(
                    try Curl.call(
                        base + "/v1/jobs", method: "POST", token: token,
                        json: #"{"source":{"uploadId":"\#(upload)"},"clips":[{"start":0,"end":1}]}"#
                    ).json["id"] as? String)
                let result = try Self.attack(["trickle", String(port), token, "1100", job])
                let held = result["initiallyHeld"] as? Int ?? -1
                let refused = result["refused"] as? [String] ?? []
                #expect(held <= 64, "one address holds at most its 64 connections: \(held)")
                #expect(held + refused.count == 1100)
                #expect(
                    refused.allSatisfy { $0.hasPrefix("HTTP/1.1 503") || $0 == "closed" || $0.hasPrefix("reset") },
                    "\(Set(refused))")
                // Answered, not left waiting (a client still sending when the refusal closes its
                // connection may see the reset before the 503).
                #expect(refused.filter { $0.hasPrefix("HTTP/1.1 503") }.count >= refused.count / 2, "\(Set(refused))")
                #expect(
                    result["stillOpen"] as? Int == 0, "every trickling body was cut off: \(result["cutAfter"] ?? [])")
                let probes = result["probes"] as? [[Any]] ?? []
                #expect(probes.count >= 4)
                // Every probe answered; the time bound is on the bulk of them, so a loaded machine's
                // one stall does not fail it (they had no answer at all before).
                #expect(
                    probes.allSatisfy { ($0[1] as? String)?.hasPrefix("HTTP/1.1 200") == true },
                    "\(probes.filter { ($0[1] as? String)?.hasPrefix("HTTP/1.1 200") != true })")
                let times = probes.compactMap { $0[3] as? Double }.sorted()
                #expect(times[Int(Double(times.count - 1) * 0.9)] < 1, "answered within a second: \(times)")
                let metrics = String(decoding: try Curl.call(base + "/metrics").body, as: UTF8.self)
                #expect(
                    metrics.contains(#"http_connections_cut_total{reason="slow_body"}"#)
                        && metrics.contains(#"http_connections_cut_total{reason="refused"}"#),
                    "\(metrics.split(separator: "\n").filter { $0.contains("connections_cut") })")
            }
        }
    }

    /// H1: clients without an account hold at most their share of the server, however many
    /// addresses they come from; a signed-in client and health checks are still answered.
    @Test func clientsWithoutAnAccountHoldOnlyTheirShare() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer(
                dir, ["CLIPGEN_MAX_ANONYMOUS_REQUESTS": "20", "CLIPGEN_MAX_CONNECTIONS_PER_ADDRESS": "8"]
            ) { _, port, token, _ in
                let result = try Self.attack(["share", String(port), token, "5", "8"])
                let held = result["held"] as? Int ?? -1
                #expect(held >= 15 && held <= 20, "held at most the share of 20: \(held)")
                let refused = result["refused"] as? [String] ?? []
                #expect(refused.count == 40 - held && refused.allSatisfy { $0.hasPrefix("HTTP/1.1 503") }, "\(refused)")
                #expect(
                    (result["signedIn"] as? [Any])?.first as? String == "HTTP/1.1 200 OK", "\(result["signedIn"] ?? "")"
                )
                #expect((result["health"] as? [Any])?.first as? String == "HTTP/1.1 200 OK")
                #expect(
                    (result["anonymous"] as? [Any])?.first as? String == "HTTP/1.1 503 Service Unavailable",
                    "\(result["anonymous"] ?? "")")
            }
        }
    }

    /// L1: a head that is not HTTP/1.1 closed the connection without an answer; RFC 9112 §6.3
    /// wants a 400.
    @Test func headsThatAreNotHTTPGetA400Problem() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer(dir) { _, port, token, _ in
                let result = try Self.attack(["framing", String(port), token])
                #expect(result.count == 8)
                for (name, answer) in result {
                    let text = answer as? String ?? ""
                    #expect(
                        text.hasPrefix("HTTP/1.1 400 Bad Request") && text.contains("application/problem+json")
                            && text.contains(#""status":400"#) && text.contains("Connection: close"), "\(name): \(text)"
                    )
                }
            }
        }
    }

    /// L2: every refused WebSocket upgrade was a bare 400, and oversized or unmasked frames were
    /// read without a close.
    @Test func refusedUpgradesAreProblemsAndBadFramesAreClosed() async throws {
        try await withTemporaryDirectory { dir in
            try await Self.withServer(
                dir, ["CLIPGEN_MAX_WEB_SOCKETS_PER_USER": "2", "CLIPGEN_RATE_LIMIT_IP_PER_MINUTE": "600"]
            ) { base, port, token, _ in
                let media = try #require(
                    try Curl.call(base + "/v1/auth/media-token", method: "POST", token: token).json["accessToken"]
                        as? String)
                let result = try Self.attack(["websocket", String(port), token, UUID().uuidString.lowercased(), media])
                func answer(_ name: String) -> (head: String, body: [String: Any]) {
                    let entry = result[name] as? [String: String] ?? [:]
                    let body =
                        (try? JSONSerialization.jsonObject(with: Data((entry["body"] ?? "").utf8))) as? [String: Any]
                        ?? [:]
                    return (entry["head"] ?? "", body)
                }
                for (name, status) in [
                    ("noToken", 401), ("badToken", 401), ("mediaToken", 401), ("unknownJob", 404),
                    ("beyondSocketCap", 429), ("rateLimited", 429),
                ] {
                    let (head, body) = answer(name)
                    #expect(
                        head.hasPrefix("HTTP/1.1 \(status) ")
                            && head.lowercased().contains("content-type: application/problem+json"), "\(name): \(head)")
                    #expect(
                        body["status"] as? Int == status && body["detail"] is String && body["requestId"] is String,
                        "\(name): \(body)")
                }
                #expect(answer("noToken").head.lowercased().contains("www-authenticate: bearer"))
                #expect(answer("rateLimited").head.lowercased().contains("retry-after: "))
                #expect(result["oversized"] as? Int == 1009, "\(result["oversized"] ?? "")")
                #expect(result["unmasked"] as? Int == 1002, "\(result["unmasked"] ?? "")")
            }
        }
    }
}
