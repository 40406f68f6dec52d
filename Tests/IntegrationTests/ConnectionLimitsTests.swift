import Foundation
import TestSupport
import Testing

/// Descriptors cannot be held without an account: silent, half-sent and stalled connections are
/// closed after the idle timeout, broken framing is a 400, and a
/// client that walks away mid-upload is neither stored nor counted as a server error. A real
/// `clipgen serve`, since the in-process test server does not take the connection settings.
@Suite struct ConnectionLimitsTests {
    @Test func misbehavingClientsAreCutOffAndNeverCountAsServerErrors() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir + "/data"
            let port = ClipGenProcess.freePort()
            let api = try ClipGenProcess(
                ["serve", "--no-workers", "--port", "\(port)"],
                environment: [
                    "CLIPGEN_DATA_DIR": data, "CLIPGEN_ADMIN_PASSWORD": "connection-limits", "CLIPGEN_BCRYPT_COST": "4",
                    "CLIPGEN_LOG_LEVEL": "warning", "CLIPGEN_IDLE_TIMEOUT_SECONDS": "1",
                ], log: dir + "/api.log")
            let base = "http://127.0.0.1:\(port)"
            #expect(try await eventually { (try? Curl.call(base + "/healthz"))?.status == 200 }, "\(api.output)")
            let token = try #require(
                try Curl.signIn(base, password: "connection-limits"))
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Scripts/slow_clients.py"
            ).path
            let run = try Shell.run("python3", [script, String(port), token])
            #expect(run.status == 0, "\(run.stderr)")
            let result = try #require(
                try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], "\(run.stderr)")
            for name in ["silent", "halfHeaders", "stalledBody"] {
                let seconds = result[name] as? Double
                // Closed by the 1 s idle timeout, not left open (nil) for as long as the client likes.
                #expect(
                    seconds != nil && seconds! >= 0.5 && seconds! < 6, "\(name): \(String(describing: result[name]))")
            }
            #expect(
                (result["badChunk"] as? String)?.hasPrefix("HTTP/1.1 400") == true,
                "\(String(describing: result["badChunk"]))")
            let uploads = result["uploads"] as? String ?? ""
            #expect(uploads.contains(#""items":[]"#), "no partial upload was stored: \(uploads)")
            let metrics = result["metrics"] as? String ?? ""
            #expect(metrics.contains("http_requests_total"), "\(metrics)")
            #expect(
                !metrics.contains(#"status="5"#),
                "\(metrics.split(separator: "\n").filter { $0.contains("http_requests_total") })")
            #expect(await api.stop() == 0)
            let leftovers =
                FileManager.default.enumerator(atPath: data + "/blobs")?.allObjects.compactMap { $0 as? String }
                .filter { path in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: data + "/blobs/" + path, isDirectory: &isDirectory)
                        && !isDirectory.boolValue
                } ?? []
            #expect(leftovers.isEmpty, "\(leftovers)")
            #expect(!api.output.contains("\"level\":\"error\""), "\(api.output)")
        }
    }
}
