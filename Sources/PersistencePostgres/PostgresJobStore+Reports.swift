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
        return try await all(PostgresQuery(unsafeSQL: sql, binds: binds)) { row in
            try row.map { cell -> ReportValue in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
                default: return .number(try cell.decode(Double.self))
                }
            }
        }
    }
}
