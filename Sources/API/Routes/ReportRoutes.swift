import ClipGenCore
import Foundation
import Hummingbird
import Persistence

/// Reports over the organisation's jobs, computed by the store (SQL on SQLite and PostgreSQL):
/// `GET /v1/analytics/summary?from=&to=&groupBy=none|hour|day`, `GET
/// /v1/quality/summary?from=&to=&psnrBelow=&ssimBelow=`
/// and `GET /v1/jobs/{id}/quality`. The window is the jobs created in `[from, to)` (ISO 8601;
/// default the last 30 days), at most 366 days, and 31 days by the hour.
struct ReportRoutes<Store: JobRepository & ReportQueries> {
    let store: Store
    let clock: WallClock

    /// One bucket of a grouped report: its interval, then its figures.
    struct Bucket: Encodable {
        var start: Date
        var end: Date
        var figures: AnalyticsFigures

        enum CodingKeys: String, CodingKey { case start, end }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(start, forKey: .start)
            try container.encode(end, forKey: .end)
            try figures.encode(to: encoder)
        }
    }

    struct Analytics: ResponseEncodable {
        var from: Date
        var to: Date
        var groupBy: AnalyticsGrouping
        var totals: AnalyticsFigures
        var buckets: [Bucket]
    }

    struct Quality: ResponseEncodable {
        var from: Date?
        var to: Date?
        var thresholds: [String: Double]
        var report: QualityReport

        enum CodingKeys: String, CodingKey { case from, to, thresholds }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(from, forKey: .from)
            try container.encodeIfPresent(to, forKey: .to)
            try container.encode(thresholds, forKey: .thresholds)
            try report.encode(to: encoder)
        }
    }

    func add(to router: some RouterMethods<AppRequestContext>) {
        router.get("analytics/summary", use: analytics)
        router.get("quality/summary", use: qualitySummary)
        router.get("jobs/{id}/quality", use: jobQuality)
    }

    @Sendable func analytics(_ request: Request, context: AppRequestContext) async throws -> Analytics {
        let principal = try context.require(.read)
        let query = request.uri.queryParameters
        let (from, to) = try window(request)
        let grouping =
            try query["groupBy"].map { text in
                guard let grouping = AnalyticsGrouping(rawValue: String(text)) else {
                    throw Problem(status: .badRequest, detail: "groupBy must be none, hour or day")
                }
                return grouping
            } ?? .day
        if grouping == .hour, to.timeIntervalSince(from) > 31 * 86400 {
            throw Problem(
                status: .badRequest,
                detail: "by the hour, the window is at most 31 days; narrow from and to or group by day")
        }
        let report = try await store.analytics(
            ReportScope(organizationId: principal.organizationId, from: from, to: to), groupBy: grouping)
        return Analytics(
            from: from, to: to, groupBy: grouping, totals: report.totals,
            buckets: report.buckets.map {
                Bucket(
                    start: $0.start, end: min(to, $0.start.addingTimeInterval(grouping.seconds ?? 0)),
                    figures: $0.figures)
            })
    }

    @Sendable func qualitySummary(_ request: Request, context: AppRequestContext) async throws -> Quality {
        let principal = try context.require(.read)
        let (from, to) = try window(request)
        let thresholds = try thresholds(request)
        let report = try await store.quality(
            ReportScope(organizationId: principal.organizationId, from: from, to: to), thresholds: thresholds)
        return Quality(
            from: from, to: to, thresholds: ["psnr": thresholds.psnr, "ssim": thresholds.ssim], report: report)
    }

    @Sendable func jobQuality(_ request: Request, context: AppRequestContext) async throws -> Quality {
        let principal = try context.require(.read)
        guard let id = context.parameters.get("id", as: JobID.self),
            try await store.job(id: id, organizationId: principal.organizationId) != nil
        else { throw Problem.notFound("job") }
        let thresholds = try thresholds(request)
        let scope = ReportScope(
            organizationId: principal.organizationId, from: .distantPast, to: .distantFuture, jobId: id)
        return Quality(
            thresholds: ["psnr": thresholds.psnr, "ssim": thresholds.ssim],
            report: try await store.quality(scope, thresholds: thresholds))
    }

    private func window(_ request: Request) throws -> (Date, Date) {
        let to = try request.isoDate("to") ?? clock.now()
        let from = try request.isoDate("from") ?? to.addingTimeInterval(-30 * 86400)
        guard from < to else { throw Problem(status: .badRequest, detail: "from must be before to") }
        guard to.timeIntervalSince(from) <= 366 * 86400 else {
            throw Problem(status: .badRequest, detail: "the window is at most 366 days")
        }
        return (from, to)
    }

    private func thresholds(_ request: Request) throws -> QualityThresholds {
        var thresholds = QualityThresholds()
        thresholds.psnr = try number(request, "psnrBelow", in: 0...100) ?? thresholds.psnr
        thresholds.ssim = try number(request, "ssimBelow", in: 0...1) ?? thresholds.ssim
        return thresholds
    }

    private func number(_ request: Request, _ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let value = Double(String(text)), range.contains(value) else {
            throw Problem(
                status: .badRequest, detail: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

extension Request {
    /// An ISO 8601 time from the query (`2026-01-31T00:00:00Z`, or a day, `2026-01-31`, meaning its start in UTC).
    func isoDate(_ name: String) throws -> Date? {
        guard let text = uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let day = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) { return day }
        throw Problem(
            status: .badRequest,
            detail: "\(name) must be an ISO 8601 time such as 2026-01-31T00:00:00Z, or a day such as 2026-01-31")
    }
}
