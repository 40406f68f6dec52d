import Logging
import ServiceLifecycle

/// Services that query the storage as soon as they run (workers claim, the relay reads the
/// outbox), held back until `ready` has prepared it, then run as one group that stops with the
/// process. The storage backends themselves run from the start: a PostgreSQL client must be
/// running before the migrations that `ready` waits for can query it.
struct StartAfter: Service {
    let ready: @Sendable () async throws -> Void
    let services: [any Service]
    let logger: Logger

    func run() async throws {
        try await ready()
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
    }
}
