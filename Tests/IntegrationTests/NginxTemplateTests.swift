import Foundation
import TestSupport
import Testing

/// The shipped nginx configuration (deploy/nginx/clipgen.conf.template), rendered as
/// deploy/cluster.sh renders it, in front of a real ClipGen.
@Suite struct NginxTemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let template = root.appendingPathComponent("deploy/nginx/clipgen.conf.template").path
    static let unblocked = root.appendingPathComponent("scripts/unblocked").path

    /// Round 3's L6: nginx logged `$request`, so `?access_token=` (JWTs, media tokens) landed in
    /// its access log; the API's own log redacts them.
    @Test func tokensInURLsNeverReachNginxsLog() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            if TestServers.isCI { Issue.record("nginx is missing (scripts/setup.sh installs it)") }
            return
        }
        try await withTemporaryDirectory { dir in
            let apiPort = ClipGenProcess.freePort()
            let nginxPort = ClipGenProcess.freePort()
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(apiPort)"],
                environment: [
                    "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_ADMIN_PASSWORD": "nginx-template",
                    "CLIPGEN_BCRYPT_COST": "4", "CLIPGEN_LOG_LEVEL": "warning", "CLIPGEN_TRUSTED_PROXIES": "127.0.0.1",
                ],
                log: dir + "/api.log")
            #expect(
                try await eventually { (try? Curl.call("http://127.0.0.1:\(apiPort)/healthz"))?.status == 200 },
                "\(api.output)")
            let prefix = dir + "/nginx"
            for sub in ["client-body", "proxy", "fastcgi", "uwsgi", "scgi"] {
                try FileManager.default.createDirectory(atPath: prefix + "/" + sub, withIntermediateDirectories: true)
            }
            let tls = try Shell.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                ])
            #expect(tls.status == 0, "\(tls.stderr)")
            let rendered = try String(contentsOfFile: Self.template, encoding: .utf8)
                .replacingOccurrences(of: "@PREFIX@", with: prefix).replacingOccurrences(
                    of: "@LISTEN@", with: "127.0.0.1:\(nginxPort)"
                )
                .replacingOccurrences(of: "@CERT@", with: dir + "/cert.pem").replacingOccurrences(
                    of: "@KEY@", with: dir + "/key.pem"
                )
                .replacingOccurrences(of: "@UPSTREAMS@", with: "server 127.0.0.1:\(apiPort);").replacingOccurrences(
                    of: "@MAX_BODY@", with: "1m")
            try rendered.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
            if getuid() == 0 { _ = try Shell.run("chown", ["-R", "nobody", prefix]) }
            // As deploy/cluster.sh starts it: a daemon (its output elsewhere, so nothing waits on it)
            // with no signals blocked, so it hears the stop.
            let nginx = "/usr/sbin/nginx -p \(prefix) -c \(prefix)/nginx.conf -e \(prefix)/nginx-error.log"
            #expect(
                try Shell.control("\(Self.unblocked) \(nginx)", log: prefix + "/control.log"),
                "\((try? String(contentsOfFile: prefix + "/control.log", encoding: .utf8)) ?? "")")
            defer { _ = try? Shell.control("\(nginx) -s stop", log: prefix + "/control.log") }
            let base = "https://127.0.0.1:\(nginxPort)"
            #expect(
                try await eventually { (try? Curl.call(base + "/healthz", caCert: dir + "/cert.pem"))?.status == 200 })
            let token = try #require(
                try Curl.signIn(base, password: "nginx-template", caCert: dir + "/cert.pem"))
            let media = try #require(
                try Curl.call(base + "/v1/auth/media-token", method: "POST", token: token, caCert: dir + "/cert.pem")
                    .json["accessToken"] as? String)
            let answered = try Curl.call(
                base + "/v1/uploads/00000000-0000-0000-0000-000000000000/content?access_token=\(media)",
                caCert: dir + "/cert.pem")
            #expect(answered.status == 404, "the request reached ClipGen")
            let hsts = try Shell.run(
                "curl", ["-s", "-o", "/dev/null", "-D", "-", "--cacert", dir + "/cert.pem", base + "/healthz"])
            #expect(
                String(decoding: hsts.stdout, as: UTF8.self).lowercased().contains(
                    "strict-transport-security: max-age="))
            // HTTP/2 through ALPN, and ClipGen's compressed answers passed through as they are.
            let h2 = try Shell.run(
                "curl",
                [
                    "-s", "--http2", "-o", "/dev/null", "-D", "-", "-w", "%{http_version}", "-H",
                    "Accept-Encoding: br", "--cacert", dir + "/cert.pem", base + "/openapi.json",
                ])
            let answer = String(decoding: h2.stdout, as: UTF8.self).lowercased()
            #expect(answer.hasSuffix("2") && answer.contains("content-encoding: br"), "\(answer)")
            let log = try String(contentsOfFile: prefix + "/nginx-access.log", encoding: .utf8)
            #expect(log.contains("/v1/uploads/00000000-0000-0000-0000-000000000000/content"), "\(log)")
            for secret in [token, media] {
                #expect(!log.contains(secret.suffix(20)), "a token is in nginx's log: \(log)")
            }
            #expect(await api.stop() == 0)
        }
    }
}
