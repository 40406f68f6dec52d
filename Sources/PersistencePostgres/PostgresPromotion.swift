import Logging
import PostgresNIO

/// `clipgen admin promote`: after the primary is lost, makes a standby of the configured servers
/// the primary (`pg_promote`), so the ClipGen side of a failover needs no shell on the database's
/// host. It refuses while any server still accepts writes: promoting then would leave two
/// primaries, each taking writes the other never sees.
public enum PostgresPromotion {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case primaryAlive(String)
        case noStandby
        case refused(String)

        public var description: String {
            switch self {
            case .primaryAlive(let address):
                "the server at \(address) still accepts writes: stop it (and keep it stopped) before promoting"
            case .noStandby: "no standby answered: nothing to promote"
            case .refused(let address): "the standby at \(address) did not finish its promotion within 60 s"
            }
        }
    }

    /// Promotes the first standby that answers and returns its address, once it accepts writes.
    public static func promote(_ servers: PostgresServers, logger: Logger) async throws -> PostgresServers.Address {
        var standbys: [Int] = []
        for index in servers.addresses.indices {
            switch await servers.role(of: index, logger: logger) {
            case .primary: throw Failure.primaryAlive("\(servers.addresses[index])")
            case .standby: standbys.append(index)
            case nil: continue
            }
        }
        guard let index = standbys.first else { throw Failure.noStandby }
        let address = servers.addresses[index]
        let configuration = try servers.connection(index, timeout: PostgresPrimary.probeLimit)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: index, logger: logger)
        var promoted = false
        do {
            for try await row in try await connection.query("SELECT pg_promote(true, 60) AS promoted", logger: logger) {
                promoted = try row.decode(Bool.self)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        guard promoted else { throw Failure.refused("\(address)") }
        return address
    }
}
