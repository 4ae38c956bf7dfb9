import subprocess
import sys
import zipfile

import pytest

from tests.paths import ROOT

DEVICE = ROOT / "sampler"


def _wheel(source, pattern, tmp_path):
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    result = subprocess.run(
        [*command, "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = tmp_path.glob(pattern)
    return zipfile.ZipFile(wheel)


def _entry_points(wheel):
    name = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    return wheel.read(name).decode()


def _metadata(wheel):
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    return wheel.read(name).decode()


@pytest.mark.slow
def test_wheel_holds_the_package_only(tmp_path):
    wheel = _wheel(ROOT, "keras_vae-*.whl", tmp_path)
    names = wheel.namelist()
    top_level = {name.split("/")[0] for name in names}
    assert "keras_vae" in top_level
    assert "export" not in top_level and "tests" not in top_level
    assert "keras_vae_sampler" not in top_level  # the device package's own
    assert not [n for n in names if n.endswith((".gz", "-ubyte"))]
    sources = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "keras_vae").rglob("*.py")
    } | {
        "keras_vae_export/" + p.relative_to(ROOT / "export").as_posix()
        for p in (ROOT / "export").rglob("*.py")
    }
    assert sources - set(names) == set()  # every module of every subpackage
    assert "keras-vae = keras_vae.cli:main" in _entry_points(wheel)
    assert "Requires-Dist: keras-vae-sampler==" in _metadata(wheel)


@pytest.mark.slow
def test_device_wheel_holds_the_page_and_needs_numpy_and_jsonschema_only(tmp_path):
    wheel = _wheel(DEVICE, "keras_vae_sampler-*.whl", tmp_path)
    names = set(wheel.namelist())
    package = DEVICE / "keras_vae_sampler"
    shipped = {
        p.relative_to(DEVICE).as_posix()
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped - names == set()  # every module, the page, its runtimes
    assert {n.split("/")[0] for n in names} == {
        "keras_vae_sampler",
        next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA")),
    }
    required = [
        line.split(":", 1)[1].strip()
        for line in _metadata(wheel).splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    # numpy for the arrays; jsonschema validates the written export format.
    assert [r.split(">")[0].split("=")[0] for r in required] == [
        "numpy",
        "jsonschema",
    ]
    assert "keras-vae-sampler = keras_vae_sampler.cli:main" in _entry_points(wheel)
