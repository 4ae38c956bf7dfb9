"""The shared examples of the export format (`format_examples/`), with the
verdict each file names: `valid`, or the error class every reader raises."""

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent / "format_examples"
SCHEMAS = ("manifest", "latent_sampler_gmm")


def examples(schema):
    """[(relative path, verdict)] of one schema's examples, sorted."""
    folder = EXAMPLES_DIR / schema
    found = []
    for path in sorted(folder.rglob("*.json")):
        parts = path.relative_to(folder).parts
        verdict = "valid" if parts[0] == "valid" else parts[1]
        found.append((path.relative_to(EXAMPLES_DIR).as_posix(), verdict))
    return found


def latent_sampler_context(relative):
    """The model a latent sampler example belongs to: latent size 2, and
    3 classes for files named `conditional_*`."""
    conditional = Path(relative).name.startswith("conditional_")
    return {"latent_dim": 2, "num_classes": 3 if conditional else None}
