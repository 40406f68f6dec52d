import API
import AsyncHTTPClient
import ClipGenCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Persistence
import PersistenceSQLite
import Server
import TestSupport

/// A real `ClipGenServer` (SQLite, local blobs, in-process workers running FFmpeg) on a temp
/// directory, driven over a real socket.
struct ServerHarness {
    static let password = "integration-pass"

    static func configuration(dataDir: String, workers: Bool = true) -> ClipGenConfiguration {
        var c = ClipGenConfiguration()
        c.api.http.port = 0
        c.dataDirectory = dataDir
        c.api.auth.adminPassword = password
        c.api.auth.bcryptCost = 4
        // The test client keeps one connection; tests that wait on other sockets leave it idle.
        c.api.http.idleTimeoutSeconds = 600
        c.workers.inProcess = workers
        c.workers.pollSeconds = 0.1
        c.workers.heartbeatSeconds = 0.5
        // No test here loses an in-process worker (a server that stops hands its tasks back), so
        // the lease only has to outlast a renewal: on a loaded machine 10 s did not (a stressed run
        // lost leases mid-render, and a job failed as worker_lost). Tests of lost workers give
        // their own claims short leases, on the store's clock.
        c.workers.leaseSeconds = 600
        c.retry.baseSeconds = 0.2
        c.workers.shutdownGraceSeconds = 5
        return c
    }

    static var logger: Logger { .quiet("integration") }

    /// Runs `body` against a live server; the server drains and stops when it returns.
    static func run<T: Sendable>(
        _ configuration: ClipGenConfiguration, _ body: @Sendable @escaping (Client) async throws -> T
    ) async throws -> T {
        try await run(configuration) { client, _ in try await body(client) }
    }

    /// The same, with the server's parts at hand (its event bus, its store), on `clock`.
    static func run<T: Sendable>(
        _ configuration: ClipGenConfiguration, clock: WallClock = .system,
        _ body: @Sendable @escaping (Client, EmbeddedServer) async throws -> T
    ) async throws -> T {
        let server = ClipGenServer(configuration: configuration, clock: clock)
        return try await server.application(logger: logger).test(.live) { client in
            try await body(try await Client.signIn(client), server)
        }
    }

    /// An admin-authenticated client with the calls the tests make.
    struct Client: Sendable {
        let raw: any TestClientProtocol
        let token: String

        static func signIn(_ raw: any TestClientProtocol) async throws -> Client {
            let token = try await raw.execute(
                uri: "/v1/auth/token", method: .post,
                body: ByteBuffer(string: #"{"email":"admin@localhost","password":"\#(password)"}"#)
            ) { response in
                try Self.object(response)["accessToken"] as? String ?? ""
            }
            return Client(raw: raw, token: token)
        }

        var headers: HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

        /// One request. On a live server it goes through AsyncHTTPClient with a generous deadline
        /// (a hang guard only): HummingbirdTesting's live client gives up after 20 s without a read,
        /// which a sealed upload or a long download on two loaded cores can take.
        func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields? = nil, body: ByteBuffer? = nil)
            async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer)
        {
            let headers = headers ?? self.headers
            guard let port = raw.port else {
                return try await raw.execute(uri: uri, method: method, headers: headers, body: body) {
                    ($0.status, $0.headers, $0.body)
                }
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(uri)")
            request.method = .init(rawValue: method.rawValue)
            for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
            if let body { request.body = .bytes(body) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(900))
            var fields = HTTPFields()
            for (name, value) in response.headers {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            return (
                HTTPResponse.Status(code: Int(response.status.code)), fields,
                try await response.body.collect(upTo: 1 << 30)
            )
        }

        func upload(_ path: String) async throws -> String {
            let (status, body) = try await uploadBytes([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            guard status == .created else { throw TestFailure("upload answered \(status)") }
            return body["id"] as? String ?? ""
        }

        func uploadBytes(_ bytes: [UInt8]) async throws -> (HTTPResponse.Status, [String: Any]) {
            let response = try await send("/v1/uploads", method: .post, body: ByteBuffer(bytes: bytes))
            return (response.status, (try? Self.object(response.body)) ?? [:])
        }

        func createJob(_ json: String) async throws -> String {
            let response = try await send("/v1/jobs", method: .post, body: ByteBuffer(string: json))
            guard response.status == .accepted else {
                throw TestFailure("job answered \(response.status): \(String(buffer: response.body))")
            }
            return try Self.object(response.body)["id"] as? String ?? ""
        }

        func job(_ id: String) async throws -> [String: Any] {
            try Self.object(try await send("/v1/jobs/\(id)", method: .get).body)
        }

        /// Polls until the job is terminal; returns it. The timeout only guards against a hang: a
        /// job of several encodes on two loaded cores can take minutes.
        func waitForJob(_ id: String, timeout: Duration = .seconds(900)) async throws -> [String: Any] {
            var last: [String: Any] = [:]
            _ = try await eventually(timeout: timeout, every: .milliseconds(200)) {
                last = try await job(id)
                return ["succeeded", "failed", "cancelled"].contains(last["status"] as? String ?? "")
            }
            return last
        }

        func download(_ uri: String, range: String? = nil) async throws -> (HTTPResponse.Status, HTTPFields, Data) {
            var headers = self.headers
            if let range { headers[.range] = range }
            let response = try await send(uri, method: .get, headers: headers)
            return (response.status, response.headers, Data(response.body.readableBytesView))
        }

        /// A JSON object from a GET that must answer 200.
        func getJSON(_ uri: String) async throws -> [String: Any] {
            let response = try await send(uri, method: .get)
            guard response.status == .ok else {
                throw TestFailure("GET \(uri) answered \(response.status): \(String(buffer: response.body))")
            }
            return try Self.object(response.body)
        }

        func postJSON(_ uri: String, _ json: String) async throws -> (Int, [String: Any]) {
            let response = try await send(uri, method: .post, body: ByteBuffer(string: json))
            return (response.status.code, (try? Self.object(response.body)) ?? [:])
        }

        func putJSON(_ uri: String, _ json: String) async throws -> (Int, [String: Any]) {
            let response = try await send(uri, method: .put, body: ByteBuffer(string: json))
            return (response.status.code, (try? Self.object(response.body)) ?? [:])
        }

        func delete(_ uri: String) async throws {
            let response = try await send(uri, method: .delete)
            guard response.status.code < 300 else { throw TestFailure("DELETE \(uri) answered \(response.status)") }
        }

        static func object(_ response: TestResponse) throws -> [String: Any] { try object(response.body) }

        static func object(_ body: ByteBuffer) throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            else {
                throw TestFailure("not a JSON object: \(String(buffer: body))")
            }
            return object
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    var clips: [[String: Any]] { self["clips"] as? [[String: Any]] ?? [] }
    var status: String? { self["status"] as? String }
    var errorCode: String? { (self["error"] as? [String: Any])?["code"] as? String }
}
