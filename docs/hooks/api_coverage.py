"""MkDocs hook: every public name of the three packages has its API entry.

The public names are the lazy-import tables of the packages' `__init__`
modules (`_LAZY` of keras_vae, keras_vae_export and keras_vae_sampler), read
without importing anything. Each must appear as a mkdocstrings directive
(`::: module.Name`) on a page of docs/api/; the strict build fails on a
name that has none, so a new public name cannot go undocumented.
"""

import ast
import logging
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "keras_vae": ROOT / "keras_vae" / "__init__.py",
    "keras_vae_export": ROOT / "export" / "__init__.py",
    "keras_vae_sampler": ROOT / "sampler" / "keras_vae_sampler" / "__init__.py",
}
TABLE = "_LAZY"
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)", re.M)
log = logging.getLogger("mkdocs.hooks.api_coverage")


def public_names(init_file):
    """The keys of the module-level `_LAZY = {...}` of `init_file`."""
    for node in ast.parse(init_file.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == TABLE
            for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return None


def documented_names(docs_dir):
    names = set()
    for page in (Path(docs_dir) / "api").glob("*.md"):
        for path in DIRECTIVE.findall(page.read_text()):
            names.add(path.rsplit(".", 1)[-1])
    return names


def on_pre_build(config):
    documented = documented_names(config.docs_dir)
    for package, init_file in PACKAGES.items():
        names = public_names(init_file)
        if names is None:
            log.warning(
                f"{init_file.relative_to(ROOT)} has no {TABLE} table: tell "
                "docs/hooks/api_coverage.py where the public names are"
            )
            continue
        missing = sorted(names - documented)
        if missing:
            log.warning(
                f"{package}: public names without an entry in docs/api/: "
                f"{missing}; add a `::: module.Name` directive for each"
            )
