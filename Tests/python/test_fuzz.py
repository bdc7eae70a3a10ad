"""The file parsers against damaged input (issue 20).

Every file under Tests/fuzz-regressions/ is an input that once crashed
Lariat, ran past the fuzzer's timeout or allocated far more than the file
could back (bench/fuzz/fuzz.py found them; the prefix of the name says
which). Each must now load cleanly or fail with a message: exit status 0
or 1, no signal, within the fuzzer's limits of time and memory. A short
fixed-seed fuzz run over the whole corpus follows (bench/fuzz/fuzz.py
documents the long run; docs/hardening.md has its numbers)."""
import sys
from pathlib import Path

import pytest

import kernel_support

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "fuzz"))
import fuzz  # noqa: E402

REGRESSIONS = sorted((ROOT / "Tests" / "fuzz-regressions").iterdir())
LIMITS = fuzz.Limits(timeout=10.0, address_space=4 << 30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The fuzzer's seed files (a suite2p member is read in a copy of its plane folder)."""
    work = tmp_path_factory.mktemp("fuzz-corpus")
    return work, fuzz.write_corpus(work / "corpus", kernel_support.lariat_bin())


@pytest.fixture(scope="module")
def baseline(corpus):
    """Peak RSS of the process itself, per format (libhdf5 loaded for .h5)."""
    work, seeds = corpus
    return fuzz.measure_baselines(kernel_support.lariat_bin(), seeds, work, LIMITS, work / "corpus")


def test_there_are_regression_files():
    assert len(REGRESSIONS) >= 10
    assert {p.suffix for p in REGRESSIONS} >= {".tif"}


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_regression_file_is_refused_cleanly(path, tmp_path, corpus, baseline):
    script = tmp_path / "load.lariat"
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    script.write_text(fuzz.script_for(copy, corpus[0] / "corpus"))
    r = fuzz.run_once(kernel_support.lariat_bin(), script, LIMITS)
    kind, _ = fuzz.classify(r, path.stat().st_size, baseline.get(fuzz.format_of(path), max(baseline.values())))
    assert kind in ("ok", "error"), f"{path.name}: {kind}, exit {r['exit']}, signal {r['signal']}, " \
                                    f"{r['wall']:.1f} s, {r['rss'] >> 20} MiB\n{r['stderr'][-500:]}"
    if kind == "error":
        # A located, readable message naming the file.
        assert "error:" in r["stderr"] and path.name in r["stderr"], r["stderr"]


def test_short_fixed_seed_fuzz_run_finds_nothing(tmp_path):
    """300 mutated files (about 20-40 s on two cores): no crash, timeout or
    over-memory run."""
    code = fuzz.main(["--lariat", kernel_support.lariat_bin(), "--executions", "300", "--seed", "20",
                      "--jobs", "2", "--save", "", "--json", str(tmp_path / "summary.json"),
                      "--work", str(tmp_path / "work")])
    import json
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["executions"] == 300
    assert summary["found"] == [], summary["found"]
    assert code == 0
