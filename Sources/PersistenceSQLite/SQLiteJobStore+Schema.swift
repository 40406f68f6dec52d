import ClipGenCore
import GRDB
import Persistence

extension SQLiteJobStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE organizations (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                        password_hash TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_at REAL NOT NULL);
                    CREATE TABLE uploads (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        owner_id TEXT NOT NULL,
                        filename TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        blob_key TEXT NOT NULL,
                        created_at REAL NOT NULL);
                    CREATE INDEX uploads_org ON uploads(organization_id, created_at DESC, id DESC);
                    CREATE INDEX uploads_blob ON uploads(blob_key);
                    CREATE TABLE jobs (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        owner_id TEXT NOT NULL,
                        upload_id TEXT,
                        status TEXT NOT NULL,
                        stage TEXT NOT NULL,
                        progress REAL NOT NULL DEFAULT 0,
                        error_code TEXT,
                        error_message TEXT,
                        request TEXT NOT NULL,
                        source TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL);
                    CREATE INDEX jobs_org ON jobs(organization_id, created_at DESC, id DESC);
                    CREATE TABLE idempotency_keys (
                        organization_id TEXT NOT NULL,
                        key TEXT NOT NULL,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        PRIMARY KEY (organization_id, key));
                    CREATE TABLE tasks (
                        id TEXT PRIMARY KEY,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        capability TEXT NOT NULL,
                        clip_index INTEGER,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        max_attempts INTEGER NOT NULL,
                        available_at REAL NOT NULL,
                        lease_owner TEXT,
                        lease_expires_at REAL,
                        progress REAL NOT NULL DEFAULT 0,
                        last_error_code TEXT,
                        last_error_message TEXT,
                        created_at REAL NOT NULL);
                    CREATE INDEX tasks_runnable ON tasks(status, available_at);
                    CREATE INDEX tasks_job ON tasks(job_id);
                    CREATE TABLE clips (
                        id TEXT PRIMARY KEY,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        organization_id TEXT NOT NULL,
                        idx INTEGER NOT NULL,
                        name TEXT,
                        start REAL NOT NULL,
                        "end" REAL NOT NULL,
                        actual_start REAL NOT NULL,
                        duration REAL NOT NULL,
                        format TEXT NOT NULL,
                        mode_used TEXT NOT NULL,
                        fallback_reason TEXT,
                        size INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        blob_key TEXT NOT NULL,
                        score REAL,
                        created_at REAL NOT NULL,
                        UNIQUE (job_id, idx));
                    """)
        }
        migrator.registerMigration("v2-outputs") { db in
            try db.execute(
                sql: """
                    ALTER TABLE clips ADD COLUMN loudness_lufs REAL;
                    ALTER TABLE clips ADD COLUMN encoder TEXT;
                    ALTER TABLE clips ADD COLUMN thumbnail_key TEXT;
                    ALTER TABLE jobs ADD COLUMN storyboard TEXT;
                    """)
        }
        migrator.registerMigration("v3-analysis") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN highlights TEXT;
                    ALTER TABLE clips ADD COLUMN reason TEXT;
                    ALTER TABLE clips ADD COLUMN quality TEXT;
                    CREATE TABLE analyses (
                        job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
                        body TEXT NOT NULL);
                    """)
        }
        migrator.registerMigration("v4-events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        job_id TEXT NOT NULL,
                        body TEXT NOT NULL,
                        delivered_at REAL);
                    CREATE INDEX events_pending ON events(delivered_at, seq);
                    ALTER TABLE jobs ADD COLUMN source_info TEXT;
                    CREATE INDEX uploads_sha ON uploads(organization_id, sha256);
                    """)
            // Job reads show the summary without decoding the keyframe index kept in `source`.
            for row in try Row.fetchAll(db, sql: "SELECT id, source FROM jobs WHERE source IS NOT NULL") {
                let media = try JSONCoding.decode(MediaInfo.self, row["source"])
                try db.execute(
                    sql: "UPDATE jobs SET source_info = ? WHERE id = ?",
                    arguments: [try JSONCoding.encode(media.sourceInfo), row["id"]])
            }
        }
        migrator.registerMigration("v5-security") { db in
            // Idempotency keys become per user, expire, and remember which request they were for;
            // keys from before keep working for their owner (an empty fingerprint matches any body).
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE idempotency_keys_v5 (
                        organization_id TEXT NOT NULL,
                        owner_id TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        PRIMARY KEY (organization_id, owner_id, key));
                    INSERT INTO idempotency_keys_v5 (organization_id, owner_id, key, fingerprint, created_at, job_id)
                        SELECT k.organization_id, j.owner_id, k.key, '', j.created_at, k.job_id
                            FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id;
                    DROP TABLE idempotency_keys;
                    ALTER TABLE idempotency_keys_v5 RENAME TO idempotency_keys;
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        user_id TEXT NOT NULL REFERENCES users(id),
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        last_used_at REAL,
                        revoked_at REAL);
                    CREATE INDEX api_keys_org ON api_keys(organization_id, created_at DESC);
                    ALTER TABLE organizations ADD COLUMN webhook_secret TEXT;
                    ALTER TABLE jobs ADD COLUMN webhook_url TEXT;
                    UPDATE jobs SET webhook_url = json_extract(request, '$.webhookUrl');
                    CREATE TABLE webhook_deliveries (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL,
                        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                        url TEXT NOT NULL,
                        body TEXT NOT NULL,
                        state TEXT NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        created_at REAL NOT NULL);
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
                    CREATE INDEX webhook_deliveries_job ON webhook_deliveries(job_id);
                    CREATE TABLE webhook_attempts (
                        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        at REAL NOT NULL,
                        status_code INTEGER,
                        error TEXT,
                        duration REAL NOT NULL,
                        PRIMARY KEY (delivery_id, number));
                    CREATE TABLE audit_events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        organization_id TEXT,
                        actor_user_id TEXT,
                        actor_api_key_id TEXT,
                        action TEXT NOT NULL,
                        target TEXT,
                        outcome TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        address TEXT,
                        request_id TEXT,
                        at REAL NOT NULL);
                    CREATE INDEX audit_events_org ON audit_events(organization_id, seq DESC);
                    ALTER TABLE organizations ADD COLUMN quota_concurrent_jobs INTEGER;
                    ALTER TABLE organizations ADD COLUMN quota_stored_bytes INTEGER;
                    ALTER TABLE organizations ADD COLUMN quota_upload_bytes INTEGER;
                    CREATE INDEX jobs_org_status ON jobs(organization_id, status);
                    """)
        }
        migrator.registerMigration("v6-operations") { db in
            // When each task's latest attempt began and when it was done: processing times by stage in reports.
            try db.execute(
                sql: """
                    ALTER TABLE tasks ADD COLUMN started_at REAL;
                    ALTER TABLE tasks ADD COLUMN finished_at REAL;
                    CREATE INDEX clips_org ON clips(organization_id, created_at);
                    """)
        }
        migrator.registerMigration("v7-speech-faces") { db in
            // A clip's crop path, its captions and the ranges kept once pauses were cut, as one JSON value.
            try db.execute(sql: "ALTER TABLE clips ADD COLUMN presentation TEXT")
        }
        migrator.registerMigration("v8-hardening") { db in
            // Emails are unique per organisation, not across the service: one organisation's admin
            // could otherwise learn (and squat) the addresses another one uses. SQLite keeps a
            // column's UNIQUE for good, so the table is made again.
            try db.execute(
                sql: """
                    CREATE TABLE users_v8 (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        email TEXT NOT NULL COLLATE NOCASE,
                        password_hash TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0,
                        token_version INTEGER NOT NULL DEFAULT 0,
                        UNIQUE (organization_id, email));
                    INSERT INTO users_v8 (id, organization_id, email, password_hash, role, created_at, disabled,
                        token_version)
                        SELECT id, organization_id, email, password_hash, role, created_at, disabled, token_version
                            FROM users;
                    DROP TABLE users;
                    ALTER TABLE users_v8 RENAME TO users;
                    CREATE INDEX users_email ON users(email COLLATE NOCASE);
                    CREATE INDEX audit_events_at ON audit_events(at);
                    CREATE TABLE storage_reservations (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL,
                        job_id TEXT,
                        bytes INTEGER NOT NULL,
                        expires_at REAL NOT NULL);
                    CREATE INDEX storage_reservations_org ON storage_reservations(organization_id);
                    """)
        }
        migrator.registerMigration("v9-placement") { db in
            // GPU-preferring tasks name who may take them after a wait; workers say they are alive.
            try db.execute(
                sql: """
                    ALTER TABLE tasks ADD COLUMN fallback TEXT;
                    CREATE TABLE workers (
                        id TEXT PRIMARY KEY,
                        capabilities TEXT NOT NULL,
                        registered_at REAL NOT NULL,
                        seen_at REAL NOT NULL);
                    """)
        }
        migrator.registerMigration("v10-renditions") { db in
            // A clip's other files (formats, sizes, an HLS package), as one JSON value, and their
            // bytes, which count against the organisation's quota beside the clip's own.
            try db.execute(
                sql: """
                    ALTER TABLE clips ADD COLUMN renditions TEXT;
                    ALTER TABLE clips ADD COLUMN renditions_size INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v11-lifecycle") { db in
            // An organisation's own retention (JSON, null fields take the defaults), and named
            // leases: one replica at a time sweeps what expired.
            try db.execute(
                sql: """
                    ALTER TABLE organizations ADD COLUMN retention TEXT;
                    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL);
                    CREATE INDEX webhook_deliveries_org ON webhook_deliveries(organization_id, created_at);
                    CREATE INDEX jobs_org_finished ON jobs(organization_id, finished_at);
                    """)
        }
        migrator.registerMigration("v12-fairness") { db in
            // Each task carries its job's organisation and priority, so a claim finds the
            // organisations with queued work and each one's next task through indexes alone.
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tasks ADD COLUMN organization_id TEXT;
                    ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
                    UPDATE tasks SET organization_id = (SELECT organization_id FROM jobs WHERE jobs.id = tasks.job_id);
                    CREATE INDEX tasks_org_next ON tasks(status, organization_id, priority DESC, available_at, created_at);
                    CREATE INDEX tasks_lease ON tasks(status, lease_expires_at);
                    """)
        }
        migrator.registerMigration("v13-batches") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batches (
                        id TEXT PRIMARY KEY,
                        organization_id TEXT NOT NULL REFERENCES organizations(id),
                        owner_id TEXT NOT NULL,
                        name TEXT,
                        preset TEXT,
                        webhook_url TEXT,
                        total INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        finished_at REAL,
                        idempotency_key TEXT,
                        fingerprint TEXT);
                    CREATE INDEX batches_org ON batches(organization_id, created_at);
                    CREATE UNIQUE INDEX batches_key ON batches(organization_id, owner_id, idempotency_key)
                        WHERE idempotency_key IS NOT NULL;
                    ALTER TABLE jobs ADD COLUMN batch_id TEXT;
                    CREATE INDEX jobs_batch ON jobs(batch_id) WHERE batch_id IS NOT NULL;
                    ALTER TABLE webhook_deliveries ADD COLUMN batch TEXT;
                    """)
        }
        migrator.registerMigration("v14-regions") { db in
            // Organisations live in a home region; each task copies it when queued, and each
            // worker says where it runs, so a claim can leave a region's work to its own workers.
            try db.execute(
                sql: """
                    ALTER TABLE organizations ADD COLUMN home_region TEXT;
                    ALTER TABLE tasks ADD COLUMN region TEXT;
                    ALTER TABLE workers ADD COLUMN region TEXT;
                    """)
        }
        return migrator
    }
}
