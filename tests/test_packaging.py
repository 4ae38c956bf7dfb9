import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_holds_the_package_only(tmp_path):
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    result = subprocess.run(
        [*command, "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = tmp_path.glob("keras_vae-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert "keras_vae" in top_level
    assert "export" not in top_level and "tests" not in top_level
    assert not [n for n in names if n.endswith((".gz", "-ubyte"))]
    sources = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "keras_vae").rglob("*.py")
    } | {
        "keras_vae_export/" + p.relative_to(ROOT / "export").as_posix()
        for p in (ROOT / "export").rglob("*.py")
    }
    assert sources - set(names) == set()  # every module of every subpackage
    page = {
        "keras_vae_export/web/" + p.relative_to(ROOT / "web").as_posix()
        for p in (ROOT / "web").rglob("*")
        if p.is_file()
    }
    assert page - set(names) == set()  # the browser page and its runtime
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "keras-vae = keras_vae.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
