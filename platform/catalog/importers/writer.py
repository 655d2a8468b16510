"""Lays a :class:`~catalog.importers.common.Conversion` out as an exercise and its grader, in our format.

    exercises/<slug>/exercise.toml, README.md, starter/solution.ipynb, support/...
    graders/<slug>/test_<name>.py          one test per imported test case or test cell, its text a constant
    graders/<slug>/reference/solution.ipynb
    graders/<slug>/wrong/<name>/solution.ipynb + WHY.md
    graders/<slug>/STAFF_NOTES.md          what was not converted (manually graded parts), for staff only

The grader file runs each test's text in the grader box against the student's notebook state
(``student_globals``, gradient_grader's ``run_doctest``/``run_cell``), with the notebook's own imports bound
to the grader box's modules. The text never enters the student box.
"""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath

from catalog.definitions import PHASES
from catalog.importers.common import (
    Conversion,
    ImportedQuestion,
    ImportedTest,
    ImporterError,
    StaffItem,
    WrongSolution,
    as_decimal,
    identifier,
    new_notebook,
    notebook_bytes,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}/[a-z0-9][a-z0-9-]{0,79}$")
MODULE = "solution"
LIMITS = {
    "python": {"wall_s": 60, "memory_mb": 512, "call_timeout_s": 10, "load_timeout_s": 30},
    "ml": {"wall_s": 90, "memory_mb": 1024, "call_timeout_s": 10, "load_timeout_s": 60},
}
GRADER_HELPERS = frozenset({"hidden", "points", "question", "run_cell", "run_doctest", "shows_expected", "StudentError", "inspect"})


@dataclass
class WrittenExercise:
    slug: str
    exercise_dir: Path
    grader_dir: Path
    points: Decimal
    report: str


def write_exercise(
    conversion: Conversion,
    slug: str,
    *,
    exercises_root: Path,
    graders_root: Path,
    unlisted: bool = False,
    order: int = 1,
    force: bool = False,
) -> WrittenExercise:
    """Write the exercise and its grader; ImporterError if the slug is unusable or its folders exist
    (``force``: replace them)."""
    if not SLUG.match(slug):
        raise ImporterError(
            f"{slug!r} is not a slug: write GROUP/NAME in lower case, digits and '-' (e.g. acme-101/week-3-otter)"
        )
    group = slug.split("/")[0]
    if not unlisted and group not in PHASES:
        raise ImporterError(
            f"{group!r} is not a roadmap phase ({', '.join(PHASES)}): give a phase as the slug's first part, "
            "or --unlisted for a course's own exercise"
        )
    if not conversion.tests:
        raise ImporterError(f"{conversion.source_name} has no automatically graded test to convert")
    exercise_dir, grader_dir = exercises_root / slug, graders_root / slug
    for folder in (exercise_dir, grader_dir):
        if folder.exists() and not force:
            raise ImporterError(f"{folder} exists already (--force replaces it)")
    for folder in (exercise_dir, grader_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    name = slug.split("/")[1]
    grader_source, total = render_grader(conversion, slug)
    (grader_dir / f"test_{identifier(name)}.py").write_text(grader_source, encoding="utf-8")
    (exercise_dir / "exercise.toml").write_text(
        render_toml(conversion, slug, total, unlisted=unlisted, order=order), encoding="utf-8"
    )
    (exercise_dir / "README.md").write_text(conversion.statement, encoding="utf-8")
    (exercise_dir / "starter").mkdir()
    (exercise_dir / "starter" / f"{MODULE}.ipynb").write_bytes(notebook_bytes(conversion.starter))
    for support_name, content in conversion.support.items():
        target = exercise_dir / "support" / PurePosixPath(support_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if conversion.reference is not None:
        (grader_dir / "reference").mkdir()
        (grader_dir / "reference" / f"{MODULE}.ipynb").write_bytes(notebook_bytes(conversion.reference))
    for wrong in known_wrong(conversion):
        folder = grader_dir / "wrong" / wrong.name
        folder.mkdir(parents=True)
        (folder / f"{MODULE}.ipynb").write_bytes(notebook_bytes(new_notebook(wrong.notebook.cells)))
        (folder / "WHY.md").write_text(wrong.why.strip() + "\n", encoding="utf-8")
    report = render_report(conversion, slug, total)
    (grader_dir / "STAFF_NOTES.md").write_text(report, encoding="utf-8")
    return WrittenExercise(slug, exercise_dir, grader_dir, total, report)


def known_wrong(conversion: Conversion) -> list[WrongSolution]:
    """The known-wrong solutions to write: the given ones, topped up to two (what check_exercises needs) with
    the reference less one question's answer."""
    chosen = list(conversion.wrong)
    for candidate in conversion.partial:
        if len(chosen) >= 2:
            break
        if candidate.name not in {w.name for w in chosen}:
            chosen.append(candidate)
    return chosen


# --------------------------------------------------------------------------- exercise.toml


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def render_toml(conversion: Conversion, slug: str, total: Decimal, *, unlisted: bool, order: int) -> str:
    group = slug.split("/")[0]
    limits = LIMITS[conversion.image]
    lines = [
        f"# Imported from {conversion.tool} ({conversion.source_name}); staff notes sit beside the hidden tests.",
        f"title = {_toml_string(conversion.title)}",
        "unlisted = true" if unlisted else f"phase = {_toml_string(group)}",
        f"order = {int(order)}",
        "skills = []",
        f"summary = {_toml_string(f'{conversion.title}, a notebook assignment imported from {conversion.tool}.')}",
        f"points = {_points_literal(total)}",
        f"image = {_toml_string(conversion.image)}",
        *([f"requirements = [{', '.join(_toml_string(r) for r in conversion.requirements)}]"] if conversion.requirements else []),
        "gpu = false",
        "",
        "[submission]",
        f'files = ["{MODULE}.py"]',
        f'module = "{MODULE}"',
        "notebook = true",
        "",
        "[limits]",
        *(f"{key} = {value}" for key, value in limits.items()),
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the grader file


def _points_literal(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f'"{value}"'


def _string_literal(text: str) -> str:
    """A Python literal for ``text``: a readable triple-quoted string where that is exact, else repr."""
    plain = all(ch == "\n" or ch.isprintable() for ch in text) and "\\" not in text
    for quote in ('"""', "'''"):
        if plain and quote not in text and not text.endswith(quote[0]):
            return quote + "\\\n" + text + quote
    return repr(text)


def _weights(question: ImportedQuestion) -> tuple[list[Fraction | None], Decimal]:
    """The tests' @points (None: none needed) and the question's total.

    A question scores ``total * (passed weight / all weight)`` (sandbox/report.py): with each test's weight its
    resolved points, that is the sum of the passed tests' points, as the tools give it. Weights are scaled to
    the smallest whole numbers with the same ratios (1/3, 1/3, 1/3 -> no @points at all)."""
    resolved = [Fraction(1) if t.weight is None else t.weight for t in question.tests]
    total = question.points if question.points is not None else as_decimal(sum(resolved, Fraction(0)), f"question {question.name}'s points")
    if len(set(resolved)) <= 1 and all(w != 0 for w in resolved):
        return [None] * len(resolved), total
    denominator = math.lcm(*(w.denominator for w in resolved))
    integers = [int(w * denominator) for w in resolved]
    divisor = math.gcd(*integers) or 1
    scaled = [Fraction(i // divisor) for i in integers]
    if any(w > 1_000_000 for w in scaled):
        raise ImporterError(f"question {question.name}: its tests' points cannot be written as weights")
    return [None if w == 1 else w for w in scaled], total


def _sorted_names(names: list[str]) -> list[str]:
    """As isort orders imported names: CONSTANTS, then Classes, then functions."""
    return sorted(set(names), key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n.lower()))


def _import_block(statements: list[str], own: str) -> list[str]:
    """The imports, as ruff's isort lays them out: the standard library, then other packages, then the grader
    helpers, each group's `import x` lines before its `from x import y` lines, sorted by module."""
    groups: dict[bool, tuple[set[str], dict[str, set[str]]]] = {True: (set(), {}), False: (set(), {})}
    for statement in statements:
        node = ast.parse(statement).body[0]
        if isinstance(node, ast.Import):
            for alias in node.names:
                stdlib = alias.name.split(".")[0] in sys.stdlib_module_names
                groups[stdlib][0].add(ast.unparse(ast.Import(names=[alias])))
        elif isinstance(node, ast.ImportFrom) and node.module:
            stdlib = node.module.split(".")[0] in sys.stdlib_module_names
            names = groups[stdlib][1].setdefault(node.module, set())
            names.update(f"{a.name} as {a.asname}" if a.asname else a.name for a in node.names)
    lines: list[str] = []
    for stdlib in (True, False):
        straight, froms = groups[stdlib]
        block = sorted(straight, key=lambda line: line.split()[1].lower())
        block += [f"from {module} import {', '.join(_sorted_names(list(names)))}" for module, names in sorted(froms.items(), key=lambda i: i[0].lower())]
        if block:
            lines += [*block, ""]
    return [*lines, own, ""]


def _bound_names(statement: str) -> list[str]:
    node = ast.parse(statement).body[0]
    if isinstance(node, ast.Import):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [alias.asname or alias.name for alias in node.names]
    return []


def render_grader(conversion: Conversion, slug: str) -> tuple[str, Decimal]:
    """The grader's test file, and the exercise's total points."""
    imports: list[str] = []
    bound: list[str] = []
    for statement in conversion.imports:
        names = _bound_names(statement)
        if any(n in GRADER_HELPERS or n.startswith("_") or n in bound for n in names):
            conversion.notes.append(f"`{statement}` is not repeated in the grader: a name it binds is the grader's own")
            continue
        imports.append(statement)
        bound.extend(names)
    kinds = {t.kind for t in conversion.tests}
    hidden_any = any(t.hidden for t in conversion.tests)
    helpers = ["question"]
    if any(w is not None for q in conversion.questions for w in _weights(q)[0]):
        helpers.append("points")
    if hidden_any:
        helpers.append("hidden")
    if any(not t.hidden for t in conversion.tests):
        helpers.append("shows_expected")
    if "doctest" in kinds:
        helpers.append("run_doctest")
    if "cell" in kinds:
        helpers.append("run_cell")

    out: list[str] = [
        f'"""Hidden tests of "{conversion.title}", imported from {conversion.tool} ({conversion.source_name}).',
        "",
        "Each test is one of the tool's own tests, kept as text and run here, in the grader box, against the student's",
        "notebook as it stands at the question's check point (the `student_globals` fixture): the text never enters",
        "the student's box. Points, questions and hidden tests are as the tool had them. What could not be converted",
        "(manually graded parts) is listed in STAFF_NOTES.md beside this file.",
        '"""',
        "",
    ]
    stdlib = ["import inspect"] if "function" in kinds else []
    if kinds & {"cell", "function"}:
        helpers.append("StudentError")
    out += _import_block(stdlib + imports, f"from gradient_grader import {', '.join(_sorted_names(helpers))}")

    total = Decimal(0)
    questions_literal: list[str] = []
    for question in conversion.questions:
        _, question_total = _weights(question)
        total += question_total
        options = []
        if question.title:
            options.append(f'"title": {json.dumps(question.title, ensure_ascii=False)}')
        options.append(f'"points": {_points_literal(question_total)}')
        if question.all_or_nothing:
            options.append('"all_or_nothing": True')
        questions_literal.append(f"    {json.dumps(question.name)}: {{{', '.join(options)}}},")
    out += ["QUESTIONS = {", *questions_literal, "}", ""]
    out += [
        "# The notebook's own imports, bound in the tests' namespace to this box's modules (a module cannot cross",
        "# from the student's box: `pd.Series` here is this box's pandas, as the student's values arrive as values).",
        "NOTEBOOK_IMPORTS = {" + ", ".join(f"{json.dumps(n)}: {n}" for n in bound) + "}",
        "",
        "",
        "def _state(student_globals):",
        '    """The student\'s globals, with the notebook\'s imports as this box\'s modules."""',
        "    for name, value in NOTEBOOK_IMPORTS.items():",
        "        student_globals[name] = value  # a module stays in the tests' namespace; it never crosses",
        "    return student_globals",
        "",
    ]
    if kinds & {"cell", "function"}:
        out += [
            "",
            "def _named_failure(error, source, name):",
            '    """A failed assert of a test\'s own code, as the line of the test that failed (a student\'s own exception',
            "    is left as it is: it says what the student's code raised).\"\"\"",
            "    if isinstance(error, StudentError):",
            "        return error",
            "    numbers, tb = [], error.__traceback__",
            "    while tb is not None:",
            '        if tb.tb_frame.f_code.co_filename == f"<{name}>":',
            "            numbers.append(tb.tb_lineno)",
            "        tb = tb.tb_next",
            "    lines = source.splitlines()",
            "    detail = f\": {error}\" if str(error) else \"\"",
            "    if numbers and 0 < numbers[-1] <= len(lines):",
            '        return AssertionError(f"{name}, line {numbers[-1]}: {lines[numbers[-1] - 1].strip()}{detail}")',
            '    return AssertionError(f"{name} failed{detail}")',
            "",
        ]
    if "cell" in kinds:
        out += [
            "",
            "def _run_cell(source, namespace, *, name):",
            '    """An nbgrader test cell: it passes when it runs without an error, as in nbgrader."""',
            "    try:",
            "        run_cell(source, namespace, name=name)",
            "    except AssertionError as error:",
            "        raise _named_failure(error, source, name) from None",
            "",
        ]
    if "function" in kinds:
        out += [
            "",
            "def _run_function(source, function, setup, namespace, *, name):",
            '    """An Otter exception-based test: the function is defined in a scope of its own (with its test file\'s',
            "    imports and helpers) and called with the student's values its parameters name (`env`: all of them).\"\"\"",
            "    scope = {}",
            '    exec(compile(setup, f"<{name}: setup>", "exec"), scope)  # noqa: S102 - the instructor\'s test code',
            '    exec(compile(source, f"<{name}>", "exec"), scope)  # noqa: S102',
            "    test = scope[function]",
            "    arguments = {",
            '        parameter: namespace if parameter == "env" else namespace.get(parameter)',
            "        for parameter in inspect.signature(test).parameters",
            "    }",
            "    try:",
            "        test(**arguments)",
            "    except AssertionError as error:",
            "        raise _named_failure(error, source, name) from None",
            "",
        ]

    used: set[str] = set()
    for question in conversion.questions:
        weights, _ = _weights(question)
        for index, (test, weight) in enumerate(zip(question.tests, weights, strict=True), start=1):
            function = _function_name(conversion, question, test, index, used)
            constant = function.upper()
            out += ["", "", f"{constant} = {_string_literal(test.source)}"]
            if test.kind == "function":
                out += [f"{constant}_SETUP = {_string_literal(test.setup)}"]
            out += ["", ""]
            out.append(f"@question({json.dumps(question.name)})")
            if weight is not None:
                out.append(f"@points({_points_literal(as_decimal(weight, 'a weight'))})")
            out.append("@hidden" if test.hidden else "@shows_expected")
            out.append(f"def {function}(student_globals):")
            label = json.dumps(test.label, ensure_ascii=False)
            if test.kind == "doctest":
                out.append(f"    run_doctest({constant}, _state(student_globals), name={label})")
            elif test.kind == "cell":
                out.append(f"    _run_cell({constant}, _state(student_globals), name={label})")
            else:
                out.append(
                    f"    _run_function({constant}, {json.dumps(_function_of(test))}, {constant}_SETUP, "
                    f"_state(student_globals), name={label})"
                )
    source = re.sub(r"\n{4,}", "\n\n\n", "\n".join(out)).rstrip() + "\n"  # two blank lines between blocks
    ast.parse(source)  # what we write must be Python (a broken file would fail every run)
    return source, total


def _function_of(test: ImportedTest) -> str:
    tree = ast.parse(test.source)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if not functions:
        raise ImporterError(f"{test.label}: an exception-based test must define a function")
    return functions[-1].name


def _function_name(conversion: Conversion, question: ImportedQuestion, test: ImportedTest, index: int, used: set[str]) -> str:
    base = f"test_{identifier(question.name)}"
    if len(question.tests) > 1 or conversion.tool != "nbgrader":
        base += f"_{index}"
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


# --------------------------------------------------------------------------- the report (STAFF_NOTES.md)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "no points given"
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def render_report(conversion: Conversion, slug: str, total: Decimal) -> str:
    tests = conversion.tests
    hidden = sum(t.hidden for t in tests)
    lines = [
        f"# {conversion.title}: import notes (for staff; students never see this folder)",
        "",
        f"Imported from {conversion.tool} (`{conversion.source_name}`) as `{slug}`.",
        "",
        "## Converted",
        "",
        f"{len(conversion.questions)} automatically graded question(s), {len(tests)} test(s) ({hidden} hidden), "
        f"{_fmt(total)} point(s) in all:",
        "",
    ]
    for question in conversion.questions:
        _, question_total = _weights(question)
        flags = " (all or nothing)" if question.all_or_nothing else ""
        title = f": {question.title}" if question.title else ""
        lines.append(
            f"- `{question.name}`{title}: {_fmt(question_total)} point(s), {len(question.tests)} test(s), "
            f"{sum(t.hidden for t in question.tests)} hidden{flags}"
        )
    staff: list[StaffItem] = conversion.staff
    lines += ["", "## Not converted: grade these by hand", ""]
    if staff:
        lines += [
            f"- `{item.name}`" + (f" ({_fmt(item.points)} point(s))" if item.points is not None else "") + f": {item.what}"
            for item in staff
        ]
        lines += ["", "They are not part of the exercise's points; they become rubric items once those exist."]
    else:
        lines.append("Nothing: every graded part of the assignment became a test.")
    notes = list(dict.fromkeys(conversion.notes + [n for t in tests for n in t.notes]))
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in notes]
    if conversion.reference is None:
        lines += ["", "No reference solution was in the input: add `reference/solution.ipynb` before `check_exercises`."]
    wrongs = known_wrong(conversion)
    if wrongs:
        lines += ["", "## Known-wrong solutions", ""]
        lines += [f"- `wrong/{w.name}`: {w.why.strip().splitlines()[0]}" for w in wrongs]
    return "\n".join(lines).rstrip() + "\n"
