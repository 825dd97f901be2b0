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
            swiftSettings: strictSettings),
        // Scorer plug-in files: format, expression language, registry. Pure: it compiles source text.
        .target(
            name: "CompositeScoring",
            dependencies: [
                "CompositeCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings),
        // The broker protocol with Pulsar semantics and its in-memory implementation.
        .target(
            name: "CompositeBroker",
            dependencies: ["CompositeCore"],
            swiftSettings: strictSettings),
        // Wiring: the engine driver over a broker, fixture replay, patient directories, scorer folders.
        .target(
            name: "CompositeService",
            dependencies: [
                "CompositeCore", "CompositeScoring", "CompositeBroker",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings),
        // The thin `composite-service` executable.
        .executableTarget(
            name: "CompositeServiceCLI",
            dependencies: [
                "CompositeService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings),
        // Release-build throughput benchmark: `swift run -c release CompositeBenchmarks`.
        .executableTarget(
            name: "CompositeBenchmarks",
            dependencies: ["CompositeCore", "CompositeScoring", "CompositeService"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CompositeCoreTests",
            dependencies: ["CompositeCore"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CompositeScoringTests",
            dependencies: [
                "CompositeScoring",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CompositeServiceTests",
            dependencies: [
                "CompositeService",
                "CompositeBroker",
            ],
            swiftSettings: strictSettings),
    ]
)
