"""The set of graded tests and their points, read from the hidden grader's source on the host.

The worker must know which tests exist before the grader runs, so a report that leaves a test out (or
invents one) cannot change the score. Graders are trusted files: parsing them with ``ast`` is safe, and
nothing is imported. A test is a module-level ``def test_*`` in a ``test_*.py`` file; ``@points(N)`` with
an integer literal gives its weight (1 without it).
"""

from __future__ import annotations

import ast
import functools
import threading
from pathlib import Path

# CPython 3.11's ast.parse keeps the depth of the tree it is building in the interpreter, shared by all
# threads: two parses at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905). check_exercises checks exercises in threads, so every parse goes through here.
_PARSE_LOCK = threading.Lock()


def parse_python(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, one thread at a time (see _PARSE_LOCK)."""
    with _PARSE_LOCK:
        return ast.parse(source, filename=filename)


class GraderDefinitionError(ValueError):
    """The grader's source does not follow the format in graders/README.md."""


def grader_test_files(grader_dir: Path) -> list[Path]:
    return sorted(p for p in grader_dir.glob("test_*.py") if p.is_file())


def declared_tests(grader_dir: Path) -> dict[str, int]:
    tests: dict[str, int] = {}
    files = grader_test_files(grader_dir)
    if not files:
        raise GraderDefinitionError(f"{grader_dir} has no test_*.py file")
    for path in files:
        tree = parse_python(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                if node.name in tests:
                    raise GraderDefinitionError(f"test {node.name} is defined twice")
                tests[node.name] = _points_of(node, path)
    if not tests:
        raise GraderDefinitionError(f"{grader_dir} defines no test functions")
    return tests


def _points_of(node: ast.FunctionDef | ast.AsyncFunctionDef, path: Path) -> int:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and _name(decorator.func) == "points":
            if len(decorator.args) != 1 or decorator.keywords:
                raise GraderDefinitionError(f"{path.name}:{node.lineno}: write @points(N) with one integer")
            arg = decorator.args[0]
            if not (isinstance(arg, ast.Constant) and type(arg.value) is int and arg.value > 0):
                raise GraderDefinitionError(f"{path.name}:{node.lineno}: @points needs a positive integer literal")
            return arg.value
        if _name(decorator.func if isinstance(decorator, ast.Call) else decorator) == "parametrize":
            raise GraderDefinitionError(f"{path.name}:{node.lineno}: parametrized tests are not supported")
    return 1


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


# Libraries slow enough to import that a box loads them before the submission arrives (see sandbox.box_pair).
PRELOADABLE = ("numpy", "pandas", "scipy", "sklearn", "torch")


@functools.lru_cache(maxsize=256)
def _preloads(grader_dir: str, stamp: tuple[tuple[str, int, int], ...]) -> tuple[str, ...]:
    found: set[str] = set()
    for name, _, _ in stamp:
        tree = parse_python((Path(grader_dir) / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return tuple(m for m in PRELOADABLE if m in found)


def preloads(grader_dir: Path) -> tuple[str, ...]:
    """The slow libraries the grader's tests import: the student's code almost surely uses them too, so both
    boxes import them while they wait for a submission. (Cached until a test file changes.)"""
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in grader_test_files(grader_dir))
    return _preloads(str(grader_dir), stamp)
