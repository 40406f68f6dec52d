import Accounts
import ClipGenCore
import Foundation
import Logging
import MediaEngine
import Persistence
import Server
import TestSupport
import Testing

@Suite struct ConfigurationLoaderTests {
    @Test func defaultsWhenNothingIsSet() async throws {
        let c = try await ConfigurationLoader.load(flags: [:], environment: [:])
        #expect(c.api.http.host == "127.0.0.1" && c.api.http.port == 8080)
        #expect(c.dataDirectory == "./data")
        #expect(c.workers.inProcess && c.workers.capabilities == [.cpu])
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheFile() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir + "/clipgen.env"
            try "CLIPGEN_PORT=7000\nCLIPGEN_DATA_DIR=/from/file\nCLIPGEN_WORKER_CONCURRENCY=5\n".write(
                toFile: file, atomically: true, encoding: .utf8)
            let c = try await ConfigurationLoader.load(
                flags: ["port": "9000", "config": file],
                environment: [
                    "CLIPGEN_PORT": "8000", "CLIPGEN_DATA_DIR": "/from/env", "CLIPGEN_ADMIN_EMAIL": "boss@x.test",
                ])
            #expect(c.api.http.port == 9000)
            #expect(c.dataDirectory == "/from/env")
            #expect(c.workers.concurrency == 5)
            #expect(c.api.auth.adminEmail == "boss@x.test")
        }
    }

    @Test func theS3StoreIsConfiguredFromItsDocumentedVariablesAndFlags() async throws {
        let c = try await ConfigurationLoader.load(
            flags: ["s3PartSizeMb": "16"],
            environment: [
                "CLIPGEN_S3_ENDPOINT": "http://127.0.0.1:8333/", "CLIPGEN_S3_BUCKET": "media",
                "CLIPGEN_S3_REGION": "eu-west-1",
                "CLIPGEN_S3_KEY_PREFIX": "staging/", "CLIPGEN_S3_ACCESS_KEY_ID": "id",
                "CLIPGEN_S3_SECRET_ACCESS_KEY": "secret",
                "CLIPGEN_S3_CONCURRENT_PARTS": "2", "CLIPGEN_S3_ABORT_INCOMPLETE_UPLOADS_DAYS": "0",
                "CLIPGEN_S3_REPLICA_BUCKETS": "media-a, media-b",
            ])
        let s3 = try #require(c.s3)
        #expect(s3.replicaBuckets == ["media-a", "media-b"])
        await #expect(throws: ConfigurationProblem.self) {
            _ = try await ConfigurationLoader.load(
                flags: [:],
                environment: [
                    "CLIPGEN_S3_ENDPOINT": "http://127.0.0.1:8333/", "CLIPGEN_S3_ACCESS_KEY_ID": "id",
                    "CLIPGEN_S3_SECRET_ACCESS_KEY": "secret", "CLIPGEN_S3_REPLICA_BUCKETS": "clipgen",
                ])
        }
        #expect(s3.abortIncompleteUploadsDays == nil, "0 leaves the bucket's rules alone")
        #expect(
            s3.endpoint.absoluteString == "http://127.0.0.1:8333" && s3.bucket == "media" && s3.region == "eu-west-1")
        #expect(
            s3.keyPrefix == "staging/" && s3.accessKeyID == "id" && s3.partSize == 16 << 20 && s3.concurrentParts == 2)
        #expect(try await ConfigurationLoader.load(flags: [:], environment: [:]).s3 == nil)
    }

    @Test func theRegionIsReadByTheAPIAndTheWorkersAlike() async throws {
        let c = try await ConfigurationLoader.load(
            flags: [:],
            environment: [
                "CLIPGEN_REGION": "eu-1", "CLIPGEN_REGION_TAKEOVER_SECONDS": "20",
                "CLIPGEN_REGION_URLS": "eu-1=https://eu.clipgen.test, us-2=http://10.0.0.2:8080",
            ])
        #expect(c.api.region == c.workers.region)
        #expect(c.api.region.name == "eu-1" && c.api.region.takeoverSeconds == 20)
        #expect(
            c.api.region.urls == [
                "eu-1": URL(string: "https://eu.clipgen.test")!, "us-2": URL(string: "http://10.0.0.2:8080")!,
            ])
        #expect(try await ConfigurationLoader.load(flags: [:], environment: [:]).api.region.name == nil)
        for (name, value) in [
            ("CLIPGEN_REGION", "EU 1"), ("CLIPGEN_REGION_URLS", "eu-1"), ("CLIPGEN_REGION_URLS", "eu-1=ftp://x"),
            ("CLIPGEN_REGION_TAKEOVER_SECONDS", "0"), ("CLIPGEN_REPLICATION", "eventually"),
            // Confirming replication needs the second region's store.
            ("CLIPGEN_REPLICATION", "sync"),
        ] {
            await #expect(throws: ConfigurationProblem.self, "\(name)=\(value)") {
                _ = try await ConfigurationLoader.load(flags: [:], environment: [name: value])
            }
        }
    }

    @Test func retentionDefaultsTheBoundAndTheSweepAreConfigured() async throws {
        let defaults = try await ConfigurationLoader.load(flags: [:], environment: [:]).api.retention
        #expect(
            defaults.defaults == RetentionSettings(uploads: 0, clips: 0, analyses: 0, jobs: 0, audit: 90, webhooks: 0))
        #expect(defaults.maxDays == nil && defaults.interval == .seconds(3600))
        let c = try await ConfigurationLoader.load(
            flags: ["jobRetentionDays": "60"],
            environment: [
                "CLIPGEN_UPLOAD_RETENTION_DAYS": "30", "CLIPGEN_CLIP_RETENTION_DAYS": "45",
                "CLIPGEN_ANALYSIS_RETENTION_DAYS": "50", "CLIPGEN_AUDIT_RETENTION_DAYS": "365",
                "CLIPGEN_WEBHOOK_RETENTION_DAYS": "7", "CLIPGEN_RETENTION_MAX_DAYS": "400",
                "CLIPGEN_RETENTION_SWEEP_SECONDS": "600",
            ]
        ).api.retention
        #expect(
            c.defaults == RetentionSettings(uploads: 30, clips: 45, analyses: 50, jobs: 60, audit: 365, webhooks: 7))
        #expect(c.maxDays == 400 && c.interval == .seconds(600))
        await #expect(throws: ConfigurationProblem.self) {
            try await ConfigurationLoader.load(flags: [:], environment: ["CLIPGEN_JOB_RETENTION_DAYS": "-1"])
        }
    }

    @Test(arguments: [
        ("CLIPGEN_S3_ENDPOINT", "ftp://files", "CLIPGEN_S3_ENDPOINT"),
        ("CLIPGEN_S3_BUCKET", "Media_Files", "CLIPGEN_S3_BUCKET"),
        ("CLIPGEN_S3_ACCESS_KEY_ID", "", "CLIPGEN_S3_ACCESS_KEY_ID"),
        ("CLIPGEN_S3_PART_SIZE_MB", "1", "CLIPGEN_S3_PART_SIZE_MB"),
        ("CLIPGEN_S3_KEY_PREFIX", "../up", "CLIPGEN_S3_KEY_PREFIX"),
    ])
    func aBadS3SettingNamesItsVariable(variable: String, value: String, named: String) async throws {
        var environment = [
            "CLIPGEN_S3_ENDPOINT": "http://127.0.0.1:8333", "CLIPGEN_S3_ACCESS_KEY_ID": "id",
            "CLIPGEN_S3_SECRET_ACCESS_KEY": "secret",
        ]
        environment[variable] = value
        let error = await #expect(throws: (any Error).self) {
            try await ConfigurationLoader.load(flags: [:], environment: environment)
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains(named))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("secret"))
    }

    @Test(arguments: [
        ("CLIPGEN_PORT", "eighty", "CLIPGEN_PORT"),
        ("CLIPGEN_PORT", "70000", "CLIPGEN_PORT"),
        ("CLIPGEN_WORKERS_IN_PROCESS", "maybe", "CLIPGEN_WORKERS_IN_PROCESS"),
        ("CLIPGEN_WORKER_CAPABILITIES", "cpu,tpu", "CLIPGEN_WORKER_CAPABILITIES"),
        ("CLIPGEN_JWT_SECRET", "short", "JWT secret"),
        ("CLIPGEN_LOG_LEVEL", "loud", "CLIPGEN_LOG_LEVEL"),
        ("CLIPGEN_DATABASE_URL", "mysql://root:hunter2@db/clipgen", "CLIPGEN_DATABASE_URL"),
        ("CLIPGEN_DATABASE_READ_URL", "postgres://u:hunter2@standby/clipgen", "CLIPGEN_DATABASE_READ_URL"),
        ("CLIPGEN_DATABASE_URL", "sqlite:", "CLIPGEN_DATABASE_URL"),
        ("CLIPGEN_DATABASE_URL", "postgres://:hunter2@db.internal:5432/", "CLIPGEN_DATABASE_URL"),
        (
            "CLIPGEN_DATABASE_URL", "postgres://clipgen:hunter2@db.internal/clipgen?sslmode=maybe",
            "CLIPGEN_DATABASE_URL"
        ),
        ("CLIPGEN_JWT_PREVIOUS_KEYS", "k0:hunter2", "CLIPGEN_JWT_PREVIOUS_KEYS"),
        ("CLIPGEN_JWT_PREVIOUS_KEYS", "k1:hunter2-hunter2-hunter2-hunter2-hunter2", "CLIPGEN_JWT_PREVIOUS_KEYS"),
        ("CLIPGEN_ADMIN_PASSWORD", "hunter2-abc", "CLIPGEN_ADMIN_PASSWORD"),
        ("CLIPGEN_IDLE_TIMEOUT_SECONDS", "0", "CLIPGEN_IDLE_TIMEOUT_SECONDS"),
        ("CLIPGEN_ENCRYPTION_KEYS", "k1:aHVudGVyMg==", "CLIPGEN_ENCRYPTION_KEYS"),
        ("CLIPGEN_ENCRYPTION_KEY_ID", "k1", "CLIPGEN_ENCRYPTION_KEY_ID"),
        ("CLIPGEN_ALLOW_PRIVATE_NETWORKS", "10.0.0.0/8,nonsense", "nonsense"),
    ])
    func malformedValuesAreErrorsNamingTheVariable(name: String, value: String, mentioned: String) async throws {
        do {
            _ = try await ConfigurationLoader.load(flags: [:], environment: [name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect("\(error)".contains(mentioned), "\(error)")
            #expect(!"\(error)".contains("hunter2"), "a URL's credentials never reach a message")
        }
    }

    @Test func everyKeyHasAnEnvironmentName() {
        #expect(ConfigurationLoader.environmentName("dataDir") == "CLIPGEN_DATA_DIR")
        #expect(ConfigurationLoader.environmentName("workersInProcess") == "CLIPGEN_WORKERS_IN_PROCESS")
        // The README's table is exactly the keys the loader reads, meanings and defaults included.
        let readme = (try? String(contentsOfFile: TestMedia.repositoryRoot + "/README.md", encoding: .utf8)) ?? ""
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `CLIPGEN_") }.map(String.init)
        #expect(
            rows
                == ConfigurationLoader.keys.map {
                    "| `\(ConfigurationLoader.environmentName($0.key))` | \($0.meaning) |"
                })
    }

    @Test func aGPUWorkerWithoutAWorkingEncoderFallsBackToCPU() async throws {
        try await withTemporaryDirectory { dir in
            var c = ClipGenConfiguration()
            c.dataDirectory = dir
            c.api.auth.bcryptCost = 4
            c.workers.capabilities = [.cpu, .gpu]
            let pool = try await ClipGenServer(configuration: c).workerPool(logger: .quiet("test"))
            let report = await HardwareDetector().detect()
            #expect(pool.settings.capabilities == (report.hasGPU ? [.cpu, .gpu] : [.cpu]))
            #expect(pool.pipeline.encoder == report.encoder)
        }
    }

    @Test func firstStartCreatesOneAdminAndGeneratesAPasswordWhenNoneIsGiven() async throws {
        try await withTemporaryDirectory { dir in
            var c = ClipGenConfiguration()
            c.dataDirectory = dir
            c.api.auth.bcryptCost = 4
            let first = ClipGenServer(configuration: c)
            let password = try #require(try await first.prepare()?.generatedPassword)
            #expect(password.count >= 16)
            let admin = try #require(try await first.store.user(email: "admin@localhost"))
            #expect(admin.role == .admin)
            #expect(try await PasswordHasher.verify(password, hash: admin.passwordHash))
            let second = ClipGenServer(configuration: c)
            #expect(try await second.prepare() == nil, "an existing database is left alone")
            #expect(try await second.store.userCount() == 1)
        }
    }
}
