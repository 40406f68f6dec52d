// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Tests import what they use as the modules re-export it; member visibility checks add noise there.
let testSwiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "clipgen",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clipgen", targets: ["clipgen"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // Already built for WebSocket compression; gzip for JSON answers and the web app.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "ClipGenCore",
            swiftSettings: swiftSettings
        ),
        // Debian's libbrotli-dev (scripts/setup.sh installs it): br for JSON answers and the web app.
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        // The seams between processes (event bus, work signal, shared cache, counters, token
        // buckets, notifier) with their in-process implementations, and backend call metrics.
        .target(
            name: "Coordination",
            dependencies: ["ClipGenCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MediaEngine",
            dependencies: [
                "ClipGenCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MediaAnalysis",
            dependencies: ["ClipGenCore", "MediaEngine"],
            // The Python helpers for speech and faces, compiled into the binary and run with `python -c`.
            resources: [.embedInCode("Helpers/transcribe.py"), .embedInCode("Helpers/faces.py")],
            // Per-pixel and per-sample loops: optimised in debug builds too, so tests analyse at speed.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "Outbound",
            dependencies: [
                "ClipGenCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Persistence",
            dependencies: ["ClipGenCore", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PersistenceSQLite",
            dependencies: [
                "ClipGenCore", "Persistence",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PersistencePostgres",
            dependencies: [
                "ClipGenCore", "Coordination", "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for `ConnectionPoolError`, which the pool throws as itself when it gives up connecting.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PersistenceMemory",
            dependencies: [
                "ClipGenCore", "Persistence", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What leaves the service about jobs: the event relay (outbox to bus), webhook deliveries
        // and their secrets, and the wire format sockets and webhooks share.
        .target(
            name: "Delivery",
            dependencies: [
                "ClipGenCore", "Coordination", "Persistence", "Outbound",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BlobStorage",
            dependencies: [
                "ClipGenCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BlobStorageS3",
            dependencies: [
                "ClipGenCore", "Coordination", "BlobStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RedisSupport",
            dependencies: [
                "ClipGenCore", "Coordination",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Workers",
            dependencies: [
                "ClipGenCore", "Coordination", "MediaEngine", "MediaAnalysis", "Persistence", "BlobStorage", "Outbound",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Identity: tokens, passwords and their hashing, API key credentials, the sign-in guard,
        // organisations and the first admin. No HTTP: the edge maps its errors to problem+json.
        .target(
            name: "Accounts",
            dependencies: [
                "ClipGenCore", "Coordination", "Persistence",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The web app, compiled into the binary, and the routes that serve it.
        .target(
            name: "WebApp",
            dependencies: [
                "ClipGenCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: ["index.html", "app.css", "app.js", "api.js", "dom.js", "timeline.js", "views.js", "batches.js"]
                .map {
                    .embedInCode("Web/\($0)")
                },
            swiftSettings: swiftSettings
        ),
        .target(
            name: "API",
            dependencies: [
                "ClipGenCore", "Accounts", "Coordination", "Delivery", "Persistence", "BlobStorage", "Outbound",
                "WebApp", "CBrotli",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "ClipGenCore", "MediaEngine", "MediaAnalysis", "Persistence", "PersistenceSQLite",
                "PersistencePostgres", "BlobStorage", "BlobStorageS3",
                "RedisSupport", "Accounts", "Coordination", "Delivery", "Workers", "API", "Outbound",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "clipgen",
            dependencies: [
                "ClipGenCore", "Accounts", "MediaEngine", "MediaAnalysis", "Persistence", "BlobStorage", "Server",
                "API", "Workers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks that need Swift (bench/queue.sh); not part of the product.
        .executableTarget(
            name: "queue-bench",
            dependencies: [
                "ClipGenCore", "Persistence", "PersistenceSQLite", "PersistencePostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/QueueBench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "ClipGenCore", "PersistencePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClipGenCoreTests",
            dependencies: ["ClipGenCore", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "CoordinationTests",
            dependencies: ["Coordination", "ClipGenCore", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "MediaEngineTests",
            dependencies: ["MediaEngine", "ClipGenCore", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "MediaAnalysisTests",
            dependencies: ["MediaAnalysis", "MediaEngine", "ClipGenCore", "TestSupport"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PersistenceTests",
            dependencies: [
                "ClipGenCore", "Persistence", "PersistenceSQLite", "PersistencePostgres", "PersistenceMemory",
                "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "BlobStorageTests",
            dependencies: [
                "ClipGenCore", "BlobStorage", "BlobStorageS3", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "RedisSupportTests",
            dependencies: [
                "RedisSupport", "Coordination", "ClipGenCore", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "OutboundTests",
            dependencies: ["Outbound", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "CBrotli", .product(name: "CompressNIO", package: "compress-nio"),
                "API", "Accounts", "ClipGenCore", "Coordination", "WebApp", "Persistence", "PersistenceSQLite",
                "BlobStorage", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "WorkersTests",
            dependencies: [
                "Workers", "ClipGenCore", "MediaEngine", "MediaAnalysis", "Persistence", "PersistenceSQLite",
                "BlobStorage", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Accounts", "ClipGenCore", "MediaEngine", "Persistence", "TestSupport", "BlobStorage",
                "PersistenceSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "API", "Accounts", "Workers", "Server", "TestSupport", "ClipGenCore", "MediaEngine", "Persistence",
                "PersistenceSQLite", "Coordination", "BlobStorage", "BlobStorageS3", "RedisSupport",
                "PersistencePostgres", "Outbound", "MediaAnalysis",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // Python helpers the tests start (receivers, file servers, misbehaving clients).
            exclude: ["Scripts"],
            swiftSettings: testSwiftSettings
        ),
    ]
)
