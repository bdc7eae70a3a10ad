#!/usr/bin/env python3
"""A mutation fuzzer for Lariat's file parsers (TIFF and its codecs, NPY,
HDF5, NWB, suite2p raw binaries and plane folders, model archives).

A corpus of small valid files is written by tifffile, numpy, h5py and pynwb
(raw int16 for .bin; a suite2p plane folder of pickled stat.npy / ops.npy
and plain iscell.npy / F.npy / Fneu.npy; a `.lariatmodel` saved by a tiny
`fit`, and the same members re-zipped by Python's zipfile, stored and
Deflate, as any .npz writer would). Each execution takes one seed, applies
1..8 random mutations (bit flips, interesting integers at random offsets,
truncation, chunk deletion, duplication and insertion) with a fixed seed,
and runs the reader of its format:

    lariat run script.lariat        # x = load("FILE") ; print(shape(x))

`rois("FILE")` for `*.rois.nwb`, `rois(FOLDER)` or `traces(FOLDER)` for a
suite2p member (`*.s2p-stat.npy` is stat.npy put into a copy of the
corpus's plane folder), `load` and the coefficients' shape for a model.

under a wall-clock timeout and an address-space limit (`prlimit --as`).
Each run's exit status, signal, wall time and peak RSS (GNU time's `%M`)
are classified:

- ``ok``       exit 0: the mutated file still loads;
- ``error``    exit 1 with a message on stderr (a clean refusal);
- ``crash``    killed by a signal, or any other exit status;
- ``timeout``  still running after ``--timeout`` seconds (10);
- ``memory``   peak RSS above the process's own baseline plus twice the
               larger of the file's size and the loaded result's size
               (8 bytes per value, from the printed shape), plus 8 MiB.

Every crash, timeout and over-memory input is copied to ``--save``
(Tests/fuzz-regressions/ by default) as ``<kind>-<sha1>.<ext>``; the
pytest Tests/python/test_fuzz.py loads each of them and expects a clean
error or success within limits.

    .venv/bin/python bench/fuzz/fuzz.py --lariat .build/release/lariat \
        --executions 10000 --seed 1 --jobs 2

prints a summary per format and a JSON line (``--json`` writes it to a file).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = ROOT / "Tests" / "fuzz-regressions"

# Raw .bin seeds are 4 x 8 x 8 int16 frames; the script gives the shape
# as [H, W] so the frame count comes from the (mutated) file's length.
BIN_SHAPE = (8, 8)

# The files of a suite2p plane folder; `*.s2p-<member>.npy` is one of them.
SUITE2P_MEMBERS = ("stat", "ops", "iscell", "F", "Fneu")


# --------------------------------------------------------------------------
# Corpus

def _install_tiff_codecs():
    """PackBits and LZW encoders for tifffile without imagecodecs (TIFF 6.0
    sections 9 and 13), as in Tests/LariatDataTests/LoaderReferenceTests.swift."""
    import tifffile._imagecodecs as _ic
    import tifffile as _tf

    def _packbits(b, *args, **kw):
        b = bytes(b); out = bytearray(); i = 0
        while i < len(b):
            j = i
            while j < len(b) and j - i < 128 and b[j] == b[i]:
                j += 1
            if j - i >= 2:
                out += bytes([(257 - (j - i)) & 0xff, b[i]]); i = j
            else:
                j = i + 1
                while j < len(b) and j - i < 128 and not (j + 1 < len(b) and b[j] == b[j + 1]):
                    j += 1
                out += bytes([j - i - 1]) + b[i:j]; i = j
        return bytes(out)

    def _lzw(b, *args, **kw):
        b = bytes(b); table = {bytes([i]): i for i in range(256)}; nxt = 258; width = 9
        bits = []

        def put(c):
            bits.append((c, width))
        put(256)
        w = b''
        for ch in b:
            wc = w + bytes([ch])
            if wc in table:
                w = wc; continue
            put(table[w]); table[wc] = nxt; nxt += 1
            if nxt >= (1 << width) and width < 12:
                width += 1
            if nxt == 4094:
                put(256); table = {bytes([i]): i for i in range(256)}; nxt = 258; width = 9
            w = bytes([ch])
        if w:
            put(table[w]); nxt += 1
        if nxt >= (1 << width) and width < 12:
            width += 1
        put(257)
        acc = 0; n = 0; out = bytearray()
        for c, wd in bits:
            acc = (acc << wd) | c; n += wd
            while n >= 8:
                out.append((acc >> (n - 8)) & 0xff); n -= 8
        if n:
            out.append((acc << (8 - n)) & 0xff)
        return bytes(out)

    _ic.packbits_encode = _packbits
    _ic.lzw_encode = _lzw
    _tf.TIFF.COMPRESSORS._codecs[5] = _lzw
    _tf.TIFF.COMPRESSORS._codecs[32773] = _packbits


def write_corpus(directory: Path, lariat: str | None = None) -> list[Path]:
    """Small valid files of every format and variant Lariat reads; the
    model archives need `lariat` (a tiny `fit` saves one)."""
    import numpy as np
    import tifffile
    import h5py

    _install_tiff_codecs()
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    u16 = rng.integers(0, 4000, size=(4, 16, 16)).astype(np.uint16)
    u8 = rng.integers(0, 255, size=(3, 12, 12)).astype(np.uint8)
    f32 = rng.normal(size=(3, 10, 10)).astype(np.float32)
    out = []

    def tif(name, data, **kw):
        # One page per frame (tifffile would store a 3- or 4-frame stack
        # as one page of RGB(A) planes), except where planes are asked for.
        kw.setdefault("photometric", "minisblack")
        p = directory / name
        tifffile.imwrite(p, data, **kw)
        out.append(p)

    tif("planar_u16.tif", u16, photometric="rgb", planarconfig="separate")
    tif("plain_u16.tif", u16)
    tif("plain_u8.tif", u8)
    tif("plain_f32.tif", f32)
    tif("bigendian_i16.tif", u16.astype(np.int16), byteorder=">")
    tif("strips_u16.tif", u16, rowsperstrip=3)
    tif("deflate_u16.tif", u16, compression="zlib")
    tif("deflate_predictor_u16.tif", u16, compression="zlib", predictor=True)
    tif("lzw_u16.tif", u16, compression="lzw")
    tif("lzw_predictor_u8.tif", u8, compression="lzw", predictor=True)
    tif("packbits_u8.tif", u8, compression="packbits")
    tif("tiled_u16.tif", np.tile(u16, (1, 2, 2)), tile=(16, 16))
    tif("tiled_deflate_f32.tif", np.tile(f32, (1, 2, 2))[:, :20, :20].copy(), tile=(16, 16), compression="zlib")
    tif("bigtiff_u16.tif", u16, bigtiff=True)
    tif("bigtiff_deflate_u8.tif", u8, bigtiff=True, compression="zlib")
    tif("imagej_u16.tif", u16, imagej=True)
    tif("imagej_contiguous_u8.tif", u8, imagej=True, contiguous=True)

    def npy(name, data):
        p = directory / name
        np.save(p, data)
        out.append(p)

    npy("c_f64.npy", rng.normal(size=(3, 6, 5)))
    npy("fortran_u16.npy", np.asfortranarray(u16[:, :8, :6]))
    npy("c_i8.npy", rng.integers(-100, 100, size=(4, 5, 5)).astype(np.int8))
    npy("c_bigendian_i32.npy", rng.integers(0, 1000, size=(2, 4, 4)).astype(">i4"))
    npy("matrix_f32.npy", f32[0])
    npy("vector_u8.npy", u8[0, 0])

    def h5(name, **kw):
        p = directory / name
        with h5py.File(p, "w") as f:
            f.create_dataset("mov", data=u16, **kw)
        out.append(p)

    h5("contiguous.h5")
    h5("chunked_gzip.h5", chunks=(1, 16, 16), compression="gzip")
    h5("chunked.h5", chunks=(2, 8, 8))

    p = directory / "data.bin"
    u16[:, :BIN_SHAPE[0], :BIN_SHAPE[1]].astype("<i2").tofile(p)
    out.append(p)

    out += write_nwb_seeds(directory, u16)
    out += write_suite2p_seeds(directory, rng)
    if lariat is not None:
        out += write_model_seeds(directory, lariat)
    return out


def write_nwb_seeds(directory: Path, movie) -> list[Path]:
    """pynwb files (no cached spec, so they stay small): a TwoPhotonSeries
    for `load`, and PlaneSegmentations with image masks and pixel masks
    for `rois`."""
    import numpy as np
    sys.path.insert(0, str(ROOT / "Tests" / "python"))
    from nwb_files import write_nwb

    def nwb(name, image_masks=None, pixel_masks=None):
        return write_nwb(directory / name, movie, image_masks=image_masks, pixel_masks=pixel_masks, cache_spec=False)

    h, w = movie.shape[1:]
    masks = np.zeros((2, h, w))
    masks[0, 2:6, 3:8] = 1.0
    masks[1, 9:13, 8:11] = 0.5
    pixels = [[(2, 3, 0.25), (2, 4, 1.0), (5, 7, 0.5)], [(h - 1, w - 1, 2.0)]]
    return [nwb("movie.nwb"), nwb("image.rois.nwb", image_masks=masks),
            nwb("pixel.rois.nwb", pixel_masks=pixels)]


def write_suite2p_seeds(directory: Path, rng) -> list[Path]:
    """A suite2p plane folder as suite2p's run writes it (corpus/suite2p/plane0:
    stat.npy and ops.npy pickled by np.save, iscell, F, Fneu), and a copy
    of each member named `<member>.s2p-<member>.npy` to mutate."""
    import numpy as np

    n, Ly, Lx, T = 3, 12, 14, 20
    stat = []
    for i in range(n):
        ypix, xpix = np.meshgrid(np.arange(2 + 3 * i, 5 + 3 * i), np.arange(1 + 4 * i, 5 + 4 * i), indexing="ij")
        stat.append({"ypix": ypix.ravel().astype(np.int32), "xpix": xpix.ravel().astype(np.int32),
                     "lam": rng.random(ypix.size).astype(np.float32), "med": [3 * i + 3, 4 * i + 2],
                     "npix": np.int64(ypix.size), "radius": np.float64(1.5)})
    folder = directory / "suite2p" / "plane0"
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "stat.npy", np.array(stat, dtype=object), allow_pickle=True)
    np.save(folder / "ops.npy", {"Ly": Ly, "Lx": Lx, "fs": 30.0, "nframes": T, "filelist": ["a.tif"]},
            allow_pickle=True)
    np.save(folder / "iscell.npy", np.array([[1.0, 0.9], [0.0, 0.2], [1.0, 0.8]]))
    np.save(folder / "F.npy", rng.normal(100, 10, size=(n, T)).astype(np.float32))
    np.save(folder / "Fneu.npy", rng.normal(50, 5, size=(n, T)).astype(np.float32))
    out = []
    for m in SUITE2P_MEMBERS:
        p = directory / f"{m}.s2p-{m}.npy"
        shutil.copyfile(folder / f"{m}.npy", p)
        out.append(p)
    return out


def write_model_seeds(directory: Path, lariat: str) -> list[Path]:
    """A `.lariatmodel` from a tiny fit (Lariat's own ZIP writer, stored
    members), and its members re-zipped by Python's zipfile, stored and
    Deflate (what numpy's savez / savez_compressed write, without the
    ZIP64 records Lariat refuses)."""
    import zipfile

    script = directory / "model.lariat"
    model = directory / "model.lariatmodel"
    script.write_text('s = simulate(neurons=3, frames=60, size=16, seed=5)\n'
                      'm = fit(s.movie, latent=4, epochs=1, seed=1)\n'
                      f'save(m, "{model}")\n')
    r = subprocess.run([lariat, "run", str(script)], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise SystemExit(f"could not write the model seed: {r.stderr.strip()}")
    out = [model]
    with zipfile.ZipFile(model) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    for name, compression in [("zipfile_stored.lariatmodel", zipfile.ZIP_STORED),
                              ("zipfile_deflate.lariatmodel", zipfile.ZIP_DEFLATED)]:
        p = directory / name
        with zipfile.ZipFile(p, "w", compression=compression) as z:
            for member, data in members:
                z.writestr(member, data)
        out.append(p)
    return out


# --------------------------------------------------------------------------
# Mutation

INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
               0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
               0xffffffffffffffff, 1 << 40, 4096, 65535 * 3]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """1..8 mutations; the first bytes (headers, IFD offsets) are favoured."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not b:
            b = bytearray(rng.randbytes(rng.randint(1, 16)))
        # Half the time near the start, where headers and directories live.
        n = len(b)
        at = rng.randrange(min(n, 512)) if rng.random() < 0.5 else rng.randrange(n)
        op = rng.random()
        if op < 0.30:
            b[at] ^= 1 << rng.randrange(8)
        elif op < 0.45:
            b[at] = rng.choice([0, 1, 0x7f, 0x80, 0xff, rng.randrange(256)])
        elif op < 0.70:
            size = rng.choice([2, 4, 8])
            value = rng.choice(INTERESTING) & ((1 << (8 * size)) - 1)
            if rng.random() < 0.3:
                value = (value + rng.randint(-2, 2)) & ((1 << (8 * size)) - 1)
            raw = value.to_bytes(size, rng.choice(["little", "big"]))
            b[at:at + size] = raw[:max(0, min(size, n - at))] if at + size > n else raw
        elif op < 0.78:
            del b[rng.randrange(n) if n > 1 else 0:]
        elif op < 0.86:
            k = rng.randint(1, min(64, n))
            del b[at:at + k]
        elif op < 0.93:
            k = rng.randint(1, min(64, n))
            src = rng.randrange(n)
            b[at:at] = b[src:src + k]
        else:
            b[at:at] = rng.randbytes(rng.randint(1, 32))
    return bytes(b)


# --------------------------------------------------------------------------
# Execution

def format_of(path: Path) -> str:
    """The format a file is read as: `s2p-<member>` for `*.s2p-<member>.npy`,
    `.rois.nwb` for `*.rois.nwb`, else its extension."""
    for m in SUITE2P_MEMBERS:
        if path.name.endswith(f".s2p-{m}.npy"):
            return f"s2p-{m}"
    if path.name.endswith(".rois.nwb"):
        return ".rois.nwb"
    return path.suffix


def script_for(path: Path, corpus: Path | None = None) -> str:
    """The script that reads `path` as its format is read. A suite2p member
    is first put into a fresh copy of `corpus`/suite2p/plane0 beside it."""
    fmt = format_of(path)
    if fmt.startswith("s2p-"):
        if corpus is None:
            raise ValueError(f"{path.name}: a suite2p member needs the corpus's plane folder")
        member = fmt[4:]
        folder = path.parent / (path.name + ".plane0")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(corpus / "suite2p" / "plane0", folder)
        shutil.copyfile(path, folder / f"{member}.npy")
        reader = "traces" if member in ("F", "Fneu") else "rois"
        return f'x = {reader}("{folder}")\nprint(shape(x))\n'
    if fmt == ".rois.nwb":
        return f'x = rois("{path}")\nprint(shape(x))\n'
    if fmt == ".lariatmodel":
        return f'm = load("{path}")\nprint(shape(m.coefficients))\n'
    shape = f", shape=[{BIN_SHAPE[0]}, {BIN_SHAPE[1]}]" if fmt == ".bin" else ""
    return f'x = load("{path}"{shape})\nprint(shape(x))\n'


class Limits:
    def __init__(self, timeout: float, address_space: int):
        self.timeout = timeout
        self.address_space = address_space


def run_once(lariat: str, script: Path, limits: Limits) -> dict:
    """Runs `lariat run script` and returns its status, time and peak RSS.

    The peak RSS comes from GNU time (`%M`), not from this process's
    wait4: a child forked from Python counts Python's own resident pages
    in its ru_maxrss until it execs. prlimit sets the address-space limit
    and turns core dumps off."""
    start = time.monotonic()
    report = tempfile.NamedTemporaryFile(prefix="lariat-fuzz-time-", delete=False)
    report.close()
    command = ["/usr/bin/time", "-f", "%M %x", "-o", report.name,
               "prlimit", f"--as={limits.address_space}", "--core=0", "--",
               lariat, "run", str(script)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    wall = time.monotonic() - start
    text = Path(report.name).read_text()
    os.unlink(report.name)
    sig, code, rss = None, None, 0
    for line in text.splitlines():
        if line.startswith("Command terminated by signal"):
            sig = int(line.split()[-1])
        elif line.startswith("Command exited with non-zero status"):
            pass
        elif line.strip() and line.split()[0].isdigit():
            rss = int(line.split()[0]) * 1024
            code = int(line.split()[1])
    if timed_out:
        sig = signal.SIGKILL
    if sig is None and code is None:
        code = proc.returncode
    return {
        "exit": None if sig is not None else code,
        "signal": sig,
        "timed_out": timed_out,
        "wall": wall,
        "rss": rss,
        "stdout": out.decode(errors="replace"),
        "stderr": err.decode(errors="replace"),
    }


def result_bytes(stdout: str) -> int:
    """8 bytes per value of the printed shape (0 when nothing was printed)."""
    line = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if not (line.startswith("[") and line.endswith("]")):
        return 0
    n = 1
    for part in line[1:-1].split(","):
        part = part.strip()
        if part:
            try:
                n *= int(float(part))
            except ValueError:
                return 0
    return 8 * n


SLACK = 8 << 20


def classify(r: dict, file_size: int, baseline: int) -> tuple[str, float]:
    """The outcome and the memory ratio: RSS above the baseline over the
    larger of the file's size and the result's size."""
    ratio = max(0, r["rss"] - baseline) / max(file_size, result_bytes(r["stdout"]), 1)
    if r["timed_out"]:
        return "timeout", ratio
    if r["signal"] is not None or r["exit"] not in (0, 1):
        return "crash", ratio
    if r["exit"] == 1 and not r["stderr"].strip():
        return "crash", ratio  # exit 1 without a message
    allowed = baseline + 2 * max(file_size, result_bytes(r["stdout"])) + SLACK
    if r["rss"] > allowed:
        return "memory", ratio
    return ("ok" if r["exit"] == 0 else "error"), ratio


def measure_baselines(lariat: str, seeds: list[Path], work: Path, limits: Limits,
                      corpus: Path | None = None) -> dict[str, int]:
    """Peak RSS per format of loading the unmutated seeds (libhdf5 included),
    the process's own memory that the budget is counted above."""
    empty = work / "empty.lariat"
    empty.write_text("x = 1\n")
    base = max(run_once(lariat, empty, limits)["rss"] for _ in range(3))
    out = {}
    for s in seeds:
        sc = work / f"seed-{s.name}.lariat"
        d = work / f"seed-{s.name}.d"
        d.mkdir(exist_ok=True)
        copy = d / s.name
        shutil.copyfile(s, copy)
        sc.write_text(script_for(copy, corpus or s.parent))
        r = run_once(lariat, sc, limits)
        if r["exit"] != 0:
            raise SystemExit(f"seed {s.name} does not load: {r['stderr'].strip()}")
        fmt = format_of(s)
        out[fmt] = max(out.get(fmt, base), r["rss"] - result_bytes(r["stdout"]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", str(ROOT / ".build/release/lariat")))
    ap.add_argument("--executions", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--address-space", type=int, default=4 << 30, help="RLIMIT_AS in bytes")
    ap.add_argument("--save", default=str(REGRESSIONS), help="where failing inputs are kept ('' to not keep)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--work", default=None)
    args = ap.parse_args(argv)

    work = Path(args.work or tempfile.mkdtemp(prefix="lariat-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    seeds = write_corpus(work / "corpus", args.lariat)
    limits = Limits(args.timeout, args.address_space)
    baselines = measure_baselines(args.lariat, seeds, work, limits, work / "corpus")
    corpus = [(s, s.read_bytes()) for s in seeds]

    rng = random.Random(args.seed)
    # Inputs are drawn up front so the run is the same for any --jobs.
    plan = []
    for i in range(args.executions):
        s, data = corpus[rng.randrange(len(corpus))]
        plan.append((i, s, mutate(data, random.Random(rng.getrandbits(64)))))

    save = Path(args.save) if args.save else None
    counts: dict[str, dict[str, int]] = {}
    found = []
    max_ratio = (0.0, None)
    max_excess = (0, None)
    slowest = (0.0, None)
    lock = threading.Lock()
    started = time.monotonic()

    def one(item):
        i, seed, data = item
        if args.seconds is not None and time.monotonic() - started > args.seconds:
            return None
        d = work / f"w{threading.get_ident()}"
        d.mkdir(exist_ok=True)
        fmt = format_of(seed)
        path = d / ("input" + seed.name[seed.name.index("."):])
        path.write_bytes(data)
        script = d / "load.lariat"
        script.write_text(script_for(path, work / "corpus"))
        r = run_once(args.lariat, script, limits)
        kind, ratio = classify(r, len(data), baselines[fmt])
        with lock:
            nonlocal max_ratio, max_excess, slowest
            c = counts.setdefault(fmt, {})
            c[kind] = c.get(kind, 0) + 1
            if ratio > max_ratio[0]:
                max_ratio = (ratio, f"{seed.name} #{i} ({len(data)} bytes, {kind})")
            excess = r["rss"] - baselines[fmt]
            if excess > max_excess[0]:
                max_excess = (excess, f"{seed.name} #{i} ({len(data)} bytes, {kind})")
            if r["wall"] > slowest[0]:
                slowest = (r["wall"], f"{seed.name} #{i}")
            if kind in ("crash", "timeout", "memory"):
                digest = hashlib.sha1(data).hexdigest()[:12]
                name = f"{kind}-{digest}" + seed.name[seed.name.index("."):]
                found.append({"kind": kind, "file": name, "seed": seed.name, "execution": i,
                              "exit": r["exit"], "signal": r["signal"], "wall": round(r["wall"], 2),
                              "rss": r["rss"], "bytes": len(data), "stderr": r["stderr"].strip()[-300:]})
                if save:
                    save.mkdir(parents=True, exist_ok=True)
                    (save / name).write_bytes(data)
                print(f"[{i}] {kind}: {seed.name} exit={r['exit']} signal={r['signal']} "
                      f"wall={r['wall']:.1f}s rss={r['rss'] >> 20} MiB -> {name}\n    {r['stderr'].strip()[-200:]}",
                      flush=True)
        return kind

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        kinds = [k for k in pool.map(one, plan) if k is not None]
    elapsed = time.monotonic() - started

    summary = {
        "executions": len(kinds), "seed": args.seed, "seconds": round(elapsed, 1),
        "seed_files": len(seeds), "per_format": counts,
        "crashes": sum(1 for f in found if f["kind"] == "crash"),
        "timeouts": sum(1 for f in found if f["kind"] == "timeout"),
        "over_memory": sum(1 for f in found if f["kind"] == "memory"),
        "max_memory_ratio": round(max_ratio[0], 2), "max_memory_ratio_input": max_ratio[1],
        "max_rss_above_baseline_mib": round(max_excess[0] / 2**20, 2), "max_rss_above_baseline_input": max_excess[1],
        "slowest_seconds": round(slowest[0], 2), "slowest_input": slowest[1],
        "baselines_mib": {k: round(v / 2**20, 1) for k, v in baselines.items()},
        "found": found,
    }
    print(f"{len(kinds)} executions in {elapsed:.0f} s over {len(seeds)} seed files")
    for fmt, c in sorted(counts.items()):
        print(f"  {fmt:12} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    print(f"crashes {summary['crashes']}, timeouts {summary['timeouts']}, over memory {summary['over_memory']}; "
          f"max RSS above baseline / larger of file and result {max_ratio[0]:.1f} ({max_ratio[1]}); "
          f"max RSS above baseline {max_excess[0] / 2**20:.1f} MiB ({max_excess[1]}); slowest {slowest[0]:.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
