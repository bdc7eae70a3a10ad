// swift-tools-version:6.0
import PackageDescription

// Lariat: sparse, interpretable temporal structure in calcium imaging.
// One package, a target per concern; every C library is a system library
// found through pkg-config and installed from Debian (see README).

// Numeric kernels skip overflow and bounds checks in release builds; their
// tests run on the same build, so a violation still shows as a wrong answer.
// They are compiled for the building machine's CPU, as scientific code built
// from source usually is (-march=native): without it Swift targets the 2003
// x86-64 baseline, and the SIMD kernels ran as SSE2 pairs with no FMA. A
// binary built here may not run on an older CPU; rebuild there.
let numeric: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"], .when(configuration: .release))]

// The readers of files a user hands us (TIFF and its codecs, NPY, HDF5,
// NWB, raw binaries, suite2p pickles, model archives) keep Swift's bounds
// and overflow checks: a guard missed there must trap, not corrupt memory.
let checked: [SwiftSetting] = []

let package = Package(
    name: "Lariat",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lariat", targets: ["lariat"]),
        .library(name: "LariatData", targets: ["LariatData"]),
        .library(name: "LariatModel", targets: ["LariatModel"]),
        .library(name: "LariatFigures", targets: ["LariatFigures"]),
        .library(name: "LariatLanguage", targets: ["LariatLanguage"]),
        .library(name: "JupyterKernel", targets: ["JupyterKernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // MARK: - C system libraries (module maps; apt names the provider)
        // Header only: OpenBLAS is dlopened on first use (OpenBLAS.swift).
        .systemLibrary(name: "COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Header only: libhdf5 is dlopened on first use (HDF5Library.swift).
        .systemLibrary(name: "CHDF5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev", "fonts-dejavu-core"])]),
        // Line editing, history and completion for the terminal prompt (libedit's readline interface).
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // Header only, no library: vector fused multiply-add for the kernels (shim.h).
        .systemLibrary(name: "CVectorMath"),

        // MARK: - Libraries
        // Files in and out: the parsers and writers of movie, array, ROI and
        // model files, the loader that streams them, and the values they
        // return (NDArray, progress and cancellation). Compiled -O with checks.
        .target(name: "LariatData", dependencies: ["CHDF5"], swiftSettings: checked),
        // Tensors, layers, LARS / lasso-VAR and its gradient, training, the
        // sequence test, contribution maps, cells and the simulator; re-exports LariatData.
        .target(name: "LariatModel", dependencies: ["LariatData", "COpenBLAS", "CVectorMath"], swiftSettings: numeric),
        // PNG figures: lines, heatmaps with colour bars, image grids, text.
        .target(name: "LariatFigures", dependencies: ["CPNG", "CFreeType"], swiftSettings: numeric),
        // The Lariat language: lexer, parser, interpreter, builtin registry.
        .target(name: "LariatLanguage", dependencies: ["LariatModel", "LariatFigures"]),
        // A language-agnostic Jupyter kernel speaking ZeroMQ.
        .target(name: "JupyterKernel", dependencies: [
            "CZeroMQ", .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // MARK: - The command-line tool
        .executableTarget(name: "lariat", dependencies: [
            "LariatLanguage", "JupyterKernel", "CEditLine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: staticSwiftRuntime),

        // MARK: - Tests
        // What the test bundles share (test bundles cannot import each other):
        // Python references from the test venv, byte mutations for fuzz tests.
        .target(name: "LariatTestSupport", path: "Tests/LariatTestSupport"),
        .testTarget(name: "LariatDataTests", dependencies: ["LariatData", "LariatTestSupport"]),
        .testTarget(name: "LariatModelTests", dependencies: ["LariatModel", "LariatTestSupport"]),
        .testTarget(name: "LariatFiguresTests", dependencies: ["LariatFigures"]),
        .testTarget(name: "LariatLanguageTests", dependencies: ["LariatLanguage"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel"]),
    ],
    swiftLanguageModes: [.v5]
)

/// The `lariat` binary carries the Swift runtime and Foundation inside it
/// (the test bundles stay dynamic: Swift Testing has no static build).
/// Resolving the symbols of ~15 shared Swift libraries cost every process
/// about 4 ms of its ~10 ms start-up. The group lists the static Foundation
/// archives again because `-static-stdlib` alone names them in an order
/// that leaves CoreFoundation's symbols unresolved.
var staticSwiftRuntime: [LinkerSetting] {
    #if os(Linux)
    let archives = ["Foundation", "FoundationInternationalization", "FoundationEssentials", "CoreFoundation",
                    "_FoundationICU", "_FoundationCShims", "_FoundationCollections", "swiftSynchronization",
                    "swiftDispatch", "dispatch", "BlocksRuntime", "swiftCore"]
    return [.unsafeFlags(["-static-stdlib", "-Xlinker", "--start-group"] + archives.map { "-l\($0)" }
                         + ["-Xlinker", "--end-group"])]
    #else
    return []
    #endif
}
