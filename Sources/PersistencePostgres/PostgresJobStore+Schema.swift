extension PostgresJobStore {
    /// Versions in order, each a list of statements. The same tables as SQLite's, with times as
    /// seconds since 1970 (so cursors mean the same on both) and integers as BIGINT.
    static let migrations: [(String, [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at DOUBLE PRECISION \
                NOT NULL)
                """,
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    email TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE UNIQUE INDEX users_email ON users (lower(email))",
                """
                CREATE TABLE uploads (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    owner_id TEXT NOT NULL,
                    filename TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    blob_key TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX uploads_org ON uploads (organization_id, created_at DESC, id DESC)",
                "CREATE INDEX uploads_blob ON uploads (blob_key)",
                "CREATE INDEX uploads_sha ON uploads (organization_id, sha256)",
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    owner_id TEXT NOT NULL,
                    upload_id TEXT,
                    status TEXT NOT NULL,
                    stage TEXT NOT NULL,
                    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                    error_code TEXT,
                    error_message TEXT,
                    request TEXT NOT NULL,
                    source TEXT,
                    source_info TEXT,
                    storyboard TEXT,
                    highlights TEXT,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    created_at DOUBLE PRECISION NOT NULL,
                    started_at DOUBLE PRECISION,
                    finished_at DOUBLE PRECISION)
                """,
                "CREATE INDEX jobs_org ON jobs (organization_id, created_at DESC, id DESC)",
                """
                CREATE TABLE idempotency_keys (
                    organization_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    PRIMARY KEY (organization_id, key))
                """,
                """
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    capability TEXT NOT NULL,
                    clip_index BIGINT,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    max_attempts BIGINT NOT NULL,
                    available_at DOUBLE PRECISION NOT NULL,
                    lease_owner TEXT,
                    lease_expires_at DOUBLE PRECISION,
                    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                    last_error_code TEXT,
                    last_error_message TEXT,
                    created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX tasks_runnable ON tasks (status, available_at)",
                "CREATE INDEX tasks_job ON tasks (job_id)",
                """
                CREATE TABLE clips (
                    id TEXT PRIMARY KEY,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    organization_id TEXT NOT NULL,
                    idx BIGINT NOT NULL,
                    name TEXT,
                    start DOUBLE PRECISION NOT NULL,
                    "end" DOUBLE PRECISION NOT NULL,
                    actual_start DOUBLE PRECISION NOT NULL,
                    duration DOUBLE PRECISION NOT NULL,
                    format TEXT NOT NULL,
                    mode_used TEXT NOT NULL,
                    fallback_reason TEXT,
                    size BIGINT NOT NULL,
                    sha256 TEXT NOT NULL,
                    blob_key TEXT NOT NULL,
                    score DOUBLE PRECISION,
                    loudness_lufs DOUBLE PRECISION,
                    encoder TEXT,
                    thumbnail_key TEXT,
                    reason TEXT,
                    quality TEXT,
                    created_at DOUBLE PRECISION NOT NULL,
                    UNIQUE (job_id, idx))
                """,
                """
                CREATE TABLE analyses (job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE, body TEXT \
                NOT NULL)
                """,
                """
                CREATE TABLE events (
                    seq BIGSERIAL PRIMARY KEY,
                    job_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    delivered_at DOUBLE PRECISION)
                """,
                "CREATE INDEX events_pending ON events (seq) WHERE delivered_at IS NULL",
                "CREATE INDEX events_delivered ON events (delivered_at) WHERE delivered_at IS NOT NULL",
            ]
        ),
        // A claim reads the oldest queued task and the oldest expired lease, each from an index in
        // claim order, instead of sorting every runnable task (3 ms a claim with 4,000 queued).
        (
            "v2",
            [
                "CREATE INDEX tasks_queued ON tasks (available_at, created_at) WHERE status = 'queued'",
                "CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE status = 'leased'",
            ]
        ),
        // Idempotency keys become per user, expire, and remember which request they were for; keys
        // from before keep working for their owner (an empty fingerprint matches any body).
        (
            "v3",
            [
                "ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false",
                "ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE idempotency_keys ADD COLUMN owner_id TEXT",
                "ALTER TABLE idempotency_keys ADD COLUMN fingerprint TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE idempotency_keys ADD COLUMN created_at DOUBLE PRECISION",
                """
                UPDATE idempotency_keys k SET owner_id = j.owner_id, created_at = j.created_at FROM jobs j WHERE \
                j.id = k.job_id
                """,
                "ALTER TABLE idempotency_keys ALTER COLUMN owner_id SET NOT NULL",
                "ALTER TABLE idempotency_keys ALTER COLUMN created_at SET NOT NULL",
                "ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey",
                "ALTER TABLE idempotency_keys ADD PRIMARY KEY (organization_id, owner_id, key)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    user_id TEXT NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    secret_hash TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    last_used_at DOUBLE PRECISION,
                    revoked_at DOUBLE PRECISION)
                """,
                "CREATE INDEX api_keys_org ON api_keys (organization_id, created_at DESC)",
                "ALTER TABLE organizations ADD COLUMN webhook_secret TEXT",
                "ALTER TABLE jobs ADD COLUMN webhook_url TEXT",
                "UPDATE jobs SET webhook_url = request::json->>'webhookUrl'",
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL,
                    next_attempt_at DOUBLE PRECISION NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'",
                "CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id)",
                """
                CREATE TABLE webhook_attempts (
                    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                    number BIGINT NOT NULL,
                    at DOUBLE PRECISION NOT NULL,
                    status_code BIGINT,
                    error TEXT,
                    duration DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (delivery_id, number))
                """,
                """
                CREATE TABLE audit_events (
                    seq BIGSERIAL PRIMARY KEY,
                    organization_id TEXT,
                    actor_user_id TEXT,
                    actor_api_key_id TEXT,
                    action TEXT NOT NULL,
                    target TEXT,
                    outcome TEXT NOT NULL,
                    status BIGINT NOT NULL,
                    address TEXT,
                    request_id TEXT,
                    at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX audit_events_org ON audit_events (organization_id, seq DESC)",
                "ALTER TABLE organizations ADD COLUMN quota_concurrent_jobs BIGINT",
                "ALTER TABLE organizations ADD COLUMN quota_stored_bytes BIGINT",
                "ALTER TABLE organizations ADD COLUMN quota_upload_bytes BIGINT",
                "CREATE INDEX jobs_org_active ON jobs (organization_id) WHERE status IN ('queued', 'running')",
            ]
        ),
        // When each task's latest attempt began and when it was done: processing times by stage in reports.
        (
            "v4",
            [
                "ALTER TABLE tasks ADD COLUMN started_at DOUBLE PRECISION",
                "ALTER TABLE tasks ADD COLUMN finished_at DOUBLE PRECISION",
                "CREATE INDEX clips_org ON clips (organization_id, created_at)",
            ]
        ),
        (
            "v5",
            [
                // A clip's crop path, its captions and the ranges kept once pauses were cut, as one JSON value.
                "ALTER TABLE clips ADD COLUMN presentation TEXT"
            ]
        ),
        (
            "v6",
            [
                // Emails are unique per organisation: one organisation's admin could otherwise learn
                // (and squat) the addresses another one uses.
                "DROP INDEX users_email",
                "CREATE UNIQUE INDEX users_org_email ON users (organization_id, lower(email))",
                "CREATE INDEX users_email ON users (lower(email))",
                "CREATE INDEX audit_events_at ON audit_events (at)",
                """
                CREATE TABLE storage_reservations (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL,
                    job_id TEXT,
                    bytes BIGINT NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX storage_reservations_org ON storage_reservations (organization_id)",
            ]
        ),
        // GPU-preferring tasks name who may take them after a wait; workers say they are alive.
        (
            "v7",
            [
                "ALTER TABLE tasks ADD COLUMN fallback TEXT",
                """
                CREATE TABLE workers (
                    id TEXT PRIMARY KEY,
                    capabilities TEXT NOT NULL,
                    registered_at DOUBLE PRECISION NOT NULL,
                    seen_at DOUBLE PRECISION NOT NULL)
                """,
            ]
        ),
        // A clip's other files (formats, sizes, an HLS package), as one JSON value, and their
        // bytes, which count against the organisation's quota beside the clip's own.
        (
            "v8",
            [
                "ALTER TABLE clips ADD COLUMN renditions TEXT",
                "ALTER TABLE clips ADD COLUMN renditions_size BIGINT NOT NULL DEFAULT 0",
            ]
        ),
        // An organisation's own retention (JSON, null fields take the defaults), and named
        // leases: one replica at a time sweeps what expired.
        (
            "v9",
            [
                "ALTER TABLE organizations ADD COLUMN retention TEXT",
                "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
                "CREATE INDEX webhook_deliveries_org ON webhook_deliveries (organization_id, created_at)",
                "CREATE INDEX jobs_org_finished ON jobs (organization_id, finished_at)",
            ]
        ),
        // Each task carries its job's organisation and priority, so a claim finds the
        // organisations with queued work and each one's next task through indexes alone.
        (
            "v10",
            [
                "ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE tasks ADD COLUMN organization_id TEXT",
                "ALTER TABLE tasks ADD COLUMN priority BIGINT NOT NULL DEFAULT 0",
                "UPDATE tasks SET organization_id = jobs.organization_id FROM jobs WHERE jobs.id = tasks.job_id",
                """
                CREATE INDEX tasks_org_next ON tasks (organization_id, priority DESC, available_at, created_at)
                    WHERE status = 'queued'
                """,
                "CREATE INDEX tasks_org_leased ON tasks (organization_id) WHERE status = 'leased'",
            ]
        ),
        // Batches: many jobs from one set of settings, settled with their last job.
        (
            "v11",
            [
                """
                CREATE TABLE batches (
                    id TEXT PRIMARY KEY,
                    organization_id TEXT NOT NULL REFERENCES organizations(id),
                    owner_id TEXT NOT NULL,
                    name TEXT,
                    preset TEXT,
                    webhook_url TEXT,
                    total BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    finished_at DOUBLE PRECISION,
                    idempotency_key TEXT,
                    fingerprint TEXT)
                """,
                "CREATE INDEX batches_org ON batches (organization_id, created_at DESC, id DESC)",
                """
                CREATE UNIQUE INDEX batches_key ON batches (organization_id, owner_id, idempotency_key)
                    WHERE idempotency_key IS NOT NULL
                """,
                "ALTER TABLE jobs ADD COLUMN batch_id TEXT",
                "CREATE INDEX jobs_batch ON jobs (batch_id) WHERE batch_id IS NOT NULL",
                "ALTER TABLE webhook_deliveries ADD COLUMN batch TEXT",
            ]
        ),
        // Tasks queued in one change are claimed in the order the workflow listed them (the
        // first clip before the storyboard), not in whatever order equal timestamps come back.
        (
            "v12",
            [
                "ALTER TABLE tasks ADD COLUMN seq BIGSERIAL",
                "DROP INDEX tasks_org_next",
                """
                CREATE INDEX tasks_org_next ON tasks (organization_id, priority DESC, available_at, created_at, seq)
                    WHERE status = 'queued'
                """,
            ]
        ),
        // Organisations live in a home region; each task copies it when queued, and each worker
        // says where it runs, so a claim can leave a region's work to its own workers.
        (
            "v13",
            [
                "ALTER TABLE organizations ADD COLUMN home_region TEXT",
                "ALTER TABLE tasks ADD COLUMN region TEXT",
                "ALTER TABLE workers ADD COLUMN region TEXT",
            ]
        ),
    ]
}
