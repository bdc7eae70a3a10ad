import COpenBLAS  // cblas.h: types and constants only; the library is opened below
import Foundation

/// OpenBLAS, opened on first use rather than linked, so that Lariat
/// configures it before its initialiser runs (which linking cannot do:
/// a linked library initialises before `main`).
///
/// One thread per call, always: Lariat runs OpenBLAS's calls on all cores
/// itself (`sgemm` in BLAS.swift), over a split that does not depend on the
/// number of cores; OpenBLAS's own threading partitions a product by its
/// thread count, so results differed between one core and two.
///
/// (With one thread there are no idle workers to spin after a call, which
/// once took half the cores from the lasso equations, so no
/// `OPENBLAS_THREAD_TIMEOUT` is needed any more.)
///
/// One setting, only when the user has not made it:
/// - The kernels: Debian's OpenBLAS 0.3.21 does not recognise recent Xeons
///   (e.g. family 6 model 207) and falls back to its SSE3 "Prescott"
///   kernels, 2-4x slower than its AVX2 ones and 4-8x slower than its
///   AVX-512 ones. It is asked to choose again, through the
///   dynamic-architecture hooks Debian's build exports, with
///   `OPENBLAS_CORETYPE=SkylakeX` on a CPU with AVX-512 (F, CD, BW, DQ, VL:
///   sgemm about 300 GFLOP/s on two cores of this project's machines) or
///   `Haswell` on one with AVX2 and FMA (about 160).
///   `LARIAT_KEEP_BLAS_CORE=1` or an explicit `OPENBLAS_CORETYPE` keeps
///   OpenBLAS's own choice.
public enum OpenBLAS {
    typealias Dgemm = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
                                      Double, UnsafePointer<Double>?, blasint, UnsafePointer<Double>?, blasint,
                                      Double, UnsafeMutablePointer<Double>?, blasint) -> Void
    typealias Sgemm = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
                                      Float, UnsafePointer<Float>?, blasint, UnsafePointer<Float>?, blasint,
                                      Float, UnsafeMutablePointer<Float>?, blasint) -> Void
    typealias Dsyrk = @convention(c) (CBLAS_ORDER, CBLAS_UPLO, CBLAS_TRANSPOSE, blasint, blasint,
                                      Double, UnsafePointer<Double>?, blasint,
                                      Double, UnsafeMutablePointer<Double>?, blasint) -> Void
    typealias Drotg = @convention(c) (UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?,
                                      UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?) -> Void
    typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?
    typealias ThreadCount = @convention(c) () -> Int32
    typealias SetThreadCount = @convention(c) (Int32) -> Void
    typealias Hook = @convention(c) () -> Void

    struct Library {
        let dgemm: Dgemm
        let sgemm: Sgemm
        let dsyrk: Dsyrk
        let drotg: Drotg
        let coreName: CoreName
        let threadCount: ThreadCount
    }

    /// Sonames tried in order (Debian's alternatives link first).
    static let candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", "libopenblaso.so.0"]

    /// Loaded once per process, on the first BLAS call.
    static let library: Library = load()

    /// The kernel family OpenBLAS uses ("Haswell", "SkylakeX", ...).
    public static var coreName: String {
        library.coreName().map { String(cString: $0) } ?? "unknown"
    }

    /// OpenBLAS's worker threads (including the caller's).
    public static var threadCount: Int { Int(library.threadCount()) }

    private static func load() -> Library {
        let env = ProcessInfo.processInfo.environment
        // No idle worker threads: every call runs on its caller's thread.
        if env["OPENBLAS_NUM_THREADS"] == nil { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
        // Lazy binding, and the library's own symbols before the process's:
        // OpenBLAS resolves thousands of its own symbols, and searching
        // the forty libraries already loaded for each took 3-5 ms.
        let flags = RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND
        guard let handle = candidates.lazy.compactMap({ dlopen($0, flags) }).first else {
            fatalError("Lariat needs OpenBLAS: none of \(candidates.joined(separator: ", ")) could be opened (on Debian: apt install libopenblas-dev)")
        }
        func symbol<F>(_ name: String, _: F.Type) -> F {
            guard let p = dlsym(handle, name) else {
                fatalError("the installed OpenBLAS lacks \(name)")
            }
            return unsafeBitCast(p, to: F.self)
        }
        let library = Library(dgemm: symbol("cblas_dgemm", Dgemm.self), sgemm: symbol("cblas_sgemm", Sgemm.self),
                              dsyrk: symbol("cblas_dsyrk", Dsyrk.self), drotg: symbol("cblas_drotg", Drotg.self),
                              coreName: symbol("openblas_get_corename", CoreName.self),
                              threadCount: symbol("openblas_get_num_threads", ThreadCount.self))
        chooseKernels(library, handle: handle, environment: env)
        symbol("openblas_set_num_threads", SetThreadCount.self)(1)
        return library
    }

    private static func chooseKernels(_ library: Library, handle: UnsafeMutableRawPointer, environment env: [String: String]) {
        guard env["OPENBLAS_CORETYPE"] == nil, env["LARIAT_KEEP_BLAS_CORE"] == nil else { return }
        guard let name = library.coreName().map({ String(cString: $0) }) else { return }
        let fallbacks = ["prescott", "core2", "unknown", "katmai", "coppermine", "northwood", "penryn", "dunnington", "nehalem"]
        guard fallbacks.contains(name.lowercased()) else { return }
        let flags = cpuFlags()
        let core: String
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) {
            core = "SkylakeX"
        } else if flags.contains("avx2") && flags.contains("fma") {
            core = "Haswell"
        } else {
            return
        }
        // A build without dynamic architectures has neither hook.
        guard let quit = dlsym(handle, "gotoblas_dynamic_quit"),
              let initialise = dlsym(handle, "gotoblas_dynamic_init") else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(initialise, to: Hook.self)()
    }

    /// The first processor's "flags" line of /proc/cpuinfo.
    private static func cpuFlags() -> Set<Substring> {
        let fd = open("/proc/cpuinfo", O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16384)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return [] }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " "))
    }
}

// Row-major CBLAS entry points with Swift integer arguments.

@inline(__always)
func dgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
           a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
           beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
    OpenBLAS.library.dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                           blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                           beta, c, blasint(ldc))
}

/// The upper triangle of `C = alpha A'A + beta C` for a row-major `k x n` A (`n x n` C).
@inline(__always)
func dsyrkUpperTransposed(n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                          beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
    OpenBLAS.library.dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k),
                           alpha, a, blasint(lda), beta, c, blasint(ldc))
}

/// A Givens rotation zeroing `b` (`a` becomes r; c, s out).
@inline(__always)
func drotg(_ a: inout Double, _ b: inout Double, _ c: inout Double, _ s: inout Double) {
    OpenBLAS.library.drotg(&a, &b, &c, &s)
}
