"""The platform's import rules, read from the source (tests/platform/test_layers.py applies them).

Apps import downward only: core <- accounts <- audit <- notices <- catalog <- courses <- grading <- similarity <- lti <- web (config, on top, wires them up). No
app imports another inside a function (the way to hide a cycle), and the platform uses the sandbox only
through its package, `sandbox` (its closed API), never a submodule. Migrations are history, and skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

LAYERS = ("core", "accounts", "audit", "notices", "catalog", "courses", "grading", "similarity", "lti", "web", "config")
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level or node.module is None:
        return []  # relative imports stay inside their package
    return [node.module]


def violations(platform_dir: Path) -> list[str]:
    """Every broken rule, as "file:line: what"; empty when the platform keeps them all."""
    found = []
    for path in sorted(platform_dir.rglob("*.py")):
        relative = path.relative_to(platform_dir)
        app = relative.parts[0]
        if app not in RANK or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        in_function = {
            id(inner)
            for outer in ast.walk(tree)
            if isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(outer)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for module in _imported(node):
                top = module.split(".")[0]
                where = f"{relative}:{node.lineno}"
                if top == "sandbox" and module != "sandbox":
                    found.append(f"{where}: imports {module}; use the sandbox's API (`from sandbox import ...`)")
                if top not in RANK or top == app:
                    continue
                if RANK[top] > RANK[app]:
                    found.append(f"{where}: {app} imports {module}, a layer above it ({' <- '.join(LAYERS)})")
                elif id(node) in in_function:
                    found.append(f"{where}: imports {module} inside a function; import it at the top")
    return found
