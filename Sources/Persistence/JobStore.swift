/// Everything a backend stores, by concern: accounts, jobs and what they produced, the task
/// queue, the outbox of job events, and the registry of live workers. One type per backend
/// conforms to all of them (SQLite, PostgreSQL, and an in-memory one that proves the protocols
/// are not shaped like SQL); the API and the workers are generic over the parts they use.
public typealias JobStore = AccountStore & JobRepository & TaskQueue & EventOutbox & WebhookOutbox & AuditLog
    & QuotaLedger & ReportQueries & WorkerRegistry & DataLifecycle & BatchRepository & Residency
    & ReplicationStatus
