import COpenBLAS
import Foundation

/// Debian's OpenBLAS (0.3.21) does not recognise recent Xeons (e.g. family
/// 6 model 207) and falls back to its SSE3 "Prescott" kernels, 2-4x slower
/// than its AVX2 ones. It reads OPENBLAS_CORETYPE only while the library
/// loads, before `main`, so when it fell back on a CPU with AVX2 and FMA we
/// run ourselves again with OPENBLAS_CORETYPE=Haswell. A coretype set by
/// the user (or LARIAT_NO_REEXEC=1) is left alone.
enum BLASCoreType {
    static func upgradeIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["LARIAT_NO_REEXEC"] == nil else { return }
        guard let name = openblas_get_corename().map({ String(cString: $0) }) else { return }
        let fallbacks = ["prescott", "core2", "unknown", "katmai", "coppermine", "northwood", "penryn", "dunnington", "nehalem"]
        guard fallbacks.contains(name.lowercased()), cpuHasAVX2AndFMA() else { return }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        setenv("LARIAT_NO_REEXEC", "1", 1)
        // argv as given; the executable by /proc/self/exe so PATH lookups do not matter.
        var args = CommandLine.arguments.map { strdup($0) }
        args.append(nil)
        execv("/proc/self/exe", &args)
        // If exec fails we simply go on with the slower kernels.
    }

    private static func cpuHasAVX2AndFMA() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " "))
        return flags.contains("avx2") && flags.contains("fma")
    }
}
