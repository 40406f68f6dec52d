import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL servers of one database: a primary and its standbys, any of which may be the
/// one accepting writes after a promotion. Written as libpq writes several hosts,
/// `postgres://user:password@hostA:5432,hostB:5433/database`; every server takes the same
/// sign-in and database name.
public struct PostgresServers: Sendable {
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var addresses: [Address]
    public var username: String
    public var password: String?
    public var database: String
    public var requireTLS: Bool

    /// Reads a `postgres://` URL with one host or several, comma-separated (`sslmode=require` in
    /// the query turns TLS on).
    public init(url: String) throws {
        let syntax = "expected postgres://user:password@host:port/database (several hosts: host1:port1,host2:port2)"
        guard let schemeEnd = url.range(of: "://") else { throw PostgresURLError(reason: syntax) }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let at = authority.lastIndex(of: "@")
        let hostList = at.map { authority[authority.index(after: $0)...] } ?? authority[...]
        var addresses: [Address] = []
        for entry in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            addresses.append(try Self.address(String(entry), syntax: syntax))
        }
        // The rest of the URL is read with the first host standing in for the list.
        let first = addresses.first.map { "\($0)" } ?? ""
        let single =
            url[..<schemeEnd.upperBound] + (at.map { authority[...$0] } ?? "") + first
            + rest[authority.endIndex...]
        guard let components = URLComponents(string: String(single)),
            ["postgres", "postgresql"].contains(components.scheme?.lowercased() ?? ""), !addresses.isEmpty
        else { throw PostgresURLError(reason: syntax) }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty, !database.isEmpty else {
            throw PostgresURLError(reason: "the URL needs a user and a database name")
        }
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": requireTLS = false
        case "require": requireTLS = true
        case let other: throw PostgresURLError(reason: "sslmode '\(other)' is not disable or require")
        }
        self.addresses = addresses
        username = user
        password = components.password
        self.database = database
    }

    private static func address(_ entry: String, syntax: String) throws -> Address {
        var host = entry
        var port = 5432
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            host = String(entry[entry.index(after: entry.startIndex)..<close])
            let tail = entry[entry.index(after: close)...]
            if tail.hasPrefix(":") {
                guard let value = Int(tail.dropFirst()) else { throw PostgresURLError(reason: syntax) }
                port = value
            }
        } else if let colon = entry.lastIndex(of: ":") {
            host = String(entry[..<colon])
            guard let value = Int(entry[entry.index(after: colon)...]) else { throw PostgresURLError(reason: syntax) }
            port = value
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw PostgresURLError(reason: syntax) }
        return Address(host: host.removingPercentEncoding ?? host, port: port)
    }

    /// The URL for libpq's tools (`pg_dump`, `psql`), without the password: with several
    /// servers, they connect to the one that accepts writes (`target_session_attrs=read-write`).
    public var toolURL: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.host = "placeholder"
        components.path = "/" + database
        components.queryItems =
            [URLQueryItem(name: "sslmode", value: requireTLS ? "require" : "disable")]
            + (addresses.count > 1 ? [URLQueryItem(name: "target_session_attrs", value: "read-write")] : [])
        let hosts = addresses.map(\.description).joined(separator: ",")
        return components.string!.replacingOccurrences(of: "@placeholder", with: "@" + hosts)
    }

    /// The pool's settings for the server at `index`.
    public func client(_ index: Int) -> PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: addresses[index].host, port: addresses[index].port, username: username, password: password,
            database: database, tls: requireTLS ? .require(.clientDefault) : .disable)
    }

    /// One connection's settings for the server at `index`, for a short look at it.
    func connection(_ index: Int, timeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: addresses[index].host, port: addresses[index].port, username: username, password: password,
            database: database,
            tls: requireTLS ? .require(try NIOSSLContext(configuration: .clientDefault)) : .disable)
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        return configuration
    }
}

extension PostgresServers {
    public enum Role: Sendable, Equatable {
        case primary
        case standby
    }

    /// Whether the server at `index` is a primary or a standby (`pg_is_in_recovery()`); nil when
    /// it does not answer within `PostgresPrimary.probeLimit` (stopped, or not refusing).
    /// The answer is not waited for past the limit: a probe the server never answers is
    /// cancelled, which closes its connection, and left to end on its own.
    func role(of index: Int, logger: Logger) async -> Role? {
        let probe = Task<Role?, any Error> { await self.probe(index, logger: logger) }
        guard case .success(let role)? = await Deadline.result(of: probe, within: PostgresPrimary.probeLimit) else {
            probe.cancel()
            return nil
        }
        return role
    }

    private func probe(_ index: Int, logger: Logger) async -> Role? {
        guard let configuration = try? connection(index, timeout: PostgresPrimary.probeLimit),
            let connection = try? await PostgresConnection.connect(
                configuration: configuration, id: index, logger: logger)
        else { return nil }
        let role = await withTaskCancellationHandler {
            var role: Role?
            do {
                let rows = try await connection.query("SELECT pg_is_in_recovery() AS standby", logger: logger)
                for try await row in rows { role = try row.decode(Bool.self) ? .standby : .primary }
            } catch {
                role = nil
            }
            return role
        } onCancel: {
            Task { try? await connection.close() }
        }
        try? await connection.close()
        return role
    }
}

public struct PostgresURLError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the PostgreSQL URL is not usable: \(reason)" }
}
