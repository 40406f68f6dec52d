import ClipGenCore
import Foundation

/// A value in or out of a report query: reports bind and read only text and numbers.
public enum ReportValue: Sendable, Equatable {
    case text(String)
    case number(Double)
    case null

    public var number: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    public var text: String? {
        if case .text(let value) = self { value } else { nil }
    }
}

/// Where SQLite's and PostgreSQL's SQL differ in the report queries; the queries themselves are
/// written once, in `SQLReporting`.
public struct SQLDialect: Sendable {
    /// The n-th (1-based) bound parameter: `?1` or `$1`.
    public var parameter: @Sendable (Int) -> String
    /// A number column read as a double, whatever type the engine gives it.
    public var real: @Sendable (String) -> String
    /// `column` (seconds since 1970) rounded down to a multiple of `width`.
    public var bucket: @Sendable (_ column: String, _ width: Double) -> String
    /// The number under `key` in a JSON text column, or NULL.
    public var jsonNumber: @Sendable (_ column: String, _ key: String) -> String

    public static let sqlite = SQLDialect(
        parameter: { "?\($0)" },
        real: { "CAST(\($0) AS REAL)" },
        bucket: { "(CAST(\($0) / \(Int($1)) AS INTEGER) * \(Int($1)))" },
        jsonNumber: { "json_extract(\($0), '$.\($1)')" })

    public static let postgres = SQLDialect(
        parameter: { "$\($0)" },
        real: { "CAST(\($0) AS DOUBLE PRECISION)" },
        bucket: { "(floor(\($0) / \(Int($1))) * \(Int($1)))" },
        jsonNumber: { "CAST((\($0)::jsonb ->> '\($1)') AS DOUBLE PRECISION)" })
}

/// A SQL store answers reports by running these queries: the figures are computed by the
/// database, next to the rows, the same way on SQLite and PostgreSQL.
public protocol SQLReporting: ReportQueries {
    var reportDialect: SQLDialect { get }
    /// Seconds since 1970 by the store's clock.
    var reportTime: Double { get }
    /// The rows of one read-only query, every column text, number or null.
    func reportRows(_ sql: String, _ arguments: [ReportValue]) async throws -> [[ReportValue]]
}

extension SQLReporting {
    public func analytics(_ scope: ReportScope, groupBy: AnalyticsGrouping) async throws -> AnalyticsReport {
        let totals = try await figures(scope, bucket: "0")[0] ?? AnalyticsFigures()
        guard let width = groupBy.seconds else { return AnalyticsReport(totals: totals, buckets: []) }
        let buckets = try await figures(scope, bucket: reportDialect.bucket("j.created_at", width))
        return AnalyticsReport(
            totals: totals,
            buckets: buckets.sorted { $0.key < $1.key }.map {
                AnalyticsBucket(start: Date(timeIntervalSince1970: $0.key), figures: $0.value)
            })
    }

    public func quality(_ scope: ReportScope, thresholds: QualityThresholds) async throws -> QualityReport {
        let d = reportDialect
        let p = d.parameter
        let arguments = scopeArguments(scope)
        let psnr = d.jsonNumber("c.quality", "psnr")
        let ssim = d.jsonNumber("c.quality", "ssim")
        let loudness = "COALESCE(\(d.jsonNumber("c.quality", "loudnessLUFS")), c.loudness_lufs)"
        let clips = "FROM clips c JOIN jobs j ON j.id = c.job_id WHERE \(scopeSQL)"
        let values = [("psnr", psnr), ("ssim", ssim), ("loudnessLUFS", loudness)].map { name, value in
            "SELECT \(d.real("0")) AS bucket, '\(name)' AS name, \(d.real(value)) AS value \(clips)"
        }.joined(separator: " UNION ALL ")
        let distributions = try await distributions(of: values, arguments)
        let count = try await reportRows("SELECT \(d.real("COUNT(*)")) \(clips)", arguments).first?.first?.number ?? 0
        let below = try await reportRows(
            """
            SELECT c.id, c.job_id, \(d.real(psnr)), \(d.real(ssim)), \(d.real(loudness)) \(clips)
                AND (\(psnr) < \(p(5)) OR \(ssim) < \(p(6)))
            ORDER BY COALESCE(\(psnr), 1000), c.id LIMIT \(QualityReport.listLimit)
            """, arguments + [.number(thresholds.psnr), .number(thresholds.ssim)]
        ).map {
            ClipQualityFigures(
                clipId: ClipID(rawValue: $0[0].text ?? ""), jobId: JobID(rawValue: $0[1].text ?? ""),
                psnr: $0[2].number, ssim: $0[3].number, loudnessLUFS: $0[4].number)
        }
        let byReason = try await reportRows(
            """
            SELECT c.fallback_reason, \(d.real("COUNT(*)")) \(clips) AND c.fallback_reason IS NOT NULL
                GROUP BY c.fallback_reason
            """, arguments)
        let fallbacks = try await reportRows(
            """
            SELECT c.id, c.job_id, c.fallback_reason \(clips) AND c.fallback_reason IS NOT NULL
            ORDER BY c.created_at DESC, c.id LIMIT \(QualityReport.listLimit)
            """, arguments
        ).map {
            ClipFallback(
                clipId: ClipID(rawValue: $0[0].text ?? ""), jobId: JobID(rawValue: $0[1].text ?? ""),
                reason: $0[2].text ?? "")
        }
        let overall = distributions[0] ?? [:]
        return QualityReport(
            clips: Int(count), psnr: overall["psnr"], ssim: overall["ssim"], loudnessLUFS: overall["loudnessLUFS"],
            belowThresholds: below,
            fallbacksByReason: Dictionary(
                uniqueKeysWithValues: byReason.map { ($0[0].text ?? "", Int($0[1].number ?? 0)) }), fallbacks: fallbacks
        )
    }

    public func queueStatistics() async throws -> [QueueStatistics] {
        let d = reportDialect
        return try await reportRows(
            """
            SELECT capability, \(d.real("COUNT(*)")),
                \(d.real("MIN(CASE WHEN available_at <= \(d.parameter(1)) THEN available_at END)"))
            FROM tasks WHERE status = 'queued' GROUP BY capability
            """, [.number(reportTime)]
        ).compactMap { row in
            guard let capability = row[0].text.flatMap(Capability.init(rawValue:)) else { return nil }
            return QueueStatistics(
                capability: capability, queued: Int(row[1].number ?? 0),
                oldestDueSince: row[2].number.map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func storedBytes() async throws -> Int64 {
        // Deduplicated uploads share a blob: each blob counts once.
        let uploads = "(SELECT COALESCE(SUM(size), 0) FROM (SELECT MAX(size) AS size FROM uploads GROUP BY blob_key) u)"
        let clips = "(SELECT COALESCE(SUM(size + renditions_size), 0) FROM clips)"
        let total =
            try await reportRows("SELECT \(reportDialect.real("\(uploads) + \(clips)"))", []).first?.first?.number ?? 0
        return Int64(total)
    }

    /// The organisation's jobs created in the window, and one job's when the fourth parameter is not empty.
    private var scopeSQL: String {
        let p = reportDialect.parameter
        return
            """
            j.organization_id = \(p(1)) AND j.created_at >= \(p(2)) AND j.created_at < \(p(3)) AND (\(p(4)) = '' \
            OR j.id = \(p(4)))
            """
    }

    private func scopeArguments(_ scope: ReportScope) -> [ReportValue] {
        [
            .text(scope.organizationId.rawValue), .number(scope.from.timeIntervalSince1970),
            .number(scope.to.timeIntervalSince1970),
            .text(scope.jobId?.rawValue ?? ""),
        ]
    }

    /// The figures of each bucket (`bucket`: a SQL expression over `j.created_at`, its start).
    private func figures(_ scope: ReportScope, bucket: String) async throws -> [Double: AnalyticsFigures] {
        let d = reportDialect
        let arguments = scopeArguments(scope)
        let jobs = "FROM jobs j WHERE \(scopeSQL)"
        var figures: [Double: AnalyticsFigures] = [:]
        let media =
            """
            SUM(CASE WHEN j.status = 'succeeded' THEN COALESCE(\(d.jsonNumber("j.source_info", "duration")), 0) \
            ELSE 0 END)
            """
        for row in try await reportRows(
            """
            SELECT \(d.real(bucket)), j.status, \(d.real("COUNT(*)")), \(d.real(media)) \(jobs) GROUP BY 1, 2
            """, arguments)
        {
            let key = row[0].number ?? 0
            figures[key, default: AnalyticsFigures()].jobs[row[1].text ?? "", default: 0] += Int(row[2].number ?? 0)
            figures[key, default: AnalyticsFigures()].mediaMinutes += (row[3].number ?? 0) / 60
        }
        for row in try await reportRows(
            """
            SELECT \(d.real(bucket)), COALESCE(j.error_code, 'unknown'), \(d.real("COUNT(*)")) \(jobs)
                AND j.status = 'failed' GROUP BY 1, 2
            """, arguments)
        {
            figures[row[0].number ?? 0, default: AnalyticsFigures()].failures[row[1].text ?? "", default: 0] += Int(
                row[2].number ?? 0)
        }
        for row in try await reportRows(
            """
            SELECT \(d.real(bucket)), \(d.real("COUNT(*)")), \(d.real("SUM(c.duration)")) FROM clips c
                JOIN jobs j ON j.id = c.job_id WHERE \(scopeSQL)
            GROUP BY 1
            """, arguments)
        {
            figures[row[0].number ?? 0, default: AnalyticsFigures()].clips += Int(row[1].number ?? 0)
            figures[row[0].number ?? 0, default: AnalyticsFigures()].clipMinutes += (row[2].number ?? 0) / 60
        }
        let taskTimes = """
            SELECT \(d.real(bucket)) AS bucket, t.kind AS name, \(d.real("t.finished_at - t.started_at")) AS value
            FROM tasks t JOIN jobs j ON j.id = t.job_id
            WHERE \(scopeSQL) AND t.status = 'done' AND t.started_at IS NOT NULL AND t.finished_at IS NOT NULL
            """
        for (key, stages) in try await distributions(of: taskTimes, arguments) {
            figures[key, default: AnalyticsFigures()].processingSeconds = stages
        }
        return figures
    }

    /// Count, min, max, mean and nearest-rank percentiles of `values` (a query of `bucket`,
    /// `name`, `value`), by bucket and name, computed with window functions.
    private func distributions(of values: String, _ arguments: [ReportValue]) async throws -> [Double: [String:
        Distribution]]
    {
        let d = reportDialect
        let percentiles = Distribution.percentiles.map { "MIN(CASE WHEN rn >= \($0) * n THEN value END)" }.joined(
            separator: ", ")
        var result: [Double: [String: Distribution]] = [:]
        for row in try await reportRows(
            """
            WITH v AS (\(values)),
            r AS (SELECT bucket, name, value, ROW_NUMBER() OVER (PARTITION BY bucket, name ORDER BY value) AS rn,
                         COUNT(*) OVER (PARTITION BY bucket, name) AS n
                  FROM v WHERE value IS NOT NULL)
            SELECT bucket, name, \(d.real("n")), MIN(value), MAX(value), \(d.real("AVG(value)")), \(percentiles)
            FROM r GROUP BY bucket, name, n
            """, arguments)
        {
            let numbers = row[2...].map { $0.number ?? 0 }
            result[row[0].number ?? 0, default: [:]][row[1].text ?? ""] = Distribution(
                count: Int(numbers[0]), min: numbers[1], max: numbers[2], mean: numbers[3], p5: numbers[4],
                p50: numbers[5], p95: numbers[6])
        }
        return result
    }
}
