"""The checks that keep graders honest, run in the real sandbox (Django-free; `manage.py check_exercises`).

For each exercise: the metadata is valid; the reference gets full marks, the same on every one of several
runs (catching unseeded randomness); the starter and every known-wrong solution get less, and we say which
tests caught each; nothing a student can see reveals a hidden test, the reference or hidden data.
"""

from __future__ import annotations

import ast
import os
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.definitions import ExerciseDefinition
from catalog.jobs import build_job, load_for_exercise, read_submission_path
from core.points import format_points
from sandbox import (
    NotGradable,
    Outcome,
    RunStatus,
    TestResultOutcome,
    notebook_to_module,
    parse_python,
    run_job,
    run_trusted,
)

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
    seeds: int = 1  # the secrets the reference was graded under (more than one: hidden inputs per submission)

    @property
    def ok(self) -> bool:
        return not self.problems


def _grade(definition: ExerciseDefinition, path: Path, defaults: dict[str, Any], *, draw: int = 0) -> Outcome:
    """One graded run. ``draw`` > 0 grades under another secret, so an exercise that draws its hidden inputs
    per submission (submission_seed) meets other inputs: the deployment's secret, suffixed."""
    from django.conf import settings

    config = settings.SANDBOX
    loaded = load_for_exercise(definition, read_submission_path(path), config=config)
    secret = settings.GRADER_SECRET if draw == 0 else f"{settings.GRADER_SECRET}:check-draw-{draw}"
    job = build_job(
        definition, loaded, run_name=f"check-{uuid.uuid4().hex[:10]}", default_limits=defaults,
        gpu_available=gpu_available(), grader_secret=secret,
    )
    return run_job(job, config=config)  # the images were ensured before (check_exercises, ensure_images)


SEEDED_HELPERS = re.compile(r"\b(submission_seed|submission_rng)\b")


def draws_per_submission(definition: ExerciseDefinition) -> bool:
    """Whether the grader draws hidden inputs per submission (gradient_grader.submission_seed/_rng)."""
    return any(
        SEEDED_HELPERS.search(path.read_text(encoding="utf-8")) for path in definition.grader_dir.glob("test_*.py")
    )


def reference_draws(definition: ExerciseDefinition, runs: int) -> list[int]:
    """Which secret each reference run uses: the deployment's for a fixed grader (the runs must agree); for a
    seeded one with ``runs`` of 3 or more, the deployment's twice (a regrade must reproduce its run) and then
    other draws, at least two, each of which must give full marks. With fewer runs (the test suite's quick
    check), a seeded grader still meets two draws."""
    if not draws_per_submission(definition):
        return [0] * runs
    if runs <= 2:
        return [0, 1]
    return [0, 0] + list(range(1, max(runs - 2, 2) + 1))


def gpu_available() -> bool:
    return os.environ.get("SANDBOX_GPU", "").lower() in ("1", "true", "yes")


def _failing(outcome: Outcome) -> list[str]:
    return [t.name for t in outcome.tests if t.outcome != TestResultOutcome.PASSED]


def _given_names(source: str) -> set[str]:
    """Top-level functions and classes a starter gives complete (no NotImplementedError): helpers the
    statement hands out on purpose, which the reference may repeat."""
    try:
        tree = parse_python(source)
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
        for node in ast.walk(parse_python(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "student":
                names.add(node.attr)
    return names


def _statements(source: str, skip: frozenset[str] = frozenset()) -> set[str]:
    """Normalised code statements inside functions, without docstrings or `raise NotImplementedError`,
    leaving out the top-level functions and classes named in ``skip``."""
    try:
        tree = parse_python(source)
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
    try:
        return notebook_to_module(path.read_bytes(), path.name)[0].decode()
    except NotGradable:
        return ""


def leaks(definition: ExerciseDefinition) -> list[str]:
    """What a student could learn from exercises/ that they must not: hidden tests, reference, data."""
    problems = []
    visible = {p: _visible_code(p) for p in _visible_files(definition)}
    visible_text = "\n".join(visible.values())
    hidden_tests = {name.partition("[")[0] for name in definition.declared_tests.names}
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


# What a hidden test's feedback may reveal (graders/README.md, "Feedback"): the expected value appears only in a
# test marked @shows_expected. At run time the runner hides the right operand of a bare `assert got == want`;
# a message the grader writes itself is checked here, statically. The heuristic, kept simple on purpose:
#
# - It looks at every function of a test file but the tests marked @shows_expected and the helpers that only
#   such tests use.
# - The "expected side" of a check is B in `assert A op B` where op is ==, !=, is, is not, in, not in (order
#   comparisons state a bound, which feedback may name; `"key" in B` checks B itself), and the arguments
#   after the first in `assert check(a, b, ...)` (np.allclose(got, want)); `not`, `and`, `or` are looked
#   through. For `raise AssertionError(message)` it is the expected side of the `if` tests around it.
#   A comparison of structure (`got.shape == ...`, `.dtype`, `.ndim`, `error.type_name == ...`, `type(x)`)
#   has no expected side: shapes and exception types are the exercise's contract, not answers to copy.
# - The message must not interpolate (f-string field, %-format, .format, +, str(), or the bare expression)
#   anything that mentions a name of the expected side, unless inside `expected(...)`. Not secret: names also
#   in A, the student's values (names assigned from an expression that uses `student` or another such name,
#   and `except ... as error`), what is passed into the student's code (arguments of calls on those, and of
#   calls that are handed the `student` module, such as a helper `run(student, x)`), and imported or built-in
#   names.
# - A name that starts with `want` or `expected` (want, want_ids, expected_rows) is secret in any message,
#   whatever the check (`assert ok, f"... {want}"`), except in a structure expression (`want.shape`).
# - A string literal that spells the expected value is not looked at: that is for review.

SHOWS_EXPECTED = "shows_expected"
EQUALITY_OPS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
BUILTIN_NAMES = frozenset(dir(__import__("builtins")))
STRUCTURE_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "type_name"})
EXPECTED_NAME = re.compile(r"(want|expected)(_|$|[0-9])")  # want, want_ids, expected_rows: secret by name


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_expected_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "expected") or (
        isinstance(func, ast.Attribute) and func.attr == "expected"
    )


def _sides(test: ast.expr) -> tuple[set[str], set[str]]:
    """(names of A, names of the expected side B) of a checked expression ``A op B``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _sides(test.operand)
    if isinstance(test, ast.BoolOp):
        left: set[str] = set()
        right: set[str] = set()
        for value in test.values:
            a, b = _sides(value)
            left |= a
            right |= b
        return left, right
    if isinstance(test, ast.Compare):
        left, right = _names(test.left), set()
        if _is_structure(test.left):  # got.shape == want.shape: the contract, not an answer
            return left | set().union(*(_names(c) for c in test.comparators)), right
        operands = [test.left, *test.comparators]
        for op, before, after in zip(test.ops, operands[:-1], operands[1:], strict=True):
            membership_of_literal = isinstance(op, ast.In | ast.NotIn) and isinstance(before, ast.Constant)
            if isinstance(op, EQUALITY_OPS) and not membership_of_literal:
                right |= _names(after)
            else:
                left |= _names(after)
        return left, right
    if isinstance(test, ast.Call) and len(test.args) >= 2 and not any(isinstance(a, ast.Starred) for a in test.args):
        return _names(test.args[0]), set().union(*(_names(a) for a in test.args[1:]))
    return _names(test), set()


def _is_structure(node: ast.expr) -> bool:
    """``x.shape`` (and ``x.shape[1]``), ``x.dtype``, ``x.ndim``, ``error.type_name``, ``type(x)`` (also in tuple(),
    list(), str(), ``.__name__``): what a value is, not what it holds."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
        if node.func.id == "type":
            return True
        if node.func.id in ("tuple", "list", "str"):
            return _is_structure(node.args[0])
    if isinstance(node, ast.Subscript):  # got.shape[1]
        return _is_structure(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr in STRUCTURE_ATTRIBUTES or (node.attr == "__name__" and _is_structure(node.value))
    return False


def _interpolated(message: ast.expr) -> list[ast.expr]:
    """The expressions whose values a message shows (string literals and expected(...) show nothing)."""
    if isinstance(message, ast.Constant) or _is_expected_call(message):
        return []
    if isinstance(message, ast.JoinedStr):
        found: list[ast.expr] = []
        for part in message.values:
            if isinstance(part, ast.FormattedValue):
                found.extend(_interpolated(part.value))
                if part.format_spec is not None:
                    found.extend(_interpolated(part.format_spec))
        return found
    if isinstance(message, ast.BinOp) and isinstance(message.op, ast.Add | ast.Mod):
        right = message.right.elts if isinstance(message.right, ast.Tuple) else [message.right]
        return _interpolated(message.left) + [e for r in right for e in _interpolated(r)]
    if isinstance(message, ast.Call) and isinstance(message.func, ast.Attribute) and message.func.attr == "format":
        values = [*message.args, *(k.value for k in message.keywords)]
        return _interpolated(message.func.value) + [e for v in values for e in _interpolated(v)]
    if isinstance(message, ast.Call) and isinstance(message.func, ast.Name) and message.func.id in ("str", "repr"):
        return [e for a in message.args for e in _interpolated(a)]
    return [message]


def _mentions(expression: ast.expr) -> set[str]:
    """Names an interpolated expression uses, leaving out what is wrapped in expected(...)."""
    found: set[str] = set()
    stack: list[ast.AST] = [expression]
    while stack:
        node = stack.pop()
        if _is_expected_call(node):
            continue
        if isinstance(node, ast.Name):
            found.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _root(node: ast.AST) -> str:
    """The name an attribute/call/subscript chain starts from (``student`` in ``student.f(x).y``)."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return node.id if isinstance(node, ast.Name) else ""


def _not_secret(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The student's values (and handles) in a function, and the inputs passed into the student's code."""
    students = {"student"}
    for _ in range(4):  # values of values: got = student.f(x); rows = got["rows"]
        for node in ast.walk(function):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    pairs = [(target, node.value)]
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        pairs = list(zip(target.elts, node.value.elts, strict=False))  # got, want = f(x), 5
                    for name, value in pairs:
                        if _names(value) & students:
                            students |= _names(name)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                students.add(node.name)
    inputs: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        # student.f(x), model.predict(x), or a helper handed the student module: get_folds(student, y, 4)
        if _root(node.func) in students or any(isinstance(a, ast.Name) and a.id == "student" for a in arguments):
            for argument in arguments:
                inputs |= _names(argument)
    return students | inputs


def _assertion_raised(node: ast.Raise) -> ast.expr | None:
    """The message of ``raise AssertionError(message)``."""
    exc = node.exc
    if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name) and exc.func.id == "AssertionError" and exc.args:
        return exc.args[0]
    return None


def _feedback_problems(function: ast.FunctionDef | ast.AsyncFunctionDef, where: str, public: set[str]) -> list[str]:
    problems: list[str] = []
    not_secret = _not_secret(function) | public

    def report(message: ast.expr, left: set[str], right: set[str]) -> None:
        secret = right - left - not_secret
        for expression in _interpolated(message):
            mentioned = _mentions(expression)
            by_name = set() if _is_structure(expression) else {n for n in mentioned if EXPECTED_NAME.match(n)}
            shown = sorted(mentioned & secret | by_name)
            if shown:
                problems.append(
                    f"{where}:{expression.lineno}: {function.name}: the message shows {ast.unparse(expression)!r}, "
                    f"which uses the expected side ({', '.join(shown)}) of its check: wrap it in expected(...) "
                    "or mark the test @shows_expected"
                )

    def visit(node: ast.AST, conditions: list[ast.expr]) -> None:
        if isinstance(node, ast.Assert) and node.msg is not None:
            left, right = _sides(node.test)
            report(node.msg, left, right)
        elif isinstance(node, ast.Raise) and (message := _assertion_raised(node)) is not None:
            left, right = set(), set()
            for condition in conditions:
                a, b = _sides(condition)
                left |= a
                right |= b
            report(message, left, right)
        if isinstance(node, ast.If):
            visit(node.test, conditions)
            for branch in [*node.body, *node.orelse]:
                visit(branch, [*conditions, node.test])
            return
        for child in ast.iter_child_nodes(node):
            visit(child, conditions)

    for statement in function.body:
        visit(statement, [])
    return problems


def expected_value_leaks(source: str, filename: str) -> list[str]:
    """Messages of a grader file that would show a hidden test's expected value (see the notes above)."""
    tree = parse_python(source, filename=filename)
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    public = imported | BUILTIN_NAMES
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    tests = [f for f in functions if f.name.startswith("test")]
    showing = [t for t in tests if SHOWS_EXPECTED in _decorator_names(t)]
    hiding = [t for t in tests if t not in showing]
    problems: list[str] = []
    for function in functions:
        if function in showing:
            continue
        if function not in hiding:  # a helper: held to the rule unless only @shows_expected tests use it
            users = [f for f in functions if f is not function and function.name in _names(f)]
            if users and all(u in showing for u in users):
                continue
        problems.extend(_feedback_problems(function, filename, public))
    return problems


def feedback_leaks(definition: ExerciseDefinition) -> list[str]:
    """check_exercises' side of the feedback rule: every grader test file, checked statically."""
    problems = []
    for path in sorted(definition.grader_dir.glob("test_*.py")):
        problems.extend(expected_value_leaks(path.read_text(encoding="utf-8"), path.name))
    return problems


def public_tests_pass_on_reference(definition: ExerciseDefinition) -> list[str]:
    """The public tests a student downloads must pass on the reference, with plain pytest, as a student
    would run them, in the exercise's own image (its packages: torch, scikit-learn... are not the host's).
    The reference is trusted code, so this is a plain container without network, not a sandbox box."""
    public = definition.exercise_dir / "public_tests"
    if not public.is_dir():
        return []
    reference = definition.grader_dir / "reference"
    files: dict[str, bytes] = {}
    for path in reference.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            files[path.relative_to(reference).as_posix()] = path.read_bytes()
    for notebook in reference.rglob("*.ipynb"):
        module = next((f for f in definition.files if f.endswith(".py")), "solution.py")
        files[module] = notebook_to_module(notebook.read_bytes(), notebook.name)[0]
    files.update(definition.support_files)  # as in the box and the starter download
    for path in public.rglob("*.py"):
        files[f"public_tests/{path.relative_to(public).as_posix()}"] = path.read_bytes()
    from django.conf import settings  # as _grade: checks.py is read by tests without Django set up

    result = run_trusted(
        definition.image, files, ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "public_tests"],
        config=settings.SANDBOX,
    )
    if result.exit_code != 0:
        last = result.output.strip().splitlines()[-1][:300] if result.output.strip() else "no output"
        ran = "timed out" if result.exit_code is None else f"exit {result.exit_code}"
        return [f"the public tests fail on the reference in the {definition.image} image ({ran}): {last}"]
    return []


def check_exercise(definition: ExerciseDefinition, *, defaults: dict[str, Any], runs: int = 3) -> ExerciseCheck:
    started = time.monotonic()
    check = ExerciseCheck(slug=definition.slug)
    declared = definition.declared_tests
    if declared.max_score != definition.points:
        check.problems.append(f"points = {definition.points} but the tests give {declared.max_score}")
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
    check.problems.extend(feedback_leaks(definition))

    scores = []
    draws = reference_draws(definition, runs)
    for draw in draws:
        run_started = time.monotonic()
        outcome = _grade(definition, reference, defaults, draw=draw)
        check.reference_seconds = max(check.reference_seconds, time.monotonic() - run_started)
        scores.append((outcome.status, outcome.score, tuple(_failing(outcome))))
        if outcome.status != RunStatus.GRADED or outcome.score != outcome.max_score:
            details = "; ".join(f"{t.name}: {t.message[:200]}" for t in outcome.tests if t.outcome != TestResultOutcome.PASSED)
            seed = f" (seed draw {draw})" if draw else ""
            check.problems.append(f"reference{seed}: {outcome.status} {format_points(outcome.score)}/{format_points(outcome.max_score)} {details}")
            break
    check.seeds = len(set(draws))
    check.reference = f"{format_points(scores[-1][1])}/{format_points(declared.max_score)}"
    if len(set(scores)) > 1:
        check.deterministic = False
        check.problems.append(f"the reference scored differently across runs: {sorted({s[1] for s in scores})}")

    check.problems.extend(public_tests_pass_on_reference(definition))
    if starter.is_dir():
        try:
            outcome = _grade(definition, starter, defaults)
            check.starter = format_points(outcome.score)
            if outcome.score >= outcome.max_score:
                check.problems.append("the starter gets full marks")
            check.problems.extend(_must_be_graded("the starter", outcome))
        except NotGradable as exc:
            check.starter = "not gradable"
            check.problems.append(f"the starter cannot be loaded: {exc}")
    # An author's check (runs >= 3) grades each wrong solution under every draw the reference met: a wrong
    # rule that coincides with the right one on some draw would give some students full marks for it. The
    # suite's quick check grades them under the deployment's secret only.
    wrong_draws = sorted(set(draws)) if runs >= 3 else [0]
    for wrong in wrongs:
        for draw in wrong_draws:
            try:
                outcome = _grade(definition, wrong, defaults, draw=draw)
            except NotGradable as exc:
                check.problems.append(f"wrong/{wrong.name} cannot be loaded: {exc}")
                break
            not_graded = _must_be_graded(f"wrong/{wrong.name}", outcome)
            if not_graded:
                # Zero points for a submission the sandbox never graded says nothing about the hidden tests.
                check.problems.extend(not_graded)
                break
            if draw == wrong_draws[0]:
                caught = _failing(outcome)
                check.wrong.append(f"{wrong.name}: {format_points(outcome.score)} (caught by {', '.join(caught) or 'nothing'})")
            if outcome.score >= outcome.max_score:
                seed = f" (seed draw {draw})" if draw else ""
                check.problems.append(f"wrong/{wrong.name} gets full marks{seed}")
                break
    check.seconds = time.monotonic() - started
    return check


def _must_be_graded(what: str, outcome: Outcome) -> list[str]:
    """A starter or a known-wrong solution must reach the tests: one the sandbox could not load (or could not
    run, on our side) scores 0 without showing that the tests catch anything, and a student who starts from
    the starter would get "not gradable" for work in progress."""
    if outcome.status in (RunStatus.NOT_GRADABLE, RunStatus.INFRASTRUCTURE_ERROR):
        reason = " ".join(outcome.messages[1:])[:300] or outcome.status
        return [f"{what} ends {outcome.status}, not graded: {reason}"]
    return []


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
