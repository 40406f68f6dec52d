import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOSSL
import TestSupport
import Testing

/// `clipgen serve` with `CLIPGEN_TLS_CERT`/`_KEY`: HTTPS itself, HTTP/2 to clients that offer it
/// by ALPN and HTTP/1.1 to the rest, event WebSockets over TLS, compressed answers over HTTP/2;
/// a connection that never finishes its handshake is closed like one that never sends a request;
/// half a configuration stops the start with the missing variable's name.
@Suite(.serialized) struct TLSServeTests {
    static func certificate(in dir: String) throws {
        let made = try Shell.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", dir + "/key.pem", "-out",
                dir + "/cert.pem",
            ])
        #expect(made.status == 0, "\(made.stderr)")
    }

    @Test func httpsWithHTTP2AndHTTP1AndWebSockets() async throws {
        try await withTemporaryDirectory { dir in
            try Self.certificate(in: dir)
            let port = ClipGenProcess.freePort()
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(port)"],
                environment: [
                    "CLIPGEN_ADMIN_PASSWORD": "tls-serve-tests", "CLIPGEN_BCRYPT_COST": "4",
                    "CLIPGEN_DATA_DIR": dir + "/data", "CLIPGEN_TLS_CERT": dir + "/cert.pem",
                    "CLIPGEN_TLS_KEY": dir + "/key.pem", "CLIPGEN_IDLE_TIMEOUT_SECONDS": "2",
                ], log: dir + "/api.log")
            let base = "https://127.0.0.1:\(port)"
            let ca = dir + "/cert.pem"
            #expect(
                try await eventually { (try? Curl.call(base + "/healthz", caCert: ca))?.status == 200 }, "\(api.output)"
            )
            func version(_ flag: String, _ path: String, _ extra: [String] = []) throws -> String {
                let result = try Shell.run(
                    "curl",
                    ["-s", flag, "-o", "/dev/null", "-D", "-", "-w", "%{http_version}", "--cacert", ca] + extra
                        + [base + path])
                return String(decoding: result.stdout, as: UTF8.self).lowercased()
            }
            let h2 = try version("--http2", "/openapi.json", ["-H", "Accept-Encoding: br"])
            #expect(h2.hasPrefix("http/2 200") && h2.contains("content-encoding: br") && h2.hasSuffix("2"), "\(h2)")
            let h1 = try version("--http1.1", "/healthz")
            #expect(h1.hasPrefix("http/1.1 200") && h1.hasSuffix("1.1"), "\(h1)")
            // Signing in (a POST with a body) over HTTP/2, and the event socket over TLS.
            let token = try #require(try Curl.signIn(base, password: "tls-serve-tests", caCert: ca))
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            var quiet = Logger(label: "tls-serve-tests")
            quiet.logLevel = .critical
            let (opened, open) = AsyncStream.makeStream(of: Void.self)
            let socket = Task {
                try await WebSocketClient.connect(
                    url: "wss://localhost:\(port)/v1/events",
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]), tlsConfiguration: tls,
                    logger: quiet
                ) { inbound, _, _ in
                    open.yield()
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
            }
            let wasOpened = try await eventually(timeout: .seconds(120)) {
                var iterator = opened.makeAsyncIterator()
                return await iterator.next() != nil
            }
            #expect(wasOpened, "\(api.output)")
            socket.cancel()

            // A client that connects and never starts its handshake is closed after the idle timeout.
            let silent = try Shell.run(
                "python3",
                [
                    "-c",
                    """
                    import socket
                    s = socket.create_connection(("127.0.0.1", \(port)))
                    s.settimeout(600)
                    print("closed" if s.recv(1) == b"" else "data")
                    """,
                ])
            #expect(String(decoding: silent.stdout, as: UTF8.self).hasPrefix("closed"), "\(silent.stderr)")
            #expect(await api.stop() == 0)
        }
    }

    @Test func halfATLSConfigurationStopsTheStartNamingWhatIsMissing() async throws {
        try await withTemporaryDirectory { dir in
            try Self.certificate(in: dir)
            let result = try Shell.run(
                "/usr/bin/env",
                [
                    "CLIPGEN_DATA_DIR=\(dir)/data", "CLIPGEN_TLS_CERT=\(dir)/cert.pem", TestMediaPaths.clipgen, "serve",
                    "--port", "\(ClipGenProcess.freePort())",
                ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("CLIPGEN_TLS_KEY"), "\(result.stderr)")
            let swapped = try Shell.run(
                "/usr/bin/env",
                [
                    "CLIPGEN_DATA_DIR=\(dir)/data", "CLIPGEN_TLS_CERT=\(dir)/key.pem",
                    "CLIPGEN_TLS_KEY=\(dir)/cert.pem",
                    TestMediaPaths.clipgen, "serve", "--port", "\(ClipGenProcess.freePort())",
                ])
            #expect(swapped.status != 0 && swapped.stderr.contains("CLIPGEN_TLS_CERT"), "\(swapped.stderr)")
        }
    }
}
