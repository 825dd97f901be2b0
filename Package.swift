// swift-tools-version:6.2
import PackageDescription

/// Every target: Swift 6 language mode, explicit `any`, and warnings are errors so the build stays warning-free.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "composite-service",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "composite-service", targets: ["CompositeServiceCLI"]),
        .library(name: "CompositeCore", targets: ["CompositeCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The pure core: events, the reducer, the scorer protocol. No I/O, no networking, no clock reads.
        .target(
            name: "CompositeCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        // Scorer plug-in files: format, expression language, registry. Pure: it compiles source text.
        .target(
            name: "CompositeScoring",
            dependencies: [
                "CompositeCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // The broker protocol with Pulsar semantics and its in-memory implementation.
        .target(
            name: "CompositeBroker",
            dependencies: ["CompositeCore", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strictSettings
        ),
        // The durable embedded broker: SQLite (through GRDB) with Pulsar's delivery semantics.
        .target(
            name: "CompositeEmbeddedBroker",
            dependencies: ["CompositeCore", "CompositeBroker", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // A native Apache Pulsar client on SwiftNIO: wire codec, connections, lookup, producer and consumer.
        .target(
            name: "CompositePulsar",
            dependencies: [
                "CompositeCore", "CompositeBroker",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Federation: signed, encrypted node-to-node messages over the broker protocol, and federated statistics.
        .target(
            name: "CompositeFederation",
            dependencies: [
                "CompositeCore", "CompositeBroker",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // librdkafka's C declarations, for loading the library at run time (no link, no system headers).
        .target(name: "CRdKafka"),
        // The Kafka broker adapter: librdkafka wrapper, topic mapping, individual acknowledgements on offsets.
        .target(
            name: "CompositeKafka",
            dependencies: [
                "CRdKafka", "CompositeCore", "CompositeBroker", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Wiring: the engine driver over a broker, fixture replay, patient directories, scorer folders.
        .target(
            name: "CompositeService",
            dependencies: [
                "CompositeCore", "CompositeScoring", "CompositeBroker", "CompositeEmbeddedBroker", "CompositePulsar",
                "CompositeKafka",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The thin `composite-service` executable.
        .executableTarget(
            name: "CompositeServiceCLI",
            dependencies: [
                "CompositeService", "CompositeCore", "CompositeBroker", "CompositeEmbeddedBroker", "CompositeScoring",
                "CompositeFederation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // Release-build throughput benchmark: `swift run -c release CompositeBenchmarks`.
        .executableTarget(
            name: "CompositeBenchmarks",
            dependencies: [
                "CompositeCore", "CompositeScoring", "CompositeService", "CompositeBroker", "CompositeEmbeddedBroker",
                "CompositePulsar", "CompositeKafka", "BrokerTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Seeded mutation of valid inputs, shared by the fuzz tests of the parsers and decoders.
        .target(
            name: "FuzzSupport",
            dependencies: ["CompositeCore"],
            path: "Tests/FuzzSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CompositeCoreTests",
            dependencies: ["CompositeCore", "FuzzSupport"],
            // The JSONTestSuite conformance corpus (MIT, licence beside it), read by JSONConformanceTests.
            resources: [.copy("Resources/JSONTestSuite")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CompositeScoringTests",
            dependencies: [
                "CompositeScoring", "FuzzSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // Real brokers and clients for integration tests: fetched by scripts/fetch-test-tools, started on loopback.
        .target(
            name: "BrokerTestSupport",
            path: "Tests/BrokerTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CompositePulsarTests",
            dependencies: [
                "CompositePulsar", "CompositeBroker", "CompositeCore", "BrokerTestSupport", "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CompositeFederationTests",
            dependencies: ["CompositeFederation", "CompositeBroker", "CompositeEmbeddedBroker", "CompositeCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CompositeServiceTests",
            dependencies: [
                "CompositeService",
                "CompositeCore",
                "CompositeBroker",
                "CompositeEmbeddedBroker",
                "CompositePulsar",
                "CompositeKafka",
                "BrokerTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
