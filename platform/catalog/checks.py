"""The checks that keep graders honest, run in the real sandbox (Django-free; `manage.py check_exercises`).

For each exercise: the metadata is valid; the reference gets full marks, the same on every one of several
runs (catching unseeded randomness); the starter and every known-wrong solution get less, and we say which
tests caught each; nothing a student can see reveals a hidden test, the reference or hidden data.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.definitions import ExerciseDefinition
from grading.jobs import build_job, load_for_exercise, read_submission_path
from sandbox import NotGradable, Outcome, run_job

STUDENT_VISIBLE_SUFFIXES = {".py", ".ipynb", ".md", ".toml", ".txt", ".json", ".csv"}


@dataclass
class ExerciseCheck:
    slug: str
    problems: list[str] = field(default_factory=list)
    reference: str = ""
    starter: str = ""
    wrong: list[str] = field(default_factory=list)
    deterministic: bool = True
    seconds: float = 0.0
    reference_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _grade(definition: ExerciseDefinition, path: Path, defaults: dict[str, Any]) -> Outcome:
    from django.conf import settings

    loaded = load_for_exercise(definition, read_submission_path(path))
    job = build_job(
        definition, loaded, run_name=f"check-{uuid.uuid4().hex[:10]}", default_limits=defaults,
        gpu_available=gpu_available(), grader_secret=settings.GRADER_SECRET,
    )
    return run_job(job)


def gpu_available() -> bool:
    return os.environ.get("SANDBOX_GPU", "").lower() in ("1", "true", "yes")


def _failing(outcome: Outcome) -> list[str]:
    return [t.name for t in outcome.tests if t.outcome != "passed"]


def _given_names(source: str) -> set[str]:
    """Top-level functions and classes a starter gives complete (no NotImplementedError): helpers the
    statement hands out on purpose, which the reference may repeat."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and "NotImplementedError" not in ast.unparse(node)
    }


def _names_the_grader_calls(definition: ExerciseDefinition) -> set[str]:
    names = set()
    for path in definition.grader_dir.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "student":
                names.add(node.attr)
    return names


def _statements(source: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Normalised code statements inside functions, without docstrings or `raise NotImplementedError`,
    leaving out the top-level functions and classes named in ``skip``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    tree.body = [n for n in tree.body if getattr(n, "name", None) not in skip]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                    continue  # docstring
                text = ast.unparse(statement)
                if "NotImplementedError" in text or text in ("pass", "...") or len(text) < 25:
                    continue
                found.add(text)
    return found


def _visible_files(definition: ExerciseDefinition) -> list[Path]:
    return [
        p for p in definition.exercise_dir.rglob("*")
        if p.is_file() and p.suffix in STUDENT_VISIBLE_SUFFIXES
    ]


def _visible_code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8", errors="replace")
    from sandbox.submission import notebook_to_module

    try:
        return notebook_to_module(path.read_bytes(), path.name)[0].decode()
    except NotGradable:
        return ""


def leaks(definition: ExerciseDefinition) -> list[str]:
    """What a student could learn from exercises/ that they must not: hidden tests, reference, data."""
    problems = []
    visible = {p: _visible_code(p) for p in _visible_files(definition)}
    visible_text = "\n".join(visible.values())
    hidden_tests = set(definition.declared_tests)
    for path, text in visible.items():
        if path.name.startswith("test_") and path.parent.name != "public_tests":
            problems.append(f"{path.name}: test files for students belong in public_tests/")
        if "gradient_grader" in text or "graders/" in text:
            problems.append(f"{path.relative_to(definition.exercise_dir)} refers to the hidden grader")
    for name in hidden_tests:
        if f"def {name}(" in visible_text:
            problems.append(f"the hidden test {name} appears under exercises/")
    given: set[str] = set()
    for path, text in visible.items():
        if path.suffix in (".py", ".ipynb") and "starter" in path.relative_to(definition.exercise_dir).parts:
            given |= _given_names(text)
    given -= _names_the_grader_calls(definition)  # what the tests exercise is the student's to write
    reference_dir = definition.grader_dir / "reference"
    reference_statements: set[str] = set()
    for path in [*reference_dir.rglob("*.py"), *reference_dir.rglob("*.ipynb")]:
        reference_statements |= _statements(_visible_code(path), frozenset(given))
    shown = set()
    for path, text in visible.items():
        if path.suffix in (".py", ".ipynb"):
            shown |= reference_statements & _statements(text)
    if reference_statements and len(shown) >= max(3, len(reference_statements) // 2):
        problems.append(f"{len(shown)} statements of the reference solution appear under exercises/")
    data_dir = definition.grader_dir / "data"
    if data_dir.is_dir():
        for path in data_dir.rglob("*"):
            if path.is_file() and path.stat().st_size <= 1_000_000:
                lines = {ln.strip() for ln in path.read_text(errors="replace").splitlines() if len(ln.strip()) > 20}
                exposed = [ln for ln in lines if ln in visible_text]
                if exposed:
                    problems.append(f"hidden data {path.name} appears under exercises/ ({len(exposed)} lines)")
    return problems


def public_tests_pass_on_reference(definition: ExerciseDefinition) -> list[str]:
    """The public tests a student downloads must pass on the reference, with plain pytest, as a student
    would run them (the reference is trusted code, so this runs on the host, in a scratch folder)."""
    public = definition.exercise_dir / "public_tests"
    if not public.is_dir():
        return []
    reference = definition.grader_dir / "reference"
    with tempfile.TemporaryDirectory(prefix="gradient-public-") as scratch:
        work = Path(scratch)
        for path in reference.rglob("*"):
            if path.is_file() and path.suffix != ".ipynb":
                target = work / path.relative_to(reference)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        for notebook in reference.rglob("*.ipynb"):
            from sandbox.submission import notebook_to_module

            module = next((f for f in definition.files if f.endswith(".py")), "solution.py")
            (work / module).write_bytes(notebook_to_module(notebook.read_bytes(), notebook.name)[0])
        shutil.copytree(public, work / "public_tests")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "public_tests"],
            cwd=work, capture_output=True, text=True, timeout=300, check=False,
            env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
    if result.returncode != 0:
        return [f"the public tests fail on the reference: {result.stdout.strip().splitlines()[-1][:300]}"]
    return []


def check_exercise(definition: ExerciseDefinition, *, defaults: dict[str, Any], runs: int = 3) -> ExerciseCheck:
    started = time.monotonic()
    check = ExerciseCheck(slug=definition.slug)
    declared = definition.declared_tests
    if sum(declared.values()) != definition.points:
        check.problems.append(f"points = {definition.points} but the tests give {sum(declared.values())}")
    starter = definition.exercise_dir / "starter"
    reference = definition.grader_dir / "reference"
    wrong_dir = definition.grader_dir / "wrong"
    wrongs = sorted(p for p in wrong_dir.iterdir() if p.is_dir()) if wrong_dir.is_dir() else []
    if not starter.is_dir():
        check.problems.append("no starter/ folder")
    if not reference.is_dir():
        check.problems.append("no reference/ folder")
        return check
    if len(wrongs) < 2:
        check.problems.append(f"{len(wrongs)} known-wrong solution(s); at least 2 are needed")
    check.problems.extend(leaks(definition))

    scores = []
    for _ in range(runs):
        run_started = time.monotonic()
        outcome = _grade(definition, reference, defaults)
        check.reference_seconds = max(check.reference_seconds, time.monotonic() - run_started)
        scores.append((outcome.status, outcome.score, tuple(_failing(outcome))))
        if outcome.status != "graded" or outcome.score != outcome.max_score:
            details = "; ".join(f"{t.name}: {t.message[:200]}" for t in outcome.tests if t.outcome != "passed")
            check.problems.append(f"reference: {outcome.status} {outcome.score:g}/{outcome.max_score:g} {details}")
            break
    check.reference = f"{scores[-1][1]:g}/{float(sum(declared.values())):g}"
    if len(set(scores)) > 1:
        check.deterministic = False
        check.problems.append(f"the reference scored differently across runs: {sorted({s[1] for s in scores})}")

    check.problems.extend(public_tests_pass_on_reference(definition))
    if starter.is_dir():
        try:
            outcome = _grade(definition, starter, defaults)
            check.starter = f"{outcome.score:g}"
            if outcome.score >= outcome.max_score:
                check.problems.append("the starter gets full marks")
        except NotGradable as exc:
            check.starter = "not gradable"
            check.problems.append(f"the starter cannot be loaded: {exc}")
    for wrong in wrongs:
        try:
            outcome = _grade(definition, wrong, defaults)
        except NotGradable as exc:
            check.problems.append(f"wrong/{wrong.name} cannot be loaded: {exc}")
            continue
        caught = _failing(outcome)
        check.wrong.append(f"{wrong.name}: {outcome.score:g} (caught by {', '.join(caught) or 'nothing'})")
        if outcome.score >= outcome.max_score:
            check.problems.append(f"wrong/{wrong.name} gets full marks")
    check.seconds = time.monotonic() - started
    return check


def check_all(
    definitions: list[ExerciseDefinition],
    *,
    defaults: dict[str, Any],
    jobs: int = 2,
    runs: int = 3,
    on_done: Callable[[ExerciseCheck], None] | None = None,
) -> list[ExerciseCheck]:
    def one(definition: ExerciseDefinition) -> ExerciseCheck:
        try:
            result = check_exercise(definition, defaults=defaults, runs=runs)
        except Exception as exc:  # noqa: BLE001 - one broken exercise must not hide the others' results
            result = ExerciseCheck(slug=definition.slug, problems=[f"{type(exc).__name__}: {exc}"])
        if on_done:
            on_done(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, definitions))
