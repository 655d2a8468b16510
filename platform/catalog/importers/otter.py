"""Otter-Grader assignments converted into an exercise and its hidden grader.

Three inputs (what Otter's own tools take or make):

- an assign-format master notebook (``otter assign``'s input): raw cells ``# ASSIGNMENT CONFIG``,
  ``# BEGIN QUESTION`` (YAML: ``name``, ``points``, ``manual``, ``all_or_nothing``, ``check_cell``),
  ``# BEGIN SOLUTION``/``# BEGIN PROMPT``/``# BEGIN TESTS`` blocks and their ``# END`` cells; test cells
  whose first comment line says ``HIDDEN``, or with a ``# BEGIN TEST CONFIG`` YAML block;
- an autograder zip (``otter assign``/``otter generate``'s output: ``tests/*.py``), with the notebook;
- a folder of Otter test files (``tests/q1.py``...), with the notebook.

The semantics follow Otter's documentation: a question's points are a list (one per test case), a total
shared equally by the cases that give none, or, with nothing given, 1 point shared equally; a case of a
test file is hidden unless it says otherwise; ``all_or_nothing`` gives the question's points only when every
case passes. A doctest case's expected output is the test cell's output in the master notebook. Solutions
are removed from the student's notebook as ``otter assign`` removes them (``# SOLUTION`` lines become
``...``, ``# BEGIN SOLUTION`` blocks a ``...`` prompt, ``# BEGIN PROMPT`` blocks are what students see).

Test files are Python, but never run here: OK-format files are read with ``ast.literal_eval``, and
exception-based ones with ``ast`` (each ``@test_case`` function kept as text).
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from catalog.importers.common import (
    MAX_TEST_FILE_BYTES,
    MAX_TESTS,
    MAX_ZIP_BYTES,
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
    parse_notebook,
    read_file,
    read_notebook,
    source_of,
    support_files,
    top_level_imports,
    zip_members,
)
from sandbox import image_with

TOOL = "Otter-Grader"
BLOCKS = ("question", "prompt", "solution", "tests")
SOLUTION_TAG = "otter_assign_solution_cell"
ANSWER_TAG = "otter_answer_cell"
INCLUDE_TAG = "otter_include"
RESPONSE_PROMPT = "_Type your answer here, replacing this text._"
# Files of an autograder zip that are Otter's machinery, not the assignment's.
AUTOGRADER_FILES = re.compile(
    r"^(run_autograder|run_otter\.py|setup\.sh|environment\.ya?ml|requirements\.(txt|R)|otter_config\.json)$"
)
TEST_CONFIG_BEGIN = re.compile(r'(?:.\s*=\s*)?""?"?\s*#\s*BEGIN\s*TEST\s*CONFIG', re.IGNORECASE)
TEST_CONFIG_END = re.compile(r'""?"?\s*#\s*END\s*TEST\s*CONFIG', re.IGNORECASE)


def convert_otter(path: Path, *, notebook: Path | None = None, reference: Path | None = None) -> Conversion:
    """Convert an assign-format master notebook, an autograder zip or a folder of test files.

    ``notebook``: for a zip or folder, the notebook that goes with the tests (the autograder notebook that
    ``otter assign`` writes, with its solutions, or the student's notebook); found in the zip or folder when
    it holds exactly one. ``reference``: a solution notebook, where ``notebook`` is the student's."""
    if path.suffix.lower() == ".ipynb":
        master = read_notebook(path)
        language = str(master.metadata.get("kernelspec", {}).get("language", "python")).lower()
        if language != "python":
            raise ImporterError(f"{path.name} is a {language} notebook; only Python notebooks can be imported")
        if _is_master(master):
            conversion, config = _from_master(master, path.name)
            conversion.support = support_files(_listed_files(path.parent, config.get("files")), conversion.notes)
            _requirements(conversion, path.parent, config.get("requirements"))
            return conversion
        tests = _tests_from_metadata(master, path.name)
        return _from_parts(tests, master, path.name, _read_optional(reference), {})
    if path.suffix.lower() == ".zip":
        files = zip_members(read_file(path, MAX_ZIP_BYTES, "zip file"), path.name)
    elif path.is_dir():
        files = folder_files(path)
    else:
        raise ImporterError(f"{path}: give a master notebook (.ipynb), an autograder zip or a folder of test files")
    tests = _tests_from_files(files, path.name)
    notebooks = {name: data for name, data in files.items() if name.lower().endswith(".ipynb")}
    if notebook is not None:
        given = read_notebook(notebook)
    elif len(notebooks) == 1:
        [(name, data)] = notebooks.items()
        given = parse_notebook(data, name)
    else:
        raise ImporterError(
            f"{path.name} holds {len(notebooks)} notebooks: name the assignment's notebook with --notebook"
        )
    extra = {
        name: data for name, data in files.items()
        if not name.lower().endswith((".ipynb", ".pdf", ".zip")) and not AUTOGRADER_FILES.match(name)
        and not name.startswith("tests/") and not (path.is_dir() and name.endswith(".py") and b"OK_FORMAT" in data)
    }
    return _from_parts(tests, given, path.name, _read_optional(reference), extra)


def _read_optional(path: Path | None) -> Any | None:
    return read_notebook(path) if path is not None else None


# --------------------------------------------------------------------------- the master notebook


def _fenced(cell: Any) -> Any:
    """A Markdown cell that is one ```otter fenced block, as the raw cell it stands for."""
    if cell.get("cell_type") != "markdown":
        return cell
    lines = source_of(cell).strip().splitlines()
    if len(lines) >= 2 and lines[0].strip() == "```otter" and lines[-1].strip() == "```":
        inner = lines[1:-1]
        if not any(line.strip() == "```" for line in inner):
            return {"cell_type": "raw", "metadata": {}, "source": "\n".join(inner)}
    if any(line.strip() == "```otter" for line in lines):
        raise ImporterError("a ```otter block shares its Markdown cell with other text: give it a cell of its own")
    return cell


def _boundary(cell: Any, block: str, *, end: bool) -> bool:
    cell = _fenced(cell)
    first = (source_of(cell).splitlines() or [""])[0]
    word = "end" if end else "begin"
    return cell.get("cell_type") == "raw" and bool(re.match(rf"#\s+{word}\s+{block}\s*", first, re.IGNORECASE))


def _is_config(cell: Any) -> bool:
    cell = _fenced(cell)
    first = (source_of(cell).splitlines() or [""])[0]
    return cell.get("cell_type") == "raw" and bool(re.match(r"#\s+assignment\s+config\s*", first, re.IGNORECASE))


def _is_master(notebook: Any) -> bool:
    return any(_is_config(c) or _boundary(c, "question", end=False) for c in notebook.cells)


def _yaml(cell: Any, what: str) -> dict[str, Any]:
    try:
        value = yaml.safe_load(source_of(_fenced(cell)))
    except yaml.YAMLError as exc:
        raise ImporterError(f"{what}: its YAML cannot be read ({str(exc).splitlines()[0][:200]})") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImporterError(f"{what}: its YAML must be a mapping")
    return value


def _is_ignored(cell: Any) -> bool:
    first = (source_of(cell).splitlines() or [""])[0]
    return bool(re.match(r"(##\s*ignore\s*##\s*|#\s*ignore\s*)", first, re.IGNORECASE))


@dataclass
class _Question:
    config: dict[str, Any]
    title: str = ""
    cases: list[dict[str, Any]] = field(default_factory=list)  # {"source", "hidden", "points", "kind", ...}
    solution_cells: list[int] = field(default_factory=list)  # indexes into the transformed cells

    @property
    def name(self) -> str:
        return str(self.config["name"])


@dataclass
class _Cell:
    cell: Any
    solution: bool = False
    answer: bool = False  # a prompt cell (students see it)
    question: str = ""


def _listed_files(folder: Path, listed: Any) -> dict[str, bytes]:
    """The files the assignment config's ``files:`` names (data the notebook reads), from the master's folder:
    relative paths inside it only, folders whole, links never followed."""
    if not listed:
        return {}
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise ImporterError("the assignment config's files: must be a list of paths")
    base = folder.resolve()
    found: dict[str, bytes] = {}
    for item in listed:
        relative = PurePosixPath(item)
        if relative.is_absolute() or ".." in relative.parts:
            raise ImporterError(f"files: {item!r} is not a path inside the master notebook's folder")
        target = folder / relative
        if target.is_symlink() or not target.resolve().is_relative_to(base):
            raise ImporterError(f"files: {item!r} is a link or leaves the master notebook's folder")
        if target.is_dir():
            found.update({f"{relative.as_posix()}/{name}": data for name, data in folder_files(target).items()})
        else:
            found[relative.as_posix()] = read_file(target, MAX_TEST_FILE_BYTES * 2)
    return found


PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][A-Za-z0-9.+!-]*$")


def _requirements(conversion: Conversion, folder: Path, listed: Any) -> None:
    """The assignment's requirements (a requirements.txt beside the master, or a list): pinned ones
    (``name==version``) become the exercise's ``requirements``, as the sandbox accepts them; others are noted."""
    if not listed:
        return
    if isinstance(listed, str):
        relative = PurePosixPath(listed)
        target = folder / relative
        if relative.is_absolute() or ".." in relative.parts or target.is_symlink() or not target.is_file():
            conversion.notes.append(f"The requirements file {listed!r} was not read (not a file beside the master).")
            return
        lines = read_file(target, MAX_TEST_FILE_BYTES).decode("utf-8", errors="replace").splitlines()
    elif isinstance(listed, list):
        lines = [str(item) for item in listed]
    else:
        return
    wanted = [line.split("#")[0].strip() for line in lines]
    wanted = [line for line in wanted if line]
    pinned = [line for line in wanted if PINNED.match(line)]
    loose = [line for line in wanted if not PINNED.match(line)]
    if pinned:
        try:
            image_with(conversion.image, pinned)
        except ValueError as exc:
            conversion.notes.append(f"The requirements {', '.join(pinned)} were not kept: {exc}")
        else:
            conversion.requirements = pinned
    if loose:
        conversion.notes.append(
            f"The assignment's requirements {', '.join(loose)} are not pinned, so they were not kept: if the "
            "notebook needs them, add them to exercise.toml's requirements as name==version."
        )


def _from_master(master: Any, source_name: str) -> tuple[Conversion, dict[str, Any]]:
    """``otter assign``'s transformation of a master notebook, done on data: the autograder-format notebook
    (our reference), the student's (our starter) and the tests; and the assignment config."""
    config: dict[str, Any] = {}
    questions: dict[str, _Question] = {}
    cells: list[_Cell] = []
    blocks: list[str] = []
    question: _Question | None = None
    has_prompt = no_solution = solution_has_markdown = False
    prompt_at: int | None = None

    for number, raw_cell in enumerate(master.cells, start=1):
        where = f"cell {number}"
        if _is_ignored(raw_cell):
            continue
        if _is_config(raw_cell):
            config.update(_yaml(raw_cell, f"{where} (assignment config)"))
            continue
        if blocks and _boundary(raw_cell, blocks[-1], end=True):
            ended = blocks.pop()
            if ended == "question" and question is not None:
                public = any(not c["hidden"] for c in question.cases)
                if question.cases and (not no_solution or public) and question.config.get("check_cell", True):
                    check = {"cell_type": "code", "metadata": {"deletable": False, "editable": False},
                             "source": f'grader.check("{question.name}")'}
                    cells.append(_Cell(check))
                question, has_prompt, no_solution, solution_has_markdown, prompt_at = None, False, False, False, None
            elif ended == "solution" and question is not None:
                if not has_prompt and solution_has_markdown and question.config.get("manual") and prompt_at is not None:
                    response = {"cell_type": "markdown", "metadata": {"tags": [ANSWER_TAG]}, "source": RESPONSE_PROMPT}
                    cells.insert(prompt_at, _Cell(response, answer=True, question=question.name))
                    has_prompt = True
            continue
        for block in BLOCKS:
            if _boundary(raw_cell, block, end=True):
                raise ImporterError(f"{source_name}, {where}: an END {block.upper()} cell without its BEGIN")
        began = next((b for b in BLOCKS if _boundary(raw_cell, b, end=False)), None)
        if began is not None:
            if not blocks and began != "question":
                raise ImporterError(f"{source_name}, {where}: a BEGIN {began.upper()} cell outside a question")
            if blocks and began == "question":
                raise ImporterError(f"{source_name}, {where}: a question begins inside another question")
            if len(blocks) > 1:
                raise ImporterError(f"{source_name}, {where}: a BEGIN {began.upper()} cell inside a {blocks[-1]} block")
            if began == "prompt":
                if has_prompt:
                    raise ImporterError(f"{source_name}, {where}: a prompt block after a solution block")
                has_prompt = True
            elif began == "solution" and not has_prompt:
                prompt_at = len(cells)
            elif began == "tests" and not has_prompt:
                no_solution = True
            elif began == "question":
                settings = _yaml(raw_cell, f"{where} (question config)")
                if not isinstance(settings.get("name"), str | int | float) or isinstance(settings.get("name"), bool):
                    raise ImporterError(f"{source_name}, {where}: a question needs a name")
                settings["name"] = str(settings["name"])
                if settings["name"] in questions:
                    raise ImporterError(f"{source_name}, {where}: question {settings['name']} is defined twice")
                question = _Question(settings)
                questions[question.name] = question
            blocks.append(began)
            continue
        cell = copy.deepcopy(raw_cell)
        entry = _Cell(cell, question=question.name if question else "")
        if blocks and question is not None:
            if blocks[-1] == "tests":
                if cell.get("cell_type") != "code":
                    raise ImporterError(f"{source_name}, {where}: a tests block holds a cell that is not code")
                question.cases.append(_read_test_cell(cell, question.name, config, f"{source_name}, {where}"))
                continue
            if blocks[-1] == "prompt":
                entry.answer = True
            elif blocks[-1] == "solution":
                entry.solution = True
                if cell.get("cell_type") == "markdown":
                    solution_has_markdown = True
            elif blocks[-1] == "question" and cell.get("cell_type") == "markdown" and not question.title:
                question.title = first_sentence(source_of(cell))
        cells.append(entry)
    if blocks:
        raise ImporterError(f"{source_name}: the {blocks[-1]} block that begins last is never ended")
    for index, entry in enumerate(cells):
        if entry.solution and entry.question:
            questions[entry.question].solution_cells.append(index)

    if config.get("init_cell", True):
        cells.insert(0, _Cell({"cell_type": "code", "metadata": {"deletable": False, "editable": False},
                               "source": f'# Initialize Otter\nimport otter\ngrader = otter.Notebook("{source_name}")'}))
        for q in questions.values():
            q.solution_cells = [i + 1 for i in q.solution_cells]
    if config.get("check_all_cell", False):
        cells.append(_Cell({"cell_type": "code", "metadata": {}, "source": "grader.check_all()"}))
    if config.get("export_cell", True) is not False:
        cells.append(_Cell({"cell_type": "code", "metadata": {},
                            "source": "# Save your notebook first, then run this cell to export your submission.\n"
                                      "grader.export()"}))

    strip_all = bool(config.get("strip_solutions_from_all_cells", False))
    reference_cells = [_without_ignored(e.cell) for e in cells]
    starter_cells = []
    for entry in cells:
        stripped = _student_cell(entry, strip_all)
        if stripped is not None:
            starter_cells.append(_without_ignored(stripped))
    reference = new_notebook(reference_cells)
    starter = new_notebook(starter_cells)

    conversion = Conversion(
        tool=TOOL, source_name=source_name, title=markdown_title(master.cells, Path(source_name).stem),
        statement="", starter=starter, reference=reference, questions=[],
    )
    tests_ok_format = (config.get("tests") or {}).get("ok_format", True) if isinstance(config.get("tests"), dict) else True
    if not tests_ok_format:
        conversion.notes.append("The tests are exception-based (tests: ok_format: false): each test function became a test.")
    for q in questions.values():
        _add_question(conversion, q.name, q.config, q.cases, q.title)
    _assignment_notes(conversion, config)
    _finish(conversion)
    for q in questions.values():  # known-wrong candidates: the reference without one question's solution
        if q.cases and q.solution_cells:
            variant = copy.deepcopy(reference)
            for index in q.solution_cells:
                stripped = _student_cell(cells[index], strip_all)
                variant.cells[index]["source"] = source_of(stripped) if stripped is not None else ""
            conversion.partial.append(WrongSolution(
                f"without-{_slug_part(q.name)}", variant,
                f"The reference without its answer to {q.name} (the starter's `...` there): a student who skipped "
                "that question.",
            ))
    return conversion, config


def _slug_part(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "question"


def _without_ignored(cell: Any) -> Any:
    """Otter drops ``# IGNORE`` lines and ``# BEGIN IGNORE``...``# END IGNORE`` blocks from both notebooks."""
    lines, kept, inside = source_of(cell).split("\n"), [], False
    for line in lines:
        stripped = line.rstrip()
        if stripped.endswith("# IGNORE"):
            continue
        if stripped.endswith("# END IGNORE"):
            inside = False
            continue
        if re.match(r"\s*#\s*BEGIN\s*IGNORE\s*", line, re.IGNORECASE):
            inside = True
            continue
        if not inside:
            kept.append(line)
    cell = copy.deepcopy(cell)
    cell["source"] = "\n".join(kept)
    return cell


def _student_cell(entry: _Cell, strip_all: bool) -> Any | None:
    """The cell as the student's notebook has it (None: not there at all)."""
    cell = copy.deepcopy(entry.cell)
    tags = list(cell.get("metadata", {}).get("tags", []))
    if strip_all and cell.get("cell_type") == "code":
        cell["source"] = "\n".join(_strip_solution_lines(source_of(cell).split("\n")))
    if not entry.solution:
        return cell
    if cell.get("cell_type") == "markdown":
        if INCLUDE_TAG not in tags:
            return None
        tags.remove(INCLUDE_TAG)
    elif cell.get("cell_type") == "code" and not strip_all:
        cell["source"] = "\n".join(_strip_solution_lines(source_of(cell).split("\n")))
    cell.setdefault("metadata", {})["tags"] = [t for t in tags if t != SOLUTION_TAG] + [ANSWER_TAG]
    return cell


ASSIGNMENT_LINE = re.compile(r"(\s*(?:[\w.]+(?=[^\w.])(?:\[['\"]?.*['\"]?\])*(?:,\s*)?)+\s*=).* ?# ?SOLUTION")
SOLUTION_LINE = re.compile(r"(\s*).* ?# ?SOLUTION")
BEGIN_SOLUTION = re.compile(r"(\s*)# BEGIN SOLUTION( NO PROMPT)?")
DROPPED_SUFFIXES = ("# SOLUTION NO PROMPT", "# BEGIN PROMPT", "# END PROMPT", "# SEED")


def _strip_solution_lines(lines: list[str]) -> list[str]:
    """Otter's solution markers in code: ``x = 2  # SOLUTION`` -> ``x = ...``; another ``# SOLUTION`` line ->
    ``...``; a ``# BEGIN SOLUTION``...``# END SOLUTION`` block -> ``...`` (nothing with ``NO PROMPT``);
    lines ending ``# BEGIN PROMPT``/``# END PROMPT``/``# SEED`` go, which turns a prompt docstring into code."""
    kept: list[str] = []
    inside = False
    for line in lines:
        stripped = line.rstrip()
        if stripped.endswith(DROPPED_SUFFIXES):
            continue
        if stripped.endswith("# END SOLUTION"):
            if not inside:
                raise ImporterError(f"END SOLUTION without BEGIN SOLUTION in: {line.strip()[:100]}")
            inside = False
            continue
        if inside:
            continue
        begin = BEGIN_SOLUTION.match(line)
        if begin:
            inside = True
            if begin.group(2):
                continue
            kept.append(begin.group(1) + "...")
            continue
        assignment = ASSIGNMENT_LINE.match(line)
        if assignment:
            kept.append(assignment.group(1) + " ...")
            continue
        marker = SOLUTION_LINE.match(line)
        kept.append(marker.group(1) + "..." if marker else line)
    if inside:
        raise ImporterError("BEGIN SOLUTION without END SOLUTION in a solution cell")
    return kept


def _read_test_cell(cell: Any, question: str, config: dict[str, Any], where: str) -> dict[str, Any]:
    """One test case from a test cell of the master: hidden by a ``# HIDDEN`` first line or its TEST CONFIG."""
    lines = source_of(cell).split("\n")
    if parse_code(source_of(cell)) is None:
        raise ImporterError(f"{where}: a test cell of question {question} is not valid Python")
    hidden = lines[0].lstrip().startswith("#") and bool(re.search(r"\bhidden\b", lines[0], re.IGNORECASE))
    start = 0 if hidden else -1
    options: dict[str, Any] = {}
    if TEST_CONFIG_BEGIN.match(lines[0]):
        end = next((i for i, line in enumerate(lines) if TEST_CONFIG_END.match(line)), len(lines) - 1)
        try:
            loaded = yaml.safe_load("\n".join(lines[1:end]))
        except yaml.YAMLError:
            raise ImporterError(f"{where}: the TEST CONFIG block cannot be read") from None
        if not isinstance(loaded, dict):
            raise ImporterError(f"{where}: the TEST CONFIG block must be a mapping")
        options, start = loaded, end
    body_lines = lines[start + 1:]
    tree = ast.parse("\n".join(body_lines))
    ok_format = not isinstance(config.get("tests"), dict) or config["tests"].get("ok_format", True)
    case: dict[str, Any] = {
        "hidden": bool(options.get("hidden", hidden)),
        "points": options.get("points"),
        "success_message": options.get("success_message"),
        "failure_message": options.get("failure_message"),
    }
    if ok_format:
        output = ""
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            output += "".join(text) if isinstance(text, list) else str(text)
            plain = out.get("data", {}).get("text/plain") if isinstance(out.get("data"), dict) else None
            if plain:
                output += "".join(plain) if isinstance(plain, list) else str(plain)
        doctest_lines = _as_doctest(ast.unparse(_without_annotations(tree)).split("\n"))
        case.update(kind="doctest", source="\n".join(doctest_lines + output.split("\n")))
    else:
        if len(tree.body) > 2 or not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
            raise ImporterError(f"{where}: an exception-based test cell must hold a function (and at most a call)")
        case.update(kind="function", source=ast.unparse(tree.body[0]), setup="")
    return case


def _without_annotations(tree: ast.Module) -> ast.Module:
    """Type annotations dropped from test code, as Otter drops them before writing doctests."""
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
    tree.body = [
        ast.Assign(targets=[n.target], value=n.value, lineno=n.lineno) if isinstance(n, ast.AnnAssign) and n.value else n
        for n in tree.body
    ]
    return ast.fix_missing_locations(tree)


def _as_doctest(code_lines: list[str]) -> list[str]:
    """Code as doctest examples: ``>>> `` on each new statement, ``... `` on continuation lines (indented
    lines, ``else``/``elif``/``except``/``finally`` clauses, lines after a backslash); blank lines dropped."""
    out: list[str] = []
    for line in code_lines:
        if not line:
            continue
        continuation = (
            line.startswith((" ", "\t", "elif ", "else:", "finally:"))
            or bool(re.match(r"^except[\s\w]*:", line))
            or (bool(out) and out[-1].rstrip().endswith("\\"))
        )
        out.append(("... " if continuation else ">>> ") + line)
    return out


# --------------------------------------------------------------------------- test files and metadata


def _tests_from_files(files: dict[str, bytes], source_name: str) -> dict[str, dict[str, Any]]:
    """Otter test files (``tests/q1.py`` in a zip or folder, or ``q1.py`` in a folder of tests) by name."""
    candidates = {n: d for n, d in files.items() if n.endswith(".py") and PurePosixPath(n).parent.name == "tests"}
    if not candidates:
        candidates = {n: d for n, d in files.items() if n.endswith(".py") and "/" not in n and b"OK_FORMAT" in d}
    if not candidates:
        raise ImporterError(f"{source_name} holds no Otter test files (tests/*.py)")
    found: dict[str, dict[str, Any]] = {}
    for name, data in sorted(candidates.items()):
        if len(data) > MAX_TEST_FILE_BYTES:
            raise ImporterError(f"{name} is larger than {MAX_TEST_FILE_BYTES // 1024} KiB")
        spec = _read_test_file(data.decode("utf-8", errors="replace"), name)
        if spec["name"] in found:
            raise ImporterError(f"{source_name}: question {spec['name']} has two test files")
        found[spec["name"]] = spec
    return found


def _tests_from_metadata(notebook: Any, source_name: str) -> dict[str, dict[str, Any]]:
    """The tests ``otter assign`` keeps in a notebook's metadata (``metadata.otter.tests``)."""
    meta = notebook.get("metadata", {}).get("otter", {})
    tests = meta.get("tests") if isinstance(meta, dict) else None
    if not isinstance(tests, dict) or not tests:
        raise ImporterError(
            f"{source_name} is neither an Otter master notebook (no # BEGIN QUESTION cells) nor a notebook "
            "with Otter tests in its metadata: give the master, or the autograder zip with --notebook"
        )
    found = {}
    for name, value in tests.items():
        if isinstance(value, str):
            spec = _read_test_file(value, f"{source_name} (tests of {name})")
        elif isinstance(value, dict):
            spec = _ok_spec(value, f"{source_name} (tests of {name})", hidden_default=True)
        else:
            raise ImporterError(f"{source_name}: the tests of {name} are neither a test file nor an OK-format mapping")
        found[spec["name"]] = spec
    return found


def _module_value(tree: ast.Module, name: str) -> Any:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                raise ImporterError(f"{name} must be a literal in an Otter test file") from None
    return None


def _read_test_file(text: str, where: str) -> dict[str, Any]:
    """An OK-format (``OK_FORMAT = True``; ``test = {...}``) or exception-based test file, read with ast."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        raise ImporterError(f"{where} is not valid Python") from None
    ok_format = _module_value(tree, "OK_FORMAT")
    if ok_format is True:
        spec = _module_value(tree, "test")
        if not isinstance(spec, dict):
            raise ImporterError(f"{where}: an OK-format test file must define test = {{...}} as a literal")
        return _ok_spec(spec, where, hidden_default=True)
    if ok_format is False:
        return _exception_spec(tree, text, where)
    raise ImporterError(f"{where} does not define OK_FORMAT, so it is not an Otter test file")


def _ok_spec(spec: dict[str, Any], where: str, *, hidden_default: bool) -> dict[str, Any]:
    name = spec.get("name")
    suites = spec.get("suites")
    if not isinstance(name, str | int) or not isinstance(suites, list) or len(suites) != 1 or not isinstance(suites[0], dict):
        raise ImporterError(f"{where}: an OK-format test needs a name and exactly one suite")
    suite = suites[0]
    if suite.get("type", "doctest") != "doctest" or suite.get("setup") or suite.get("teardown"):
        raise ImporterError(f"{where}: only doctest suites without setup or teardown are supported (as in Otter)")
    cases = []
    for case in suite.get("cases", []):
        if not isinstance(case, dict) or not isinstance(case.get("code"), str):
            raise ImporterError(f"{where}: a case without code")
        cases.append({
            "kind": "doctest", "source": textwrap.dedent(case["code"]), "hidden": bool(case.get("hidden", hidden_default)),
            "points": case.get("points"), "success_message": case.get("success_message"),
            "failure_message": case.get("failure_message"), "name": case.get("name"),
        })
    return {"name": str(name), "points": spec.get("points"), "all_or_nothing": bool(spec.get("all_or_nothing", False)), "cases": cases}


def _decorator_options(node: ast.FunctionDef, where: str) -> dict[str, Any] | None:
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
        if name != "test_case":
            continue
        options: dict[str, Any] = {}
        for keyword in call.keywords if call else []:
            try:
                options[str(keyword.arg)] = ast.literal_eval(keyword.value)
            except ValueError:
                raise ImporterError(f"{where}: @test_case({keyword.arg}=...) must be a literal") from None
        return options
    return None


def _exception_spec(tree: ast.Module, text: str, where: str) -> dict[str, Any]:
    name = _module_value(tree, "name")
    if not isinstance(name, str | int):
        raise ImporterError(f"{where}: an exception-based test file must define name = \"...\"")
    cases, setup = [], []
    for node in tree.body:
        options = _decorator_options(node, where) if isinstance(node, ast.FunctionDef) else None
        if options is not None and isinstance(node, ast.FunctionDef):
            function = copy.deepcopy(node)
            function.decorator_list = []
            cases.append({
                "kind": "function", "source": ast.unparse(function), "hidden": bool(options.get("hidden", False)),
                "points": options.get("points"), "success_message": options.get("success_message"),
                "failure_message": options.get("failure_message"), "name": options.get("name"),
            })
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "otter.test_files":
            continue
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("OK_FORMAT", "name", "points", "all_or_nothing") for t in node.targets
        ):
            continue
        setup.append(ast.unparse(node))
    for case in cases:
        case["setup"] = "\n".join(setup)
    return {
        "name": str(name), "points": _module_value(tree, "points"),
        "all_or_nothing": bool(_module_value(tree, "all_or_nothing") or False), "cases": cases,
    }


# --------------------------------------------------------------------------- points, questions, notes


def _resolve_points(total: Any, cases: list[dict[str, Any]], where: str) -> list[Fraction]:
    """Each case's points, by Otter's rules: a list gives them one by one; a total is shared equally by the
    cases that give none; with no total, cases that give none share 1 point when no case gives any (else 0)."""
    given: list[Fraction | None] = [None if c.get("points") is None else exact(c["points"], f"{where}: a case's points") for c in cases]
    if isinstance(total, dict):
        total = exact(total.get("each", 1), f"{where}: points.each") * len(cases)
    if isinstance(total, list):
        if len(total) != len(cases):
            raise ImporterError(f"{where}: {len(total)} points are listed for {len(cases)} test cases")
        given = [exact(p, f"{where}: points") for p in total]
        total = None
    unset = sum(p is None for p in given)
    specified = sum((p for p in given if p is not None), Fraction(0))
    if total is not None:
        total = exact(total, f"{where}: points")
        if specified > total:
            raise ImporterError(f"{where}: the cases give more points than the question's total")
        share = (total - specified) / unset if unset else Fraction(0)
    elif specified == 0:
        share = Fraction(1, unset) if unset else Fraction(0)
    else:
        share = Fraction(0)
    return [share if p is None else p for p in given]


def _add_question(conversion: Conversion, name: str, settings: dict[str, Any], cases: list[dict[str, Any]], title: str) -> None:
    where = f"question {name}"
    if settings.get("manual"):
        given = settings.get("points")
        manual = (
            as_decimal(exact(given, f"{where}: points"), f"{where}: points")
            if isinstance(given, int | float) and not isinstance(given, bool) else Decimal(0)
        )
        conversion.staff.append(StaffItem(name, f"a manually graded question in Otter{': ' + title if title else ''}", manual))
        if not cases:
            return
        conversion.notes.append(f"Question {name} is manual and also has tests: the tests are converted, its manual part is listed above.")
    if not cases:
        conversion.notes.append(f"Question {name} has no tests and is not manual: Otter grades nothing there, nor do we.")
        return
    if len(conversion.tests) + len(cases) > MAX_TESTS:
        raise ImporterError(f"more than {MAX_TESTS} tests")
    resolved = _resolve_points(settings.get("points"), cases, where)
    question = ImportedQuestion(name=name, title=title, all_or_nothing=bool(settings.get("all_or_nothing", False)))
    for index, (case, points) in enumerate(zip(cases, resolved, strict=True), start=1):
        test = ImportedTest(
            question=name, kind=case["kind"], source=case["source"], label=str(case.get("name") or f"{name} - {index}"),
            weight=points, hidden=case["hidden"], setup=case.get("setup", ""),
        )
        for key in ("success_message", "failure_message"):
            if case.get(key):
                test.notes.append(f"{test.label} has a {key.replace('_', ' ')} in Otter, which is not shown here.")
        question.tests.append(test)
    question.points = as_decimal(sum(resolved, Fraction(0)), f"{where}: points")
    conversion.questions.append(question)


def _assignment_notes(conversion: Conversion, config: dict[str, Any]) -> None:
    for key in ("seed", "plugins", "environment", "autograder_files", "student_files"):
        if config.get(key):
            conversion.notes.append(f"The assignment config sets `{key}`, which the importer does not convert: check it.")
    lang = str(config.get("lang", "python")).lower()
    if lang not in ("python", ""):
        raise ImporterError(f"the assignment is in {lang}; only Python notebooks can be imported")


def _finish(conversion: Conversion) -> None:
    """The statement, the image and the imports, from the notebooks."""
    code = code_of(conversion.reference) if conversion.reference is not None else code_of(conversion.starter)
    statements, modules = top_level_imports(code + [t.source for t in conversion.tests if t.kind == "function"])
    conversion.imports = statements
    conversion.image = choose_image(modules, conversion.notes)
    conversion.statement = _statement(conversion)


def _statement(conversion: Conversion) -> str:
    """The README: the notebook's Markdown (solutions never are), then how it is graded."""
    parts = []
    for cell in conversion.starter.cells:
        if cell.get("cell_type") != "markdown":
            continue
        text = re.sub(r"<!--\s*(BEGIN|END) QUESTION\s*-->", "", source_of(cell)).strip()
        if text and text != RESPONSE_PROMPT:
            parts.append(text)
    if not parts or not parts[0].lstrip().startswith("#"):
        parts.insert(0, f"# {conversion.title}")
    total = sum((q.points or Decimal(0) for q in conversion.questions), Decimal(0))
    listing = ", ".join(f"{q.name} ({_fmt(q.points)})" for q in conversion.questions)
    parts.append(
        "## How this notebook is graded\n\n"
        "Work in the starter notebook and submit it (or the zip that `grader.export()` makes). Each "
        '`grader.check("...")` cell marks the point where that question is graded, with the notebook as it '
        f"stands there. Automatically graded: {listing}, {_fmt(total)} point(s) in all."
        + (" Some parts are graded by hand by your teachers." if conversion.staff else "")
    )
    return "\n\n".join(parts) + "\n"


def _fmt(value: Decimal | None) -> str:
    return "0" if value is None else (f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}")


# --------------------------------------------------------------------------- test files + a notebook


def _from_parts(
    tests: dict[str, dict[str, Any]], notebook: Any, source_name: str, reference: Any | None, extra: dict[str, bytes]
) -> Conversion:
    """Tests from test files (or a notebook's metadata) and the notebook they go with. An autograder-format
    notebook (solution cells tagged by ``otter assign``) gives both the reference and, stripped, the starter;
    a student's notebook is the starter, and ``reference`` (if given) the reference."""
    tagged = any(SOLUTION_TAG in c.get("metadata", {}).get("tags", []) for c in notebook.cells)
    cells = [copy.deepcopy(c) for c in notebook.cells]
    if tagged:
        starter_cells = [
            s for s in (_student_cell(_Cell(c, solution=SOLUTION_TAG in c.get("metadata", {}).get("tags", [])), False) for c in cells)
            if s is not None
        ]
        reference = notebook
    else:
        starter_cells = cells
    meta = {k: v for k, v in notebook.metadata.items() if k in ("kernelspec", "language_info")}
    starter = new_notebook(starter_cells, meta or None)  # no metadata.otter: its tests are not the students'
    conversion = Conversion(
        tool=TOOL, source_name=source_name, title=markdown_title(notebook.cells, Path(source_name).stem),
        statement="", starter=starter, reference=new_notebook(reference.cells, meta or None) if reference is not None else None,
        questions=[],
    )
    checked = {m.group(1) for c in cells for m in re.finditer(r"grader\.check\(\s*[\"']([^\"']+)[\"']", source_of(c))}
    titles: dict[str, str] = {}
    for index, cell in enumerate(cells):  # a question's title: the Markdown just before its check cell's answer
        for match in re.finditer(r"grader\.check\(\s*[\"']([^\"']+)[\"']", source_of(cell)):
            for previous in reversed(cells[:index]):
                if previous.get("cell_type") == "markdown":
                    titles.setdefault(match.group(1), first_sentence(source_of(previous)))
                    break
    for name, spec in tests.items():
        _add_question(conversion, name, {"points": spec.get("points"), "all_or_nothing": spec.get("all_or_nothing")},
                      spec["cases"], titles.get(name, ""))
        if name not in checked:
            conversion.notes.append(f"The notebook has no grader.check(\"{name}\") cell: {name} is graded on the notebook's final state.")
    conversion.notes.append(
        "Manually graded questions are not in Otter's test files: check the notebook for them and grade them by hand."
    )
    conversion.support = support_files(extra, conversion.notes)
    _finish(conversion)
    return conversion
