"""The layout rules of ARCHITECTURE.md, checked on the source: layers, cycles, private names
and sizes.  Each check lists what breaks a rule; every list is empty."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "metaclone"
#: The layer of each part of the package: a module imports its own part and lower layers only.
LAYER = {
    "__about__": 0, "lazy": 0, "errors": 0, "messages": 0, "escaping": 0, "schemas": 0,
    "lossless": 1, "model": 2, "httpsys": 3, "certs": 3, "document": 4, "handover": 4,
    "iis6": 5, "iis7": 5, "loader": 6, "convert": 6, "workflow": 7, "cli": 8, "__main__": 9,
}  # fmt: skip
#: The workflow and the command line use the common document API, never a format's modules.
ABOVE_DOCUMENT, FORMAT_PARTS = {"workflow", "cli"}, {"lossless", "iis6", "iis7"}
#: Exceptions, each justified in ARCHITECTURE.md.
ALLOWED = {
    ("document", "handover"),
    ("cli", "metaclone.lossless.output"),
    # Errors quote and shorten what they show with the message helpers, a leaf of layer 0.
    ("errors", "messages"),
}
MAX_MODULE, MAX_CLASS, MAX_FUNCTION = 500, 300, 60


def _trees() -> dict[str, ast.Module]:
    trees = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        trees[name] = ast.parse(path.read_text(encoding="utf-8"))
    return trees


def _part(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def _graph() -> dict[str, set[str]]:
    """Every import between our modules, TYPE_CHECKING blocks and function bodies included."""
    trees = _trees()
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("metaclone"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in trees else str(node.module))
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in trees)
        graph[name] = {t for t in targets if t in trees and t not in (name, "metaclone")}
    return graph


def _layer_problems() -> list[str]:
    problems = []
    for name, targets in _graph().items():
        part = _part(name)
        for target in sorted(targets):
            other = _part(target)
            if part in ("__init__", other) or {(part, other), (part, target)} & ALLOWED:
                continue
            if LAYER[other] >= LAYER[part]:
                problems.append(f"{name} imports {target} (layer {LAYER[other]})")
            elif part in ABOVE_DOCUMENT and other in FORMAT_PARTS:
                problems.append(f"{name} imports {target}: use the document API")
    return problems


def _cycles() -> list[str]:
    graph, problems = _graph(), []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for target in graph[node]:
                if target == start:
                    problems.append(" -> ".join([*path, start]))
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))
    unique = {frozenset(p.split(" -> ")): p for p in sorted(problems)}
    return sorted(unique.values())


def _private_reach() -> list[str]:
    problems = []
    for name, tree in _trees().items():
        # A module may use the private names it defines itself, on any object.
        own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        own |= {
            n.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(
                a.name.startswith("_") and not a.name.startswith("__") for a in node.names
            ):
                problems.append(f"{name}:{node.lineno} imports a private name")
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id not in ("self", "cls", "argparse")
                and node.attr not in own
            ):
                problems.append(f"{name}:{node.lineno} reaches {ast.unparse(node)}")
    return problems


def _sizes() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text, where = path.read_text(encoding="utf-8"), path.relative_to(ROOT)
        if text.count("\n") > MAX_MODULE:
            problems.append(f"{where}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
                if length > limit:
                    problems.append(f"{where}:{node.lineno} {node.name}: {length} lines")
    return problems


@pytest.mark.parametrize("check", [_layer_problems, _cycles, _private_reach, _sizes])
def test_layout(check: object) -> None:
    assert callable(check)
    assert check() == []
