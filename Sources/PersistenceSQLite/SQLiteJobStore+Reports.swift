import GRDB
import Persistence

extension SQLiteJobStore: SQLReporting {
    public var reportDialect: SQLDialect { .sqlite }
    public var reportTime: Double { now }

    public func reportRows(_ sql: String, _ arguments: [ReportValue]) async throws -> [[ReportValue]] {
        let bound = StatementArguments(
            arguments.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let text): text
                case .number(let number): number
                case .null: nil
                }
            })
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map { row in
                row.databaseValues.map { value in
                    switch value.storage {
                    case .string(let text): .text(text)
                    case .double(let number): .number(number)
                    case .int64(let number): .number(Double(number))
                    case .null, .blob: .null
                    }
                }
            }
        }
    }
}
