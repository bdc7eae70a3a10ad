"""Same seed, same data, same options, same machine: same model, and the
same on one core and on two (issue 16). `lariat run` fits a small model
under `taskset -c 0` and under `taskset -c 0,1` and the saved coefficients,
latents and losses must agree bit for bit. This covers what the Swift
suite DeterminismTests cannot: the worker count the process itself sees
(Swift's active processor count, libdispatch's and OpenBLAS's threads).
Before the partition was fixed (`WorkChunks`), the two runs differed in
the 7th digit."""
import os
import shutil
import subprocess

import numpy as np
import pytest

from kernel_support import lariat_bin

LARIAT = lariat_bin()

SCRIPT = (
    "sim = simulate(neurons=6, frames=300, size=40, seed=1)\n"
    "m = fit(sim.movie, latent=6, epochs=2, window=64, seed=3)\n"
    "save(m.coefficients, \"coef.npy\")\n"
    "save(m.latents, \"latents.npy\")\n"
    "save(m.losses, \"losses.npy\")\n"
)


def cores_available():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


@pytest.mark.skipif(shutil.which("taskset") is None or cores_available() < 2,
                    reason="needs taskset and two cores")
def test_one_core_and_two_cores_fit_the_same_model(tmp_path):
    outputs = {}
    for cpus in ("0", "0,1"):
        d = tmp_path / cpus.replace(",", "_")
        d.mkdir()
        (d / "s.lariat").write_text(SCRIPT)
        r = subprocess.run(["taskset", "-c", cpus, LARIAT, "run", "s.lariat"], cwd=d,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        outputs[cpus] = {name: np.load(d / f"{name}.npy") for name in ("coef", "latents", "losses")}
    for name in ("coef", "latents", "losses"):
        a, b = outputs["0"][name], outputs["0,1"][name]
        assert np.all(np.isfinite(a))
        assert a.tobytes() == b.tobytes(), f"{name}: max difference {np.abs(a - b).max()}"
