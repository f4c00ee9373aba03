// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// What every product edge of the gateway imports besides the core and its product.
let edgeDependencies: [Target.Dependency] = [
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HummingbirdCore", package: "hummingbird"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
        .executable(name: "switchyard-bench", targets: ["SwitchyardBench"]),
        .executable(name: "switchyard-fuzz", targets: ["SwitchyardFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(name: "CZeroMQ"),
        .systemLibrary(name: "CFileSystem"),
        .target(
            name: "ZeroMQ",
            dependencies: [
                "CZeroMQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(name: "JSON", swiftSettings: strict),
        .target(name: "Wire", swiftSettings: strict),
        .target(name: "Steps", dependencies: ["JSON", "Wire"], swiftSettings: strict),
        .target(name: "Stats", dependencies: ["JSON", "Wire"], swiftSettings: strict),
        .target(name: "Presence", dependencies: ["JSON", "Wire"], swiftSettings: strict),
        .target(name: "Base64Coding", swiftSettings: strict),
        .target(name: "SocketIO", dependencies: ["JSON", "Base64Coding"], swiftSettings: strict),
        .target(
            name: "Lobby",
            dependencies: [
                "JSON", "Wire", "Base64Coding",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Storage",
            dependencies: [
                "Steps", "Stats", "Presence", "Lobby", "CFileSystem", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Fleet",
            dependencies: [
                "ZeroMQ", "Wire", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Worker",
            dependencies: [
                "Fleet", "ZeroMQ", "Wire", "Steps", "Stats", "Presence", "Lobby", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GatewayCore",
            dependencies: [
                "Fleet", "ZeroMQ", "Wire", "JSON",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "GatewaySteps",
            dependencies: ["GatewayCore", "Fleet", "Wire", "Steps", "JSON"] + edgeDependencies,
            swiftSettings: strict
        ),
        .target(
            name: "GatewayStats",
            dependencies: ["GatewayCore", "Fleet", "Wire", "Stats", "JSON"] + edgeDependencies,
            swiftSettings: strict
        ),
        .target(
            name: "GatewayPresence",
            dependencies: ["GatewayCore", "Fleet", "Wire", "Presence", "SocketIO", "JSON"] + edgeDependencies,
            swiftSettings: strict
        ),
        .target(
            name: "GatewayLobby",
            dependencies: [
                "GatewayCore", "Fleet", "Wire", "Lobby", "JSON", "Base64Coding",
                .product(name: "Crypto", package: "swift-crypto"),
            ] + edgeDependencies,
            swiftSettings: strict
        ),
        .plugin(name: "VersionStamp", capability: .buildTool(), path: "Sources/VersionStamp"),
        .target(
            name: "Gateway",
            dependencies: [
                "GatewayCore", "GatewaySteps", "GatewayStats", "GatewayPresence", "GatewayLobby", "Fleet", "Steps",
                "Stats", "Presence", "Lobby", "SocketIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Supervisor",
            dependencies: [
                "Fleet", "ZeroMQ", "Wire", "JSON", "Lobby",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "Gateway", "GatewayCore", "Worker", "Supervisor", "Fleet", "Steps", "Storage", "Presence", "Lobby",
                "Wire",
                "JSON",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict,
            plugins: ["VersionStamp"]
        ),
        .executableTarget(
            name: "SwitchyardBench",
            dependencies: [
                "JSON", "CZeroMQ", "ZeroMQ", "Fleet", "GatewayCore", "Steps", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: [
                "Fleet", "Wire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What several test targets share: a seeded generator, deadlines, engines.
        .target(
            name: "TestSupport", dependencies: ["ZeroMQ", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "WireTests", dependencies: ["Wire"], swiftSettings: strict),
        .testTarget(name: "StepsTests", dependencies: ["Steps", "JSON", "Wire"], swiftSettings: strict),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "JSON", "Wire"], swiftSettings: strict),
        .testTarget(name: "PresenceTests", dependencies: ["Presence", "JSON", "Wire"], swiftSettings: strict),
        .testTarget(name: "Base64CodingTests", dependencies: ["Base64Coding"], swiftSettings: strict),
        .testTarget(
            name: "SocketIOTests", dependencies: ["SocketIO", "JSON", "Base64Coding", "TestSupport"],
            swiftSettings: strict),
        .testTarget(name: "LobbyTests", dependencies: ["Lobby", "JSON", "Wire", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "StorageTests", dependencies: ["Storage", "Steps", "Stats", "Presence"], swiftSettings: strict),
        .testTarget(
            name: "WorkerTests", dependencies: ["Worker", "Steps", "Storage", "Wire", "Presence", "TestSupport"],
            swiftSettings: strict
        ),
        .target(
            name: "FuzzTargets", dependencies: ["JSON", "Wire", "Steps", "Stats", "Presence", "Lobby", "SocketIO"],
            swiftSettings: strict),
        .executableTarget(name: "SwitchyardFuzz", dependencies: ["FuzzTargets"], swiftSettings: strict),
        .testTarget(
            name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], exclude: ["Corpus"],
            swiftSettings: strict),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "GatewayCore", "GatewaySteps", "GatewayStats", "GatewayPresence", "GatewayLobby", "Fleet",
                "Wire",
                "Presence", "Steps", "Stats", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SupervisorTests", dependencies: ["Supervisor", "Fleet", "Wire", "ZeroMQ"], swiftSettings: strict),
    ]
)
