"""Executes the course notebooks with nbclient.

`python -m tools.run_notebooks` re-executes every notebook in place (their
committed outputs); `--budget full` runs the full training budget.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

# Start-up chatter of TensorFlow's C++ runtime (absl logging, CUDA probes,
# the XNNPACK notice, a tf2onnx FutureWarning) that lands on stderr; it says
# nothing about the notebook and is dropped from the saved outputs.
RUNTIME_NOISE = re.compile(
    r"^(WARNING: All log messages before absl|[IEW]\d{4} |INFO: Created TensorFlow"
    r" Lite|.*FutureWarning: In the future `np.object`|\s+if not hasattr\(np,)"
)


def strip_runtime_noise(notebook):
    """Removes stderr outputs made only of runtime start-up chatter."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            output
            for output in cell.outputs
            if not (
                output.output_type == "stream"
                and output.name == "stderr"
                and all(
                    RUNTIME_NOISE.match(line)
                    for line in output.text.splitlines()
                    if line.strip()
                )
            )
        ]
    return notebook


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path, output_path=None, budget="small", timeout=900):
    """Runs a notebook top to bottom; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    os.environ["KERAS_VAE_NOTEBOOK_BUDGET"] = budget
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    strip_runtime_noise(notebook)
    if output_path is not None:
        nbformat.write(notebook, output_path)
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="small", choices=("small", "full"))
    parser.add_argument("--out-dir", default=None, help="default: in place")
    parser.add_argument("names", nargs="*", help="notebook files (default: all)")
    parser.add_argument(
        "--strip-only", action="store_true", help="only drop runtime chatter"
    )
    args = parser.parse_args(argv)
    paths = [Path(n) for n in args.names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        start = time.perf_counter()
        out = Path(args.out_dir) / path.name if args.out_dir else path
        if args.strip_only:
            import nbformat

            notebook = nbformat.read(path, as_version=4)
            nbformat.write(strip_runtime_noise(notebook), out)
            continue
        execute(path, out, budget=args.budget)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
