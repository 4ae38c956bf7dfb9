"""The packages depend one way (#40): `keras_vae_sampler` at the bottom
imports neither of the others, `keras_vae` may import `keras_vae_export`
(the model side calls the exporter, as Keras' `model.export` does) and the
exporter imports nothing of `keras_vae`; no files import each other in a
loop. Imports are walked by installed name (`export/` is
`keras_vae_export`), at any depth of the code (deferred imports inside
functions count), together with module names given as strings (lazy
tables, `import_module`)."""

import ast
import re

from tests.paths import ROOT

PACKAGES = {
    "keras_vae": ROOT / "keras_vae",
    "keras_vae_sampler": ROOT / "sampler" / "keras_vae_sampler",
    "keras_vae_export": ROOT / "export",
}
# Which package may import which (besides itself).
ALLOWED = {
    "keras_vae_sampler": set(),
    "keras_vae_export": {"keras_vae_sampler"},
    "keras_vae": {"keras_vae_sampler", "keras_vae_export"},
}
MODULE_NAME = re.compile(r"^(keras_vae|keras_vae_sampler|keras_vae_export)(\.\w+)*$")


def modules():
    """{module name: file} of the three packages."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _docstrings(tree):
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                yield body[0].value


def imported(name, path, known):
    """The modules of `known` that the module `name` imports."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    docstrings = {id(node) for node in _docstrings(tree)}
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            targets.update(submodules & set(known))
            if not submodules <= set(known):  # a name defined in `base`
                targets.add(base)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and "." in node.value
            and MODULE_NAME.match(node.value)
        ):
            targets.add(node.value)  # a lazy table's or import_module's module
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.endswith("SUBMODULES")
            for t in node.targets
        ):  # lazy_attributes' submodules, named relative to the package
            targets.update(
                f"{package}.{element.value}"
                for element in ast.walk(node.value)
                if isinstance(element, ast.Constant) and isinstance(element.value, str)
            )
    return {t for t in targets if t in known and t != name}


def import_graph():
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def _cycles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_walk_sees_deferred_and_string_imports():
    graph = import_graph()
    # Deferred (inside a function) and lazy-table (a string) imports.
    assert "keras_vae_export.exporter" in graph["keras_vae.cli.export"]
    assert "keras_vae_export.exporter" in graph["keras_vae_export"]


def test_packages_depend_one_way():
    wrong = sorted(
        (name, target)
        for name, targets in import_graph().items()
        for target in targets
        if target.split(".")[0] != name.split(".")[0]
        and target.split(".")[0] not in ALLOWED[name.split(".")[0]]
    )
    assert not wrong, wrong


def test_no_files_import_each_other_in_a_loop():
    import sys

    sys.setrecursionlimit(10_000)
    assert _cycles(import_graph()) == []
