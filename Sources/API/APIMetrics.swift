import ClipGenCore
import CoreMetrics
import Foundation
import Persistence

/// What the API counts, by the names operators chart (see deploy/grafana and deploy/prometheus),
/// into the process's registry.
public struct APIMetrics: Sendable {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`;
    /// `route` is the matched template (`/v1/jobs/{id}`), never a raw path; methods outside
    /// HTTP's usual few count as `other`, so no client can grow the label set.
    func request(method: String, route: String, status: Int, duration: Duration) {
        let method = Self.methods.contains(method) ? method : "other"
        Counter(
            label: "http_requests_total",
            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory
        )
        .increment()
        Timer(
            label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory
        )
        .recordMicroseconds(duration.microseconds)
    }

    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    /// `jobs_total{status}`: jobs submitted (`queued`) and cancelled here; workers count the ones they finish.
    func job(_ status: JobStatus) {
        Counter(label: "jobs_total", dimensions: [("status", status.rawValue)], factory: factory).increment()
    }

    /// `retention_removed_total{category}`: rows the lifecycle sweep removed (`uploads`, `clips`,
    /// `analyses`, `jobs`, `audit`, `webhooks`).
    func expired(_ category: String, count: Int) {
        Counter(label: "retention_removed_total", dimensions: [("category", category)], factory: factory)
            .increment(by: count)
    }

    /// `storage_quota_used_ratio{organization}`: stored bytes over the organisation's storage
    /// quota, measured by the lifecycle sweep; only organisations with a quota have one.
    func storageQuotaUsed(organization: OrganizationID, ratio: Double) {
        Gauge(
            label: "storage_quota_used_ratio", dimensions: [("organization", organization.rawValue)], factory: factory
        )
        .record(ratio)
    }

    /// `login_failures_total{reason}`: `wrong_password`, `unknown_account`, `locked`, `disabled`.
    func loginFailed(_ reason: String) {
        Counter(label: "login_failures_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// `rate_limit_rejections_total{scope}`: `address` or `principal`.
    func rateLimited(_ scope: String) {
        Counter(label: "rate_limit_rejections_total", dimensions: [("scope", scope)], factory: factory).increment()
    }

    /// `audit_events_total{outcome}`: `success`, `unauthenticated`, `denied`, `limited`, `rejected`, `error`.
    func audited(_ outcome: String) {
        Counter(label: "audit_events_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// `http_connections_cut_total{reason}`: `refused` (past a connection cap, answered 503) or
    /// `slow_body` (a request body below the minimum rate).
    func connectionCut(_ reason: String) {
        Counter(label: "http_connections_cut_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// `blob_integrity_failures_total`: stored files refused because their sealed bytes did not
    /// open (damaged or tampered with): each one is a file an operator must restore.
    func blobIntegrityFailure() {
        Counter(label: "blob_integrity_failures_total", factory: factory).increment()
    }

    /// `audit_events_sampled_out_total{outcome}`: refusals counted but not written to the audit
    /// log, because one like it from the same client was written within the minute.
    func auditSampledOut(_ outcome: String) {
        Counter(label: "audit_events_sampled_out_total", dimensions: [("outcome", outcome)], factory: factory)
            .increment()
    }

    /// What the store holds, read at each scrape: `queue_size{capability}`,
    /// `queue_oldest_task_age_seconds{capability}`, `workers_alive{capability}` (registered
    /// workers seen within `workerTTL` seconds) and `storage_bytes`; with a PostgreSQL primary that
    /// has standbys, `replication_lag_seconds{kind="database"}`, `replication_lag_bytes{kind="database"}`,
    /// `replication_standbys` (streaming now) and `replication_slots_inactive`.
    func sample(_ store: some ReportQueries & WorkerRegistry & ReplicationStatus, now: Double, workerTTL: Double = 60)
        async
    {
        if let statistics = try? await store.queueStatistics() {
            for capability in Capability.allCases {
                let entry = statistics.first { $0.capability == capability }
                Gauge(label: "queue_size", dimensions: [("capability", capability.rawValue)], factory: factory).record(
                    entry?.queued ?? 0)
                Gauge(
                    label: "queue_oldest_task_age_seconds", dimensions: [("capability", capability.rawValue)],
                    factory: factory
                )
                .record(entry?.oldestDueSince.map { max(0, now - $0.timeIntervalSince1970) } ?? 0)
            }
        }
        if let workers = try? await store.liveWorkers(seenWithin: workerTTL) {
            for capability in Capability.allCases {
                Gauge(label: "workers_alive", dimensions: [("capability", capability.rawValue)], factory: factory)
                    .record(workers.filter { $0.capabilities.contains(capability) }.count)
            }
        }
        if let bytes = try? await store.storedBytes() {
            Gauge(label: "storage_bytes", factory: factory).record(bytes)
        }
        if let replication = try? await store.databaseReplication() {
            Gauge(label: "replication_lag_seconds", dimensions: [("kind", "database")], factory: factory).record(
                replication.lagSeconds)
            Gauge(label: "replication_lag_bytes", dimensions: [("kind", "database")], factory: factory).record(
                replication.lagBytes)
            Gauge(label: "replication_standbys", factory: factory).record(replication.streaming)
            Gauge(label: "replication_slots_inactive", factory: factory).record(replication.inactiveSlots)
        }
    }
}
