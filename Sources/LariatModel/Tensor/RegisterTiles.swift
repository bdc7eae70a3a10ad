import CVectorMath

/// The register tiles of the hand-written kernels, sized for the vector
/// registers of the CPU that runs them, chosen once per process from the
/// CPU's features (as XNNPACK's `hardware_config` and OpenBLAS's
/// `DYNAMIC_ARCH` choose their microkernels) and stored by each layer when
/// it is built.
///
/// A kernel's tile is the block of outputs it keeps in registers while it
/// streams its inputs. The stride-2 kernels were written for AVX-512's 32
/// zmm registers: up to 24 accumulators of sixteen floats. On an AVX2 CPU
/// a sixteen-float vector is two of its 16 ymm registers, so such a tile
/// needs 48 and spills to the stack on every multiply-add. The `.avx2`
/// tiles hold at most 12 ymm accumulators beside the broadcast values and
/// weights they meet.
///
/// Every `.avx2` kernel does each output's arithmetic in the same order as
/// its `.avx512` twin (a tile is a set of outputs, not an order of
/// summation), so the two give the same bits on any CPU; the tests run both
/// and compare them with each other and with the generic operations.
///
/// The binary is compiled for the building machine (`-target-cpu native`,
/// Package.swift), so `.avx512` is taken only where the CPU has AVX-512 and
/// the code was compiled with it: an AVX-512 build on an AVX-512 machine,
/// an AVX2 build (which runs anywhere with AVX2) everywhere else.
public enum RegisterTiles: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 16 ymm registers (AVX2 + FMA): at most 12 accumulators of eight floats.
    case avx2
    /// 32 zmm registers (AVX-512 F): up to 24 accumulators of sixteen floats.
    case avx512

    /// The tiles for this process: `.avx512` when the CPU and the operating
    /// system support AVX-512 F and LariatModel was compiled with it, else `.avx2`.
    public static let detected: RegisterTiles = cpuHasAVX512 && compiledWithAVX512 ? .avx512 : .avx2

    /// Whether the CPU running this process has AVX-512 F, enabled by the
    /// operating system (CPUID leaf 7 and XCR0).
    public static let cpuHasAVX512: Bool = lariat_cpu_has_avx512f() != 0

    /// Whether LariatModel was compiled for a CPU with AVX-512 F (then a
    /// sixteen-float vector is one register).
    public static let compiledWithAVX512: Bool = lariat_compiled_avx512f() != 0

    public var description: String { rawValue }
}
