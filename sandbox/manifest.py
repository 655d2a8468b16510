"""The graded tests, their points and questions, read from the hidden grader's source on the host.

The worker must know which tests exist before the grader runs, so a report that leaves a test out (or
invents one) cannot change the score. Graders are trusted files: parsing them with ``ast`` is safe, and
nothing is imported. A test is a module-level ``def test_*`` in a ``test_*.py`` file. What the source may
say about it (graders/README.md has the whole format):

- ``@points(N)``: its points, an int, float or string literal (``2``, ``0.5``, ``"0.25"``), exact to four
  decimal places; 0 is allowed; 1 without it. A parametrized test gets N points for each case.
- ``@question("q1")`` (or a file-wide ``QUESTION = "q1"``): the question it belongs to. Questions group
  tests under one subtotal; ``QUESTIONS = {"q1": {"title": ..., "points": ..., "all_or_nothing": ...}}``
  gives a question a title, a total its tests' points are scaled to, and all-or-nothing scoring; with
  ``"milestone": True`` it is one of a project's milestones (the gradebook shows each one's subtotal).
- ``@hidden``: its name and message are not shown to students (its outcome and points are).
- ``@pytest.mark.parametrize(names, [literal cases], ids=...)``: one graded test per case, named as pytest
  names it (``test_square[3-9]``); the cases must be a literal list so they can be counted here.

Points are :class:`~decimal.Decimal`, never binary floats: a score is compared with its maximum exactly.
"""

from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

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


POINTS_PLACES = Decimal("0.0001")  # points and scores are exact to four decimal places
MAX_POINTS = Decimal(1_000_000)
MAX_TEST_NAME = 200  # as long as a result row keeps (grading.TestResult.name)
MAX_QUESTION_NAME = 100  # grading.TestResult.question


def as_points(value: object, what: str = "points") -> Decimal:
    """An exact, non-negative amount of points (at most four decimal places) from an int, a Decimal or a
    decimal string; a float through its shortest repr (``0.1`` is ``Decimal("0.1")``). ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{what} must be a number, not {type(value).__name__}")
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_POINTS:
        raise ValueError(f"{what} must be between 0 and {MAX_POINTS}, not {value!r}")
    if amount != amount.quantize(POINTS_PLACES):
        raise ValueError(f"{what} may have at most four decimal places, not {value!r}")
    amount = amount.quantize(POINTS_PLACES)
    # Without trailing zeros, and never in exponent form (Decimal("10").normalize() is 1E+1).
    return amount.to_integral_value() if amount == amount.to_integral_value() else amount.normalize()


@dataclass(frozen=True)
class DeclaredTest:
    name: str  # as pytest reports it: "test_square", or "test_square[3-9]" for one case of a parametrized test
    points: Decimal
    question: str = ""  # "" when the test stands alone
    hidden: bool = False  # students see its outcome and points, not its name or message

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "points": str(self.points), "question": self.question, "hidden": self.hidden}


@dataclass(frozen=True)
class DeclaredQuestion:
    name: str
    title: str = ""
    points: Decimal | None = None  # None: the sum of its tests' points; else their points are scaled to it
    all_or_nothing: bool = False  # its points only when every one of its tests passes
    milestone: bool = False  # a project's milestone: the gradebook shows its subtotal in each student's cell

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "points": None if self.points is None else str(self.points),
            "all_or_nothing": self.all_or_nothing,
        }
        if self.milestone:
            data["milestone"] = True
        return data


TOKEN_RULES = ("words", "chars")


@dataclass(frozen=True)
class ModelSpec:
    """A grader's ``LLM = {...}``: the run offers student code a scripted, OpenAI-compatible model.

    ``budget_tokens`` and ``budget_calls`` bound each test's use of it (None: no bound); ``tokens`` says what a
    token is, so students can count them the same way: "words" (each run of letters, digits and underscores,
    and each other non-space character) or "chars" (a token per 4 characters, rounded up)."""

    budget_tokens: int | None = None
    budget_calls: int | None = None
    tokens: str = "words"
    model: str = "gradient-scripted"

    def to_json(self) -> dict[str, Any]:
        return {"budget_tokens": self.budget_tokens, "budget_calls": self.budget_calls, "tokens": self.tokens,
                "model": self.model}

    @classmethod
    def from_json(cls, data: Any, where: str = "LLM") -> ModelSpec:
        if not isinstance(data, Mapping) or not set(data) <= {"budget_tokens", "budget_calls", "tokens", "model"}:
            raise GraderDefinitionError(f"{where} must be a dict with keys among budget_tokens, budget_calls, tokens, model")
        for key in ("budget_tokens", "budget_calls"):
            value = data.get(key)
            if value is not None and (type(value) is not int or value < 1):
                raise GraderDefinitionError(f"{where}[{key!r}] must be a positive int or None")
        tokens = data.get("tokens", "words")
        if tokens not in TOKEN_RULES:
            raise GraderDefinitionError(f"{where}['tokens'] must be one of {', '.join(TOKEN_RULES)}")
        model = data.get("model", "gradient-scripted")
        if type(model) is not str or not model or len(model) > 100:
            raise GraderDefinitionError(f"{where}['model'] must be a short string")
        return cls(data.get("budget_tokens"), data.get("budget_calls"), tokens, model)


@dataclass(frozen=True)
class ServiceSpec:
    """A grader's ``SERVICE = {...}``: the submission is also started as a server in the student box, and the
    grader's ``service()`` requests reach it there. ``app``: the ASGI app's name in the module (uvicorn serves
    it); or ``command``: a command that starts a server on ``{port}``. ``startup_s``: how long it may take to
    accept connections."""

    app: str = "app"
    command: tuple[str, ...] = ()
    startup_s: float = 10.0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"app": self.app, "startup_s": self.startup_s}
        if self.command:
            data["command"] = list(self.command)
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "SERVICE") -> ServiceSpec:
        if not isinstance(data, Mapping) or not set(data) <= {"app", "command", "startup_s"}:
            raise GraderDefinitionError(f"{where} must be a dict with keys among app, command, startup_s")
        app = data.get("app", "app")
        if type(app) is not str or not app.isidentifier():
            raise GraderDefinitionError(f"{where}['app'] must be a name in the submitted module")
        command = data.get("command", ())
        if not isinstance(command, list | tuple) or not all(type(c) is str and c for c in command):
            raise GraderDefinitionError(f"{where}['command'] must be a list of strings")
        startup = data.get("startup_s", 10.0)
        if type(startup) not in (int, float) or not 0 < startup <= 120:
            raise GraderDefinitionError(f"{where}['startup_s'] must be a number of seconds, at most 120")
        return cls(app, tuple(command), float(startup))


@dataclass(frozen=True)
class Manifest:
    """The declared tests in the grader's order, and the questions they form (in order of first test); the
    scripted model and the service the run offers, where the grader declares them."""

    tests: tuple[DeclaredTest, ...]
    questions: tuple[DeclaredQuestion, ...] = ()
    llm: ModelSpec | None = None
    service: ServiceSpec | None = None

    def __post_init__(self) -> None:
        names = [t.name for t in self.tests]
        if len(set(names)) != len(names):
            raise GraderDefinitionError("a test is declared twice")
        known = {q.name for q in self.questions}
        if any(t.question and t.question not in known for t in self.tests):
            raise GraderDefinitionError("a test names a question that is not declared")

    @classmethod
    def simple(cls, points: Mapping[str, object]) -> Manifest:
        """Stand-alone tests from ``{name: points}`` (the format grader versions were stored in before
        questions existed, and a shorthand for tests)."""
        return cls(tuple(DeclaredTest(name, as_points(value, f"points of {name}")) for name, value in points.items()))

    @classmethod
    def of(cls, value: Manifest | Mapping[str, object]) -> Manifest:
        return value if isinstance(value, Manifest) else cls.simple(value)

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """What :meth:`to_json` wrote, or an older version's ``{name: points}``."""
        if isinstance(data, Mapping) and data.get("format") == MANIFEST_FORMAT:
            tests = tuple(
                DeclaredTest(str(t["name"]), as_points(t["points"]), str(t.get("question", "")), bool(t.get("hidden")))
                for t in data["tests"]
            )
            questions = tuple(
                DeclaredQuestion(
                    str(q["name"]),
                    str(q.get("title", "")),
                    None if q.get("points") is None else as_points(q["points"]),
                    bool(q.get("all_or_nothing")),
                    bool(q.get("milestone")),
                )
                for q in data.get("questions", [])
            )
            llm = None if data.get("llm") is None else ModelSpec.from_json(data["llm"])
            service = None if data.get("service") is None else ServiceSpec.from_json(data["service"])
            return cls(tests, questions, llm, service)
        if isinstance(data, Mapping):
            return cls.simple(data)
        raise GraderDefinitionError("the stored tests of this grader version cannot be read")

    def to_json(self) -> dict[str, Any]:
        """A JSON value that keeps the order (PostgreSQL's jsonb does not keep an object's key order)."""
        data: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "tests": [t.to_json() for t in self.tests],
            "questions": [q.to_json() for q in self.questions],
        }
        if self.llm is not None:
            data["llm"] = self.llm.to_json()
        if self.service is not None:
            data["service"] = self.service.to_json()
        return data

    def __len__(self) -> int:
        return len(self.tests)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.tests)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tests)

    def tests_of(self, question: str) -> tuple[DeclaredTest, ...]:
        return tuple(t for t in self.tests if t.question == question)

    def question_max(self, question: DeclaredQuestion) -> Decimal:
        if question.points is not None:
            return question.points
        return sum((t.points for t in self.tests_of(question.name)), Decimal(0))

    @property
    def max_score(self) -> Decimal:
        alone = sum((t.points for t in self.tests if not t.question), Decimal(0))
        return alone + sum((self.question_max(q) for q in self.questions), Decimal(0))


MANIFEST_FORMAT = 2


def declared_tests(grader_dir: Path) -> Manifest:
    """The tests, points and questions the grader's source declares, read with ``ast`` (never run). Cached by
    the test files' names and contents (a file rewritten within the clock's tick keeps its modification
    time): the manifest is immutable, and parsing every grader again cost a second per ``sync_exercises``
    of the whole catalogue, hashing them costs milliseconds."""
    sources = _test_sources(grader_dir)
    if not sources:
        raise GraderDefinitionError(f"{grader_dir} has no test_*.py file")
    return _declared_tests(str(grader_dir), sources)


def _test_sources(grader_dir: Path) -> tuple[tuple[str, str], ...]:
    """(name, source) of the grader's test files: the key of the caches of what is read from them."""
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in grader_test_files(grader_dir))


@functools.lru_cache(maxsize=512)
def _declared_tests(grader_dir: str, sources: tuple[tuple[str, str], ...]) -> Manifest:
    tests: list[DeclaredTest] = []
    options: dict[str, DeclaredQuestion] = {}
    offers: dict[str, Any] = {}  # LLM and SERVICE, each declared in at most one file
    for name, source in sources:
        path = Path(grader_dir) / name
        tree = parse_python(source, filename=str(path))
        for constant, spec_type in (("LLM", ModelSpec), ("SERVICE", ServiceSpec)):
            raw = _module_constant(tree, constant, path)
            if raw is not None:
                if constant in offers:
                    raise GraderDefinitionError(f"{path.name}: {constant} is declared in two test files")
                offers[constant] = spec_type.from_json(raw, f"{path.name}: {constant}")
        file_question = _module_constant(tree, "QUESTION", path)
        if file_question is not None and (type(file_question) is not str or not file_question):
            raise GraderDefinitionError(f"{path.name}: QUESTION must be a non-empty string")
        for name, spec in _question_options(tree, path).items():
            if name in options:
                raise GraderDefinitionError(f"{path.name}: question {name!r} is described twice in QUESTIONS")
            options[name] = spec
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                tests.extend(_tests_of(node, path, file_question or ""))
    if not tests:
        raise GraderDefinitionError(f"{grader_dir} defines no test functions")
    seen: set[str] = set()
    for test in tests:
        if test.name in seen:
            raise GraderDefinitionError(f"test {test.name} is defined twice")
        if len(test.name) > MAX_TEST_NAME or len(test.question) > MAX_QUESTION_NAME:
            raise GraderDefinitionError(
                f"the test {test.name[:60]}... or its question has a longer name than results keep "
                f"({MAX_TEST_NAME} and {MAX_QUESTION_NAME} characters): shorten it, or give parametrize ids=[...]"
            )
        seen.add(test.name)
    order = list(dict.fromkeys(t.question for t in tests if t.question))
    unused = sorted(set(options) - set(order))
    if unused:
        raise GraderDefinitionError(f"QUESTIONS describes {', '.join(unused)}, which no test belongs to")
    manifest = Manifest(
        tuple(tests), tuple(options.get(q, DeclaredQuestion(q)) for q in order), offers.get("LLM"), offers.get("SERVICE")
    )
    if manifest.max_score > MAX_POINTS:
        raise GraderDefinitionError(f"the tests are worth {manifest.max_score} points in all; at most {MAX_POINTS}")
    return manifest


def _module_constant(tree: ast.Module, name: str, path: Path) -> Any:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                raise GraderDefinitionError(f"{path.name}:{node.lineno}: {name} must be a literal") from None
    return None


QUESTION_KEYS = frozenset({"title", "points", "all_or_nothing", "milestone"})


def _question_options(tree: ast.Module, path: Path) -> dict[str, DeclaredQuestion]:
    raw = _module_constant(tree, "QUESTIONS", path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GraderDefinitionError(f"{path.name}: QUESTIONS must be a dict of question name -> options")
    found = {}
    for name, spec in raw.items():
        if type(name) is not str or not name or not isinstance(spec, dict) or not set(spec) <= QUESTION_KEYS:
            raise GraderDefinitionError(
                f"{path.name}: QUESTIONS[{name!r}] must be a dict with keys among {', '.join(sorted(QUESTION_KEYS))}"
            )
        try:
            total = None if spec.get("points") is None else as_points(spec["points"], f"points of question {name}")
        except ValueError as exc:
            raise GraderDefinitionError(f"{path.name}: {exc}") from None
        found[name] = DeclaredQuestion(
            name, str(spec.get("title", "")), total, bool(spec.get("all_or_nothing", False)),
            bool(spec.get("milestone", False)),
        )
    return found


def _tests_of(node: ast.FunctionDef | ast.AsyncFunctionDef, path: Path, question: str) -> list[DeclaredTest]:
    where = f"{path.name}:{node.lineno}"
    amount = Decimal(1)
    hidden = False
    cases: list[str] | None = None
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = _name(call.func if call else decorator)
        if name == "points":
            if call is None or len(call.args) != 1 or call.keywords:
                raise GraderDefinitionError(f"{where}: write @points(N) with one number")
            try:
                amount = as_points(ast.literal_eval(call.args[0]), "@points")
            except ValueError as exc:
                raise GraderDefinitionError(f"{where}: {exc} (write a literal such as 2, 0.5 or \"0.25\")") from None
        elif name == "question":
            if call is None or len(call.args) != 1 or call.keywords:
                raise GraderDefinitionError(f'{where}: write @question("name") with one string')
            value = call.args[0]
            if not (isinstance(value, ast.Constant) and type(value.value) is str and value.value):
                raise GraderDefinitionError(f"{where}: @question needs a non-empty string literal")
            question = value.value
        elif name == "hidden":
            if call is not None:
                raise GraderDefinitionError(f"{where}: write @hidden without parentheses")
            hidden = True
        elif name == "parametrize":
            if call is None:
                raise GraderDefinitionError(f"{where}: @pytest.mark.parametrize needs its arguments")
            if cases is not None:
                raise GraderDefinitionError(f"{where}: use one @pytest.mark.parametrize per test")
            cases = _case_ids(call, where)
    if cases is None:
        return [DeclaredTest(node.name, amount, question, hidden)]
    return [DeclaredTest(f"{node.name}[{case}]", amount, question, hidden) for case in cases]


def _case_ids(call: ast.Call, where: str) -> list[str]:
    """The ids pytest gives the cases of ``parametrize(argnames, argvalues, ids=...)``, computed from literals
    by pytest's rules for plain values. (Should a rule here ever differ from pytest's, the reported names are
    undeclared and the declared ones missing: the reference solution fails check_exercises.)"""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    args = list(call.args) + [keywords[k] for k in ("argnames", "argvalues") if k in keywords]
    if len(args) < 2:
        raise GraderDefinitionError(f"{where}: parametrize needs argnames and a literal list of cases")
    try:
        argnames = ast.literal_eval(args[0])
    except ValueError:
        raise GraderDefinitionError(f"{where}: parametrize's argnames must be a literal") from None
    if isinstance(argnames, str):
        argnames = [a.strip() for a in argnames.split(",") if a.strip()]
    if not isinstance(argnames, list | tuple) or not argnames:
        raise GraderDefinitionError(f"{where}: parametrize's argnames must name at least one argument")
    if not isinstance(args[1], ast.List | ast.Tuple):
        raise GraderDefinitionError(f"{where}: parametrize's cases must be a literal list, so they can be counted")
    explicit: list[Any] | None = None
    if "ids" in keywords:
        try:
            explicit = ast.literal_eval(keywords["ids"])
        except ValueError:
            raise GraderDefinitionError(f"{where}: ids= must be a literal list of strings") from None
        if not isinstance(explicit, list | tuple) or len(explicit) != len(args[1].elts):
            raise GraderDefinitionError(f"{where}: ids= must give one string per case")
    ids = []
    for index, case in enumerate(args[1].elts):
        case_id = None if explicit is None else explicit[index]
        values: list[ast.expr]
        if isinstance(case, ast.Call) and _name(case.func) == "param":
            values = list(case.args)
            for keyword in case.keywords:
                if keyword.arg == "id":
                    case_id = ast.literal_eval(keyword.value)
        elif len(argnames) == 1:
            values = [case]
        elif isinstance(case, ast.Tuple | ast.List):
            values = list(case.elts)
        else:
            raise GraderDefinitionError(f"{where}: case {index} must be a literal tuple of {len(argnames)} values")
        if case_id is None:
            case_id = "-".join(_value_id(value, str(argname), index) for value, argname in zip(values, argnames, strict=False))
        if type(case_id) is not str:
            raise GraderDefinitionError(f"{where}: the id of case {index} must be a string")
        ids.append(case_id)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise GraderDefinitionError(f"{where}: cases share the id(s) {', '.join(duplicates)}: give ids=[...]")
    return ids


def _value_id(node: ast.expr, argname: str, index: int) -> str:
    """pytest's id of one parameter value: the value itself for a number, string, bool or None (non-ASCII
    escaped); the argument's name and the case's index for anything else."""
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return f"{argname}{index}"
    if isinstance(value, str):
        return value.encode("unicode_escape").decode("ascii")
    if value is None or isinstance(value, bool | int | float | complex):
        return str(value)
    return f"{argname}{index}"


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


# Libraries slow enough to import that a box loads them before the submission arrives (see sandbox.box_pair).
PRELOADABLE = ("numpy", "pandas", "scipy", "sklearn", "torch")


@functools.lru_cache(maxsize=256)
def _preloads(sources: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    found: set[str] = set()
    for name, source in sources:
        tree = parse_python(source, filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return tuple(m for m in PRELOADABLE if m in found)


def preloads(grader_dir: Path) -> tuple[str, ...]:
    """The slow libraries the grader's tests import: the student's code almost surely uses them too, so both
    boxes import them while they wait for a submission. (Cached by the test files' names and contents, as
    ``declared_tests`` is.)"""
    return _preloads(_test_sources(grader_dir))
