"""The device package's committed test exports (`sampler/tests/data/`) are
what `tools/make_device_export.py` writes today: the same manifests up to
hashes, sizes, tool versions and parity figures, and reference images that
Keras still draws."""

import json

import numpy as np
import pytest

from tools import make_device_export

pytestmark = pytest.mark.slow

VOLATILE = {"sha256", "size_bytes", "versions", "parity", "min_runtime_version"}


def _stable(node):
    if isinstance(node, dict):
        return {k: _stable(v) for k, v in node.items() if k not in VOLATILE}
    if isinstance(node, list):
        return [_stable(v) for v in node]
    return node


def test_committed_device_exports_are_current(tmp_path):
    make_device_export.write(tmp_path)
    committed = make_device_export.DATA_DIR
    for name in ("unconditional", "conditional"):
        fresh = json.loads((tmp_path / name / "manifest.json").read_text())
        kept = json.loads((committed / name / "manifest.json").read_text())
        for manifest in (fresh, kept):  # Keras numbers its default names
            manifest["model"].pop("name")
        assert _stable(fresh) == _stable(kept), name
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == sorted(
            p.name for p in (committed / name).iterdir()
        )
    with (
        np.load(tmp_path / "reference.npz") as fresh,
        np.load(committed / "reference.npz") as kept,
    ):
        assert sorted(fresh.files) == sorted(kept.files)
        for key in kept.files:
            assert np.abs(fresh[key] - kept[key]).max() <= 1e-6, key
