import Foundation
import Synchronization
import TestSupport

/// The real `clipgen` binary running in the background, as an operator starts it; its output
/// goes to a log file beside the data, for the failure message.
final class ClipGenProcess: @unchecked Sendable {
    let process = Process()
    let log: String

    /// `executable`: another server the test runs beside ClipGen (Prometheus, Alertmanager).
    init(
        _ arguments: [String], environment: [String: String] = [:], log: String,
        executable: String = TestMediaPaths.clipgen
    ) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// SIGTERM, then waits for a clean exit; SIGKILL if it takes longer than `grace`.
    func stop(grace: Duration = .seconds(20)) async -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { signal(SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A port nothing listens on now, below the kernel's ephemeral range (as `scripts/servers.sh`
    /// chooses them): a port that bind(0) hands out is one the kernel may give to any outgoing
    /// connection of the tests running alongside before the server started on it binds it.
    static func freePort() -> Int {
        let low =
            (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32768
        while true {
            let port = Int.random(in: 10000..<low)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if bound == 0 { return port }
        }
    }

    /// Ports given to tests in this run, so no two tests get the same one.
    private static let handedOut = Mutex<Set<Int>>([])
}

/// HTTP through curl, as a user scripts it.
enum Curl {
    struct Reply {
        var status: Int
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// `caCert`: the certificate an HTTPS server (the cluster's nginx) is checked against.
    static func call(
        _ url: String, method: String = "GET", token: String? = nil, json: String? = nil, file: String? = nil,
        output: String? = nil,
        caCert: String? = nil, headers: [String] = []
    ) throws -> Reply {
        var arguments = ["-s", "-X", method, "-w", "\n%{http_code}", url]
        for header in headers { arguments += ["-H", header] }
        if let caCert { arguments += ["--cacert", caCert] }
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        if let file { arguments += ["-T", file] }
        if let output { arguments += ["-o", output] }
        let result = try Shell.run("curl", arguments)
        let text = result.stdout
        let newline = text.lastIndex(of: UInt8(ascii: "\n")) ?? text.startIndex
        let status = Int(String(decoding: text[text.index(after: newline)...], as: UTF8.self)) ?? 0
        return Reply(status: status, body: Data(text[..<newline]))
    }

    /// The access token for a password sign-in at `base`; nil when the sign-in is refused.
    static func signIn(
        _ base: String, password: String, email: String = "admin@localhost", caCert: String? = nil
    ) throws -> String? {
        let body = try JSONSerialization.data(withJSONObject: ["email": email, "password": password])
        return try call(
            base + "/v1/auth/token", method: "POST", json: String(decoding: body, as: UTF8.self), caCert: caCert
        ).json["accessToken"] as? String
    }
}

/// `NAME=value` lines — what `deploy/cluster.sh up` and `deploy/regions.sh up` print, and their
/// env files — by name, with the quotes around a value dropped.
func keyValues(_ text: String) -> [String: String] {
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        if parts.count == 2 { values[parts[0]] = parts[1] }
    }
    return values
}
