/// Everything a backend stores, by concern: accounts, jobs and what they produced, the task
/// queue, and the outbox of job events. One type per backend conforms to all four (SQLite,
/// PostgreSQL later, and an in-memory one that proves the protocols are not shaped like SQL);
/// the API and the workers are generic over the parts they use.
public typealias JobStore = AccountStore & JobRepository & TaskQueue & EventOutbox & WebhookOutbox & AuditLog
    & QuotaLedger & ReportQueries
