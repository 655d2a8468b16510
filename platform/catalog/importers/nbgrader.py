"""nbgrader source notebooks converted into an exercise and its hidden grader.

A source notebook marks its cells in ``metadata.nbgrader`` (``grade``, ``solution``, ``locked``, ``task``,
``points``, ``grade_id``). As nbgrader's own pipeline treats them:

- an autograder test cell (``grade`` true, ``solution`` false, code) is worth its points when it runs
  without an error; here it is one question named by its ``grade_id`` holding one test that runs the cell's
  source from the instructor's notebook (never the student's copy, which a student may have changed; the
  student's notebook pauses at that cell: a check point). ``### BEGIN HIDDEN TESTS`` regions are kept in the
  test and removed from what students get; a cell with such a region is a hidden test;
- ``### BEGIN SOLUTION``...``### END SOLUTION`` regions (or a whole solution cell) become
  ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (code) or ``YOUR ANSWER HERE`` (Markdown) in the
  starter, as ``nbgrader generate_assignment`` writes them; the reference keeps the solution;
- manually graded answers (``grade`` and ``solution``) and tasks (``task``) cannot become tests: they are
  listed for staff, with their points. Visible test cells stay in the starter, as nbgrader releases them.
"""

from __future__ import annotations

import ast
import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.importers.common import (
    Conversion,
    ImportedQuestion,
    ImportedTest,
    ImporterError,
    StaffItem,
    WrongSolution,
    as_decimal,
    choose_image,
    code_of,
    exact,
    first_sentence,
    folder_files,
    markdown_title,
    new_notebook,
    parse_code,
    read_notebook,
    source_of,
    support_files,
    top_level_imports,
)

TOOL = "nbgrader"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
GRADE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")  # as sandbox.submission reads check points


def convert_nbgrader_folder(folder: Path) -> list[tuple[str, Conversion | None, str]]:
    """Every source notebook of an assignment folder (``source/ps1``): (notebook stem, its conversion or
    None, why it was not converted). The folder's other files are each exercise's support files."""
    if not folder.is_dir():
        raise ImporterError(f"{folder} is not a folder")
    notebooks = sorted(p for p in folder.iterdir() if p.suffix == ".ipynb" and p.is_file() and not p.is_symlink())
    if not notebooks:
        raise ImporterError(f"{folder} holds no notebooks")
    results: list[tuple[str, Conversion | None, str]] = []
    for path in notebooks:
        conversion = convert_nbgrader(path)
        if conversion.tests:
            results.append((path.stem, conversion, ""))
        else:
            manual = sum((item.points or Decimal(0) for item in conversion.staff), Decimal(0))
            results.append((path.stem, None, f"no autograder test cells ({len(conversion.staff)} part(s), "
                                             f"{manual:g} point(s), to grade by hand)"))
    return results


def convert_nbgrader(path: Path) -> Conversion:
    """One nbgrader source notebook. The files beside it (other than notebooks) become support files."""
    source = read_notebook(path)
    language = str(source.metadata.get("kernelspec", {}).get("language", "python")).lower()
    if language != "python":
        raise ImporterError(f"{path.name} is a {language} notebook; only Python notebooks can be imported")
    name = path.name
    conversion = Conversion(
        tool=TOOL, source_name=name, title=markdown_title(source.cells, f"{path.parent.name} {path.stem}".strip()), statement="",
        starter=None, reference=None, questions=[],
    )
    starter_cells: list[Any] = []
    reference_cells: list[Any] = []
    solution_code: dict[str, int] = {}  # grade_id -> index of an automatically graded answer cell
    seen: set[str] = set()
    statement: list[str] = []
    for number, cell in enumerate(source.cells, start=1):
        where = f"{name}, cell {number}"
        meta = cell.get("metadata", {}).get("nbgrader")
        meta = meta if isinstance(meta, dict) else {}
        kind = cell.get("cell_type")
        text = source_of(cell)
        grade, solution, task = bool(meta.get("grade")), bool(meta.get("solution")), bool(meta.get("task"))
        grade_id = str(meta.get("grade_id", f"cell-{number}"))
        if meta and grade_id in seen:
            raise ImporterError(f"{where}: grade_id {grade_id} is used twice")
        seen.add(grade_id)
        points = exact(meta.get("points") or 0, f"{where}: points")
        shown = as_decimal(points, f"{where}: points")

        student_text = _clear_regions(text, "MARK SCHEME")
        student_text, had_hidden = _remove_region(student_text, "HIDDEN TESTS")
        student_text, replaced = _replace_solutions(student_text, kind, where)
        if solution and not replaced:
            student_text = CODE_STUB if kind == "code" else TEXT_STUB
        elif replaced and not solution:
            raise ImporterError(f"{where}: a solution region in a cell that is not a solution cell")
        if had_hidden and not grade:
            raise ImporterError(f"{where}: a hidden-test region in a cell that is not a grade cell")
        # The reference is the notebook a student who solved everything would hand in: solutions kept, test
        # cells as students have them (the grader runs the source's tests there, hidden ones included).
        reference_text = _drop_markers(_clear_regions(text, "MARK SCHEME"), ("BEGIN SOLUTION", "END SOLUTION"))
        if had_hidden:
            reference_text = student_text

        starter_cell = _with_source(cell, student_text)
        reference_cell = _with_source(cell, reference_text)
        if kind == "code" and grade and not solution:
            if "AUTOTEST" in text:
                conversion.staff.append(StaffItem(grade_id, "an nbgrader AUTOTEST cell (its asserts are generated "
                                                  "from the solution by nbgrader): write its test by hand", shown))
                for each in (starter_cell, reference_cell):
                    each["metadata"].pop("nbgrader", None)
            else:
                test_text = _drop_markers(text, ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
                if parse_code(test_text) is None:
                    raise ImporterError(f"{where}: the test cell {grade_id} is not valid Python")
                # The title shows in feedback: from what students already see of the cell, never its hidden region.
                question = ImportedQuestion(name=grade_id, title=_docstring(student_text), points=shown)
                question.tests.append(ImportedTest(
                    question=grade_id, kind="cell", source=test_text, label=grade_id, weight=points, hidden=had_hidden,
                ))
                conversion.questions.append(question)
                if not GRADE_ID.match(grade_id):
                    conversion.notes.append(
                        f"The grade_id {grade_id!r} has characters a check point cannot name: it is graded on the "
                        "notebook's final state."
                    )
        elif grade and solution:
            what = "code" if kind == "code" else "written"
            conversion.staff.append(StaffItem(grade_id, f"a manually graded {what} answer", shown))
        elif task:
            conversion.staff.append(StaffItem(grade_id, f"a task graded by hand: {first_sentence(_strip_heading(student_text))}", shown))
        elif solution and kind == "code":
            solution_code[grade_id] = len(reference_cells)
        elif kind == "code" and meta.get("locked"):
            conversion.notes.append(
                f"{where} is a locked (read-only) code cell: nbgrader restores the source's copy before grading; "
                "here the student's copy runs."
            )
        if kind == "markdown" and not (solution and grade) and student_text.strip():
            statement.append(student_text.strip())
        starter_cells.append(starter_cell)
        reference_cells.append(reference_cell)

    meta = {k: v for k, v in source.metadata.items() if k in ("kernelspec", "language_info")}
    conversion.starter = new_notebook(starter_cells, meta or None)
    conversion.reference = new_notebook(reference_cells, meta or None)
    statements, modules = top_level_imports(code_of(conversion.reference))
    conversion.imports = statements
    conversion.image = choose_image(modules, conversion.notes)
    try:  # nbgrader releases the assignment's folder whole: its other files are the notebook's data
        files = {n: d for n, d in folder_files(path.parent).items() if not n.endswith(".ipynb")}
    except ImporterError as exc:
        files = {}
        conversion.notes.append(f"The files beside the notebook were not kept as support files: {exc}.")
    conversion.support = support_files(files, conversion.notes)
    conversion.statement = _statement(conversion, statement)
    for grade_id, index in solution_code.items():
        variant = copy.deepcopy(conversion.reference)
        variant.cells[index]["source"] = source_of(conversion.starter.cells[index])
        conversion.partial.append(WrongSolution(
            f"without-{re.sub(r'[^a-z0-9]+', '-', grade_id.lower()).strip('-') or 'answer'}", variant,
            f"The reference without its answer in {grade_id} (the starter's stub there): a student who skipped it.",
        ))
    return conversion


def _with_source(cell: Any, text: str) -> Any:
    fresh = copy.deepcopy(cell)
    fresh["source"] = text
    fresh.setdefault("metadata", {})
    nbgrader = fresh["metadata"].get("nbgrader")
    if isinstance(nbgrader, dict):
        nbgrader.pop("checksum", None)
    return fresh


def _replace_solutions(text: str, kind: str, where: str) -> tuple[str, bool]:
    """``BEGIN SOLUTION``...``END SOLUTION`` regions replaced by nbgrader's stub, indented as the marker."""
    stub = (CODE_STUB if kind == "code" else TEXT_STUB).split("\n")
    kept: list[str] = []
    inside = replaced = False
    for line in text.split("\n"):
        if "BEGIN SOLUTION" in line:
            if inside:
                raise ImporterError(f"{where}: nested BEGIN SOLUTION")
            inside = replaced = True
            indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
            kept.extend(indent + s for s in stub)
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ImporterError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(kept), replaced


def _remove_region(text: str, marker: str) -> tuple[str, bool]:
    kept: list[str] = []
    inside = removed = False
    for line in text.split("\n"):
        if f"BEGIN {marker}" in line:
            inside = removed = True
        elif f"END {marker}" in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept), removed


def _clear_regions(text: str, marker: str) -> str:
    return _remove_region(text, marker)[0]


def _drop_markers(text: str, markers: tuple[str, ...]) -> str:
    return "\n".join(line for line in text.split("\n") if not any(m in line for m in markers))


def _docstring(code: str) -> str:
    tree = parse_code(code)
    if tree and tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        value = tree.body[0].value.value
        if isinstance(value, str):
            return first_sentence(value)
    return ""


def _strip_heading(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("---")]
    body = [line for line in lines if not line.lstrip().startswith("#")]
    return "\n".join(body or lines)


def _statement(conversion: Conversion, parts: list[str]) -> str:
    if not parts or not parts[0].lstrip().startswith("#"):
        parts = [f"# {conversion.title}", *parts]
    listing = ", ".join(f"{q.name} ({_fmt(q.points)})" for q in conversion.questions)
    total = sum((q.points or Decimal(0) for q in conversion.questions), Decimal(0))
    parts.append(
        "## How this notebook is graded\n\n"
        "Work in the starter notebook and submit it. Each test cell marks the point where its check is graded, "
        "with the notebook as it stands there; the checks are the instructor's own, whatever the test cell in "
        f"your copy says. Automatically graded: {listing}, {_fmt(total)} point(s) in all."
        + (" Written answers and tasks are graded by hand by your teachers." if conversion.staff else "")
    )
    return "\n\n".join(parts) + "\n"


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
