"""papermill with parameters on Lariat notebooks (python/papermill_lariat).

- the translator alone: every kind of value papermill hands over (numbers,
  strings with quotes and backslashes, booleans, None, lists) written as
  Lariat, and the values Lariat cannot take refused with a clear error;
- the text it writes read back by Lariat itself (`lariat run`), value by value;
- papermill finding the translator with nothing imported by hand (the
  package's entry point), as the `papermill` command does;
- papermill's API on a small notebook, and its command line on
  notebooks/1-quickstart.ipynb with small settings (LARIAT_SMALL=1,
  `-p epochs 2 -p T 400`), on the kernel of the binary under test.

scripts/setup.sh --venv installs papermill (requirements-test.txt) and the
translator package into .venv.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import kernel_support  # installs the kernelspec of the binary under test
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from papermill.translators import papermill_translators
from papermill_lariat import LariatParameterError, LariatTranslator

ROOT = kernel_support.ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAPERMILL = str(Path(sys.executable).with_name("papermill"))

# Parameters of every kind, the Lariat text each becomes, and what Lariat's
# print() shows for it.
CASES = [
    # name, value, Lariat source, printed by Lariat
    ("n", 7, "7", "7"),
    ("neg", -3, "-3", "-3"),
    ("rate", 0.25, "0.25", "0.25"),
    ("tiny", 1e-05, "1e-05", "1e-05"),
    ("big", 1e300, "1e+300", "1e+300"),
    ("whole", 100.0, "100.0", "100"),
    ("inf", math.inf, "1e999", "inf"),
    ("ninf", -math.inf, "-1e999", "-inf"),
    ("nan", math.nan, "(1e999 - 1e999)", "nan"),
    ("quoted", 'say "hi" to C:\\data\\n1', r'"say \"hi\" to C:\\data\\n1"', 'say "hi" to C:\\data\\n1'),
    ("lines", "tab\there\nnext", r'"tab\there\nnext"', "tab\there\nnext"),
    ("cr", "a\rb\r\nc", '"a\rb\r\\nc"', "a\rb\r\nc"),
    ("nul", "a\0b", r'"a\0b"', "a\0b"),
    ("uni", "naïve é😀", '"naïve é😀"', "naïve é😀"),
    ("single", "it's", '"it\'s"', "it's"),
    ("hash", "# not a comment", '"# not a comment"', "# not a comment"),
    ("empty", "", '""', ""),
    ("yes", True, "true", "true"),
    ("no", False, "false", "false"),
    ("nothing", None, "none", "none"),
    ("sizes", [1, 2.5, -3], "[1, 2.5, -3]", "[1, 2.5, -3]"),
    ("mixed", [1, 'a"b', True, None, [3, [4.5]]], r'[1, "a\"b", true, none, [3, [4.5]]]',
     r'[1, "a\"b", true, none, [3, [4.5]]]'),
    ("no_items", [], "[]", "[]"),
    ("pair", (1, 2), "[1, 2]", "[1, 2]"),
]
PARAMS = {name: value for name, value, _, _ in CASES}


def _lariat_type(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list"


def _printing_cell(names) -> str:
    """Lariat that prints `@name type value` for each parameter."""
    return "\n".join(f'print("@{n}", type({n}), {n})' for n in names)


def _expected_print(cases) -> str:
    return "".join(f"@{n} {_lariat_type(v)} {shown}\n" for n, v, _, shown in cases)


# -- the translator alone ----------------------------------------------------

@pytest.mark.parametrize("name,value,source,shown", CASES, ids=[c[0] for c in CASES])
def test_translates_each_value(name, value, source, shown):
    assert LariatTranslator.translate(value) == source


def test_numpy_numbers_are_numbers():
    assert LariatTranslator.translate(np.int64(3)) == "3"
    assert LariatTranslator.translate(np.float32(0.5)) == "0.5"


def test_codify_writes_a_comment_then_one_assignment_per_line():
    text = LariatTranslator.codify({"epochs": 2, "name": 'b"', "flag": True, "bins": [1, 2]})
    assert text == '# Parameters\nepochs = 2\nname = "b\\""\nflag = true\nbins = [1, 2]\n'
    assert LariatTranslator.codify({}, comment="injected\nparameters") == "# injected\n# parameters\n"


@pytest.mark.parametrize("params,message", [
    ({"d": {"a": 1}}, "parameter 'd': Lariat has no record"),
    ({"l": [1, {"a": 1}]}, "parameter 'l': Lariat has no record"),
    ({"true": 1}, "'true' is not a Lariat name"),
    ({"not": 1}, "'not' is not a Lariat name"),
    ({"two words": 1}, "'two words' is not a Lariat name"),
    ({"1st": 1}, "'1st' is not a Lariat name"),
    ({"s": "\u0301accent first"}, "parameter 's': cannot write"),
    ({"s": 'quote then mark "\u0301'}, "COMBINING ACUTE ACCENT would join"),
    ({"s": "tab then mark \t\u0301"}, "would join"),
    ({"s": "ends prepended \u0600"}, "prepended mark"),
    ({"huge": 10**400}, "too large for a Lariat number"),
], ids=["dict", "dict-in-list", "keyword-true", "keyword-not", "space", "digit-first",
        "mark-first", "mark-after-quote", "mark-after-tab", "prepend-last", "huge-int"])
def test_refuses_what_lariat_cannot_take(params, message):
    with pytest.raises(LariatParameterError, match=message.replace("(", r"\(")):
        LariatTranslator.codify(params)


def test_accented_letters_are_fine_where_precomposed_or_after_a_letter():
    assert LariatTranslator.translate("e\u0301 \u00e9") == '"e\u0301 \u00e9"'


def test_help_notebook_reads_the_parameters_cell():
    cell = nbformat.v4.new_code_cell(
        '# Parameters\nn = 7  # frames\nname = "a # b"\nflag = false\nbins = [1, 2]\n'
        'x = none\nsmall = env("LARIAT_SMALL", 0)\nif_ok == 1\n')
    params = LariatTranslator.inspect(cell)
    assert [(p.name, p.inferred_type_name, p.default, p.help) for p in params] == [
        ("n", "number", "7", "frames"),
        ("name", "string", '"a # b"', ""),
        ("flag", "bool", "false", ""),
        ("bins", "list", "[1, 2]", ""),
        ("x", "NoneType", "none", ""),
        ("small", "None", 'env("LARIAT_SMALL", 0)', ""),
    ]


# -- papermill finds it --------------------------------------------------------

@pytest.mark.parametrize("first_import", [
    "import papermill",
    "import papermill.translators",
    "import papermill_lariat",
    "import papermill_lariat.translator",
])
def test_papermill_finds_the_translator_by_itself(first_import):
    """A fresh interpreter: whatever is imported first, papermill's own table
    gives LariatTranslator for the kernel `lariat` and for the language."""
    code = (f"{first_import}\n"
            "from papermill.translators import papermill_translators as t\n"
            "print(t.find_translator('lariat', 'lariat').__qualname__,"
            " t.find_translator('some-other-kernel', 'lariat').__qualname__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["LariatTranslator", "LariatTranslator"]


def test_the_translator_in_use_is_this_one():
    assert papermill_translators.find_translator("lariat", "lariat") is LariatTranslator


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_takes_parameters_after_its_parameters_cell(path):
    nb = load_notebook_node(str(path))  # as papermill reads it (every cell given its tags)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.tags]
    assert tagged, f"{path.name}: no cell tagged parameters"
    out = parameterize_notebook(nb, {"n": 7, "flag": True, "name": "b"})
    injected = out.cells[tagged[0] + 1]
    assert "injected-parameters" in injected.metadata.tags
    assert injected.source == "# Parameters\nn = 7\nflag = true\nname = \"b\"\n"


# -- Lariat reads what it writes ----------------------------------------------

def test_lariat_reads_every_value_back(tmp_path):
    script = tmp_path / "params.lariat"
    script.write_text(LariatTranslator.codify(PARAMS) + _printing_cell(PARAMS) + "\n", encoding="utf-8")
    run = subprocess.run([kernel_support.lariat_bin(), "run", str(script)], capture_output=True,
                         cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == _expected_print(CASES)


# -- papermill on the kernel -------------------------------------------------------

def _small_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "lariat", "display_name": "Lariat", "language": "lariat"}
    defaults = nbformat.v4.new_code_cell("# defaults, all replaced\n" + "\n".join(f"{n} = 0" for n in PARAMS))
    defaults.metadata.tags = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell('print("before")'), defaults,
                nbformat.v4.new_code_cell(_printing_cell(PARAMS))]
    nbformat.write(nb, path)


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _errors(nb) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}{o.get('text', '')}" for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]


def test_papermill_runs_a_notebook_with_parameters_of_every_kind(tmp_path):
    import papermill

    _small_notebook(tmp_path / "in.ipynb")
    papermill.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), parameters=PARAMS,
                               cwd=str(tmp_path), progress_bar=False, execution_timeout=60)
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert not _errors(nb), _errors(nb)
    assert [c.metadata.get("tags", []) for c in nb.cells][1:3] == [["parameters"], ["injected-parameters"]]
    expected_source = "# Parameters\n" + "".join(f"{n} = {src}\n" for n, _, src, _ in CASES)
    assert nb.cells[2].source == expected_source
    assert _stdout(nb.cells[0]) == "before\n"
    assert _stdout(nb.cells[3]) == _expected_print(CASES)


def test_papermill_command_line_on_the_quickstart(tmp_path):
    """`papermill notebooks/1-quickstart.ipynb out.ipynb -p epochs 2 -p T 400 ...`,
    on a copy with one more cell that shows what the parameters did."""
    nb = nbformat.read(ROOT / "notebooks" / "1-quickstart.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('print(len(m.losses), shape(sim.movie), flag, name, type(flag))'))
    nbformat.write(nb, tmp_path / "quickstart.ipynb")

    env = dict(os.environ, LARIAT_SMALL="1")
    run = subprocess.run(
        [PAPERMILL, "quickstart.ipynb", "out.ipynb", "-p", "epochs", "2", "-p", "T", "400",
         "-p", "flag", "True", "-p", "name", 'b "c"', "--cwd", str(tmp_path), "--no-progress-bar",
         "--execution-timeout", "120"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]

    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert not _errors(out), _errors(out)
    injected = [c for c in out.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert [c.source for c in injected] == ['# Parameters\nepochs = 2\nT = 400\nflag = true\nname = "b \\"c\\""\n']
    assert _stdout(out.cells[-1]) == '2 [400, 40, 40] true b "c" boolean\n'
    assert np.load(tmp_path / "latents.npy").shape == (400, 16)
    figures = sum(1 for c in out.cells if c.cell_type == "code" for o in c.outputs
                  if "image/png" in o.get("data", {}))
    assert figures == 6
