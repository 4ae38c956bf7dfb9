"""Helpers of the browser tests: start a server, drive the page in Chromium.

The page is driven by `tests/browser/page_check.mjs` (playwright-core from
`npm ci`, Debian's `/usr/bin/chromium`); `make test` installs both.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGE_CHECK = ROOT / "tests" / "browser" / "page_check.mjs"


def require_browser():
    """Skips the test, saying what to install, without Chromium, Node or the
    npm packages (`make test` installs them)."""
    missing = [
        what
        for what, present in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("node", shutil.which("node") is not None),
            ("node_modules (npm ci)", (ROOT / "node_modules/playwright-core").is_dir()),
        )
        if not present
    ]
    if missing:
        pytest.skip(f"browser tests need {missing}; `make test` installs them")


@contextlib.contextmanager
def running_server(command, ready_pattern):
    """Starts a server command and yields its base URL, read from the first
    output line matching `ready_pattern` (a regex with groups host, port)."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            match = re.search(ready_pattern, line)
            if match:
                break
        else:
            raise AssertionError(f"server did not start: {''.join(lines)}")
        host, port = match.groups()
        yield f"http://{host}:{port}/", lines
    finally:
        process.terminate()
        process.wait(timeout=30)


def keras_vae_serve(export_dir, *extra):
    """`keras-vae serve EXPORT_DIR --port 0`, yielding (url, output lines)."""
    command = [sys.executable, "-m", "keras_vae", "serve", str(export_dir)]
    return running_server(
        [*command, "--port", "0", *extra],
        r"Serving .* at http://([\d.]+):(\d+)/",
    )


def static_server(site_dir):
    """`python -m http.server` on 127.0.0.1, any free port."""
    command = [sys.executable, "-u", "-m", "http.server", "0"]
    return running_server(
        [*command, "--bind", "127.0.0.1", "--directory", str(site_dir)],
        r"Serving HTTP on ([\d.]+) port (\d+)",
    )


def check_page(url, **spec):
    """Runs page_check.mjs on `url`; returns its report (a dict)."""
    return run_node_check(PAGE_CHECK.name, {"url": url, **spec})


def run_node_check(script, spec):
    """Runs `tests/browser/<script>` with `spec` (JSON) as its argument;
    returns the JSON of its last output line."""
    result = subprocess.run(
        ["node", str(PAGE_CHECK.parent / script), json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def set_mixture_sampler(vae, mixtures):
    """Gives `vae` a hand-made Gaussian-mixture latent sampler (as
    `fit_latent_sampler` would), so that its exports carry it in their
    sampling graphs."""
    from keras_vae.samplers import GaussianMixtureSampler

    means = np.asarray([m["means"] for m in mixtures], "float32")
    sampler = GaussianMixtureSampler(
        means.shape[2], means.shape[1], len(mixtures), name="latent_sampler"
    )
    sampler.mixture_weights.assign(np.asarray([m["weights"] for m in mixtures]))
    sampler.means.assign(means)
    sampler.cholesky.assign(np.asarray([m["cholesky"] for m in mixtures]))
    vae.latent_sampler = sampler
    return vae
