"""Fitted models and records out of Lariat (DESIGN.md "Real recordings"):
`save(m, "m.lariatmodel")` in one `lariat run`, `load` in another, gives
the same scores, coefficients, reconstructions and maps bit for bit; the file
is an .npz numpy reads alone; a newer format version, a damaged file and a
file that is no model get clear errors. Records save to .json and .csv."""
import csv
import json
import subprocess
import zipfile

import numpy as np
import pytest

from kernel_support import lariat_bin

LARIAT = lariat_bin()

SIM = "sim = simulate(neurons=5, frames=240, size=24, seed=3)\n"
# Everything a user reads from a model, saved for comparison.
OUTPUTS = (
    "save(m.coefficients, \"{p}coefficients.npy\")\n"
    "save(m.intercept, \"{p}intercept.npy\")\n"
    "save(m.latents, \"{p}latents.npy\")\n"
    "save(m.scores, \"{p}scores.json\")\n"
    "save(encode(m, sim.movie), \"{p}encode.npy\")\n"
    "save(reconstruct(m, sim.movie), \"{p}reconstruct.npy\")\n"
    "save(predict(m, sim.movie), \"{p}predict.npy\")\n"
    "save([score(m, sim.movie).prediction_ratio], \"{p}score.npy\")\n"
    "save(contributions(m, sim.movie).map, \"{p}map.npy\")\n"
    "save(network(m, sim.movie, masks=sim.footprints, frames=40).matrix, \"{p}network.npy\")\n"
)
NAMES = ["coefficients", "intercept", "latents", "encode", "reconstruct", "predict", "score", "map", "network"]


def run(script, cwd):
    (cwd / "s.lariat").write_text(script)
    return subprocess.run([LARIAT, "run", "s.lariat"], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    r = run(SIM + "m = fit(sim.movie, epochs=2, seed=1)\nsave(m, \"m.lariatmodel\")\n" + OUTPUTS.format(p="a_"), d)
    assert r.returncode == 0, r.stderr
    return d


def test_a_model_loaded_in_a_new_process_gives_the_same_results_bit_for_bit(fitted):
    r = run(SIM + "m = load(\"m.lariatmodel\")\nm\n" + OUTPUTS.format(p="b_"), fitted)
    assert r.returncode == 0, r.stderr
    for name in NAMES:
        a, b = np.load(fitted / f"a_{name}.npy"), np.load(fitted / f"b_{name}.npy")
        assert a.shape == b.shape and a.tobytes() == b.tobytes(), name
    assert json.loads((fitted / "a_scores.json").read_text()) == json.loads((fitted / "b_scores.json").read_text())
    assert "model" in r.stdout


def test_numpy_alone_reads_the_model_file(fitted):
    z = np.load(fitted / "m.lariatmodel")
    header = json.loads(z["header"].tobytes())
    assert header["format"] == "lariatmodel" and header["version"] == 1
    assert header["options"]["latent"] == 16 and header["architecture"]["channels"] == [16, 32, 32]
    np.testing.assert_array_equal(z["var_coefficients"], np.load(fitted / "a_coefficients.npy"))
    scores = dict(zip(header["scores"], z["scores"]))
    assert scores["prediction_ratio"] == json.loads((fitted / "a_scores.json").read_text())["prediction_ratio"]
    for p in header["parameters"]:
        assert z[p["member"]].dtype == np.float32 and list(z[p["member"]].shape) == p["shape"]


def rewrite(src, dst, header_change=None, compressed=False):
    z = np.load(src)
    members = {k: z[k] for k in z.files}
    if header_change:
        h = json.loads(members["header"].tobytes())
        header_change(h)
        members["header"] = np.frombuffer(json.dumps(h).encode(), dtype=np.uint8)
    (np.savez_compressed if compressed else np.savez)(dst, **members)


def test_a_file_rewritten_by_numpy_compressed_loads_the_same(fitted):
    rewrite(fitted / "m.lariatmodel", fitted / "c.npz", compressed=True)
    (fitted / "c.npz").rename(fitted / "c.lariatmodel")
    r = run(SIM + "m = load(\"c.lariatmodel\")\nsave(reconstruct(m, sim.movie), \"c_reconstruct.npy\")\n", fitted)
    assert r.returncode == 0, r.stderr
    assert np.load(fitted / "c_reconstruct.npy").tobytes() == np.load(fitted / "a_reconstruct.npy").tobytes()


def test_a_newer_format_version_is_refused_clearly(fitted):
    rewrite(fitted / "m.lariatmodel", fitted / "new.npz", header_change=lambda h: h.update(version=99))
    (fitted / "new.npz").rename(fitted / "new.lariatmodel")
    r = run("x = 1\nm = load(\"new.lariatmodel\")\n", fitted)
    assert r.returncode != 0
    assert "version 99" in r.stderr and "newer" in r.stderr and "update Lariat" in r.stderr


def test_a_non_default_architecture_round_trips(tmp_path):
    script = (SIM + "m = fit(sim.movie, epochs=1, seed=2, channels=[8, 16], kernel=5, layers=[\"channel_norm\"])\n"
              "save(m, \"m.lariatmodel\")\nsave(reconstruct(m, sim.movie), \"a.npy\")\n")
    r = run(script, tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(SIM + "m = load(\"m.lariatmodel\")\nsave(reconstruct(m, sim.movie), \"b.npy\")\nm.architecture\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "a.npy").tobytes() == np.load(tmp_path / "b.npy").tobytes()
    assert "channel_norm" in r.stdout and "5x5" in r.stdout


def test_shrinkage_toward_persistence_round_trips(tmp_path):
    """shrink_to is stored; the loaded model's VAR, its predictions and its
    refit on the same latents are those of the fitted one."""
    script = (SIM + "m = fit(sim.movie, epochs=2, seed=1, mode=\"two-stage\", shrink_to=\"persistence\")\n"
              "save(m, \"m.lariatmodel\")\nsave(m.coefficients, \"a.npy\")\n"
              "save(predict(m, sim.movie), \"pa.npy\")\n")
    r = run(script, tmp_path)
    assert r.returncode == 0, r.stderr
    r = run(SIM + "m = load(\"m.lariatmodel\")\nsave(m.coefficients, \"b.npy\")\n"
            "save(predict(m, sim.movie), \"pb.npy\")\nprint(m.shrink_to)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "persistence"
    for x in ("", "p"):
        assert np.load(tmp_path / f"{x}a.npy").tobytes() == np.load(tmp_path / f"{x}b.npy").tobytes()
    # Shrunk toward persistence, the own lag-1 coefficients are near 1, not near 0.
    assert np.diag(np.load(tmp_path / "a.npy")[:, :16]).mean() > 0.5


def test_a_file_from_before_shrink_to_loads_as_zero(tmp_path):
    """Files written before `shrink_to` existed have no options.shrink_to;
    their VAR was shrunk toward zero, so they load as "zero" (not as the
    default, "persistence"), with the same VAR and predictions."""
    r = run(SIM + "m = fit(sim.movie, epochs=2, seed=1, mode=\"two-stage\", shrink_to=\"zero\")\n"
            "save(m, \"m.lariatmodel\")\nsave(m.coefficients, \"a.npy\")\nsave(predict(m, sim.movie), \"pa.npy\")\n", tmp_path)
    assert r.returncode == 0, r.stderr
    rewrite(tmp_path / "m.lariatmodel", tmp_path / "old.npz", header_change=lambda h: h["options"].pop("shrink_to"))
    (tmp_path / "old.npz").rename(tmp_path / "old.lariatmodel")
    r = run(SIM + "m = load(\"old.lariatmodel\")\nsave(m.coefficients, \"b.npy\")\n"
            "save(predict(m, sim.movie), \"pb.npy\")\nprint(m.shrink_to)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "zero"
    for x in ("", "p"):
        assert np.load(tmp_path / f"{x}a.npy").tobytes() == np.load(tmp_path / f"{x}b.npy").tobytes()


@pytest.mark.parametrize("damage", ["truncate", "crc", "not_a_model", "missing_member"])
def test_damaged_files_give_a_clear_error_naming_the_file(fitted, damage):
    src = (fitted / "m.lariatmodel").read_bytes()
    path = fitted / f"bad_{damage}.lariatmodel"
    if damage == "truncate":
        path.write_bytes(src[: len(src) // 2])
        expect = "not a ZIP archive"
    elif damage == "crc":
        b = bytearray(src)
        b[len(b) // 3] ^= 0xFF
        path.write_bytes(bytes(b))
        expect = ""
    elif damage == "not_a_model":
        np.savez(path.with_suffix(".npz"), x=np.arange(3))
        path.with_suffix(".npz").rename(path)
        expect = "not a Lariat model"
    else:
        with zipfile.ZipFile(fitted / "m.lariatmodel") as zin, zipfile.ZipFile(path, "w") as zout:
            for item in zin.infolist():
                if item.filename != "var_intercept.npy":
                    zout.writestr(item, zin.read(item.filename))
        expect = "var_intercept"
    r = run("m = load(\"%s\")\n" % path.name, fitted)
    assert r.returncode == 1, r.stderr
    assert path.name in r.stderr and "error" in r.stderr and expect in r.stderr


def test_records_save_to_json_with_every_field(tmp_path):
    r = run(
        "v = var([[1, 2], [2, 1], [3, 5], [4, 3], [5, 7], [6, 5], [7, 8]], lag=1, lambda=0)\n"
        "save(v, \"v.json\")\n", tmp_path)
    assert r.returncode == 0, r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["kind"] == "sparse VAR"
    z = np.array([[1, 2], [2, 1], [3, 5], [4, 3], [5, 7], [6, 5], [7, 8]], float)
    X, Y = np.c_[np.ones(6), z[:-1]], z[1:]
    beta = np.linalg.lstsq(X, Y, rcond=None)[0]
    np.testing.assert_allclose(np.array(v["coefficients"]), beta[1:].T, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.array(v["intercept"]), beta[0], rtol=1e-9, atol=1e-9)
    assert np.array(v["residuals"]).shape == (6, 2)


def test_model_scores_save_as_a_csv_table_and_non_tables_are_refused(fitted):
    r = run(SIM + "m = load(\"m.lariatmodel\")\nsave(m.scores, \"scores.csv\")\n", fitted)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader((fitted / "scores.csv").open()))
    assert rows[0] == ["name", "value"]
    table = {k: float(v) for k, v in rows[1:]}
    assert table["prediction_ratio"] == json.loads((fitted / "a_scores.json").read_text())["prediction_ratio"]
    r = run("m = load(\"m.lariatmodel\")\nsave(m, \"m.csv\")\n", fitted)
    assert r.returncode == 1
    assert "is not a" in r.stderr and ".json" in r.stderr
