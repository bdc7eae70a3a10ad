import COpenBLAS
import Foundation

/// Debian's OpenBLAS (0.3.21) does not recognise recent Xeons (e.g. family
/// 6 model 207) and falls back to its SSE3 "Prescott" kernels, 2-4x slower
/// than its AVX2 ones. It picks its kernels while the library loads, before
/// `main`; its dynamic-architecture build exports the functions that pick
/// them, so when it fell back on a CPU with AVX2 and FMA we pick again
/// with OPENBLAS_CORETYPE=Haswell — before any BLAS call. A coretype set by
/// the user (or LARIAT_KEEP_BLAS_CORE=1) is left alone.
enum BLASCoreType {
    static func upgradeIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["LARIAT_KEEP_BLAS_CORE"] == nil else { return }
        guard let name = openblas_get_corename().map({ String(cString: $0) }) else { return }
        let fallbacks = ["prescott", "core2", "unknown", "katmai", "coppermine", "northwood", "penryn", "dunnington", "nehalem"]
        guard fallbacks.contains(name.lowercased()), cpuHasAVX2AndFMA() else { return }
        // Looked up at run time: a build without dynamic architectures has neither.
        typealias Hook = @convention(c) () -> Void
        guard let handle = dlopen(nil, RTLD_NOW),
              let quit = dlsym(handle, "gotoblas_dynamic_quit"),
              let initialise = dlsym(handle, "gotoblas_dynamic_init") else { return }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(initialise, to: Hook.self)()
    }

    private static func cpuHasAVX2AndFMA() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " "))
        return flags.contains("avx2") && flags.contains("fma")
    }
}
