import json
import re
from pathlib import Path

import pytest

from tools.run_notebooks import NOTEBOOKS
from tools.run_notebooks import execute

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_course_notebooks_are_all_here():
    assert NAMES[:7] == [
        "01_autoencoder.ipynb",
        "02_vae.ipynb",
        "03_kl_ablation.ipynb",
        "04_export_and_sampling.ipynb",
        "05_conditional.ipynb",
        "06_latent_samplers.ipynb",
        "07_importance_weighted.ipynb",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_carry_figures_and_numbers(name):
    notebook = json.loads((NOTEBOOKS / name).read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert all(c.get("execution_count") for c in code), "execute it first"
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any(o.get("name") == "stdout" for o in outputs)
    sources = "".join("".join(c["source"]) for c in notebook["cells"])
    assert "import keras_vae" in sources
    code_text = "\n".join("".join(c["source"]) for c in code)
    assert not re.search(r"^\s*class\s+\w+", code_text, re.M)  # no redefinitions
    assert "FULL_TABLE" not in sources


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_VAE_CACHE", str(Path.home() / ".cache" / "keras_vae"))
    executed = execute(NOTEBOOKS / name, tmp_path / name, budget="small")
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors
