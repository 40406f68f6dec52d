import TestSupport
import Testing

@Suite struct TestServersTests {
    /// In CI every backend is tested: a missing server is a failure, never a quietly shorter suite.
    @Test func everyServerTheSuitesNeedIsRunningInCI() {
        guard TestServers.isCI else { return }
        #expect(TestServers.postgresURL != nil, "\(TestServerMissing(name: "PostgreSQL"))")
        #expect(TestServers.outage != nil, "\(TestServerMissing(name: "PostgreSQL (outage test)"))")
        #expect(TestServers.failoverPair != nil, "\(TestServerMissing(name: "PostgreSQL (primary and standby)"))")
        #expect(TestServers.redisURL != nil, "\(TestServerMissing(name: "Redis"))")
        #expect(TestServers.redisOutage != nil, "\(TestServerMissing(name: "Redis (outage test)"))")
        #expect(TestServers.redisRestart != nil, "\(TestServerMissing(name: "Redis (restart test)"))")
        #expect(TestServers.s3 != nil, "\(TestServerMissing(name: "SeaweedFS (S3)"))")
        #expect(StoreBackend.all.map(\.name) == ["SQLite", "memory", "PostgreSQL"])
    }
}
