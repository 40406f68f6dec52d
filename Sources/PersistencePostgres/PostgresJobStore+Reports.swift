import Persistence
import PostgresNIO

extension PostgresJobStore: SQLReporting {
    public var reportDialect: SQLDialect { .postgres }
    public var reportTime: Double { now }

    public func reportRows(_ sql: String, _ arguments: [ReportValue]) async throws -> [[ReportValue]] {
        var binds = PostgresBindings()
        for argument in arguments {
            switch argument {
            case .text(let text): binds.append(text)
            case .number(let number): binds.append(number)
            case .null: binds.appendNull()
            }
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        if let reads {
            do {
                return try await onReadServer(reads) { reads in
                    try await Self.collect(try await reads.query(query, logger: self.logger), Self.reportCells)
                }
            } catch {
                // Down, still starting, or lagging behind a schema change: the primary answers.
                logger.notice(
                    "the read server did not answer a report; the primary does", metadata: ["error": "\(error)"])
            }
        }
        return try await all(query, Self.reportCells)
    }

    @Sendable static func reportCells(_ row: PostgresRandomAccessRow) throws -> [ReportValue] {
        try row.map { cell -> ReportValue in
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
            default: return .number(try cell.decode(Double.self))
            }
        }
    }

    /// `body` on the read server's pool within the store's timeout.
    private func onReadServer<T: Sendable>(
        _ reads: PostgresClient, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let work = Task { try await body(reads) }
        guard let result = await Deadline.result(of: work, within: timeout) else {
            work.cancel()
            throw StoreError.unavailable
        }
        return try result.get()
    }
}
