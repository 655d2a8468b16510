"""What every importer shares: the conversion it returns, and careful reading of untrusted input files.

A :class:`Conversion` is plain data: notebooks as nbformat nodes, tests as text. Reading follows the rules
for untrusted input: sizes are capped before anything is parsed, links are refused, zip members are checked
as names and read into memory with a cap (never extracted, never trusted for their declared size), pickles
(Otter's ``.OTTER_LOG``) are skipped unread, and no code from the input runs here: Python test files are
read with ``ast`` and ``ast.literal_eval``, YAML with ``yaml.safe_load``.
"""

from __future__ import annotations

import ast
import io
import re
import stat
import sys
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat

from catalog.support import MAX_DEPTH, MAX_SUPPORT_BYTES, MAX_SUPPORT_FILES, NAME_PART
from sandbox import as_points

# Instructor notebooks carry rendered plots and embedded images, so they may be far larger than a student's
# upload; still bounded, so a wrong path (a data set) fails fast instead of filling memory.
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_ZIP_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_ZIP_TOTAL = 128 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_TEST_FILE_BYTES = 2 * 1024 * 1024
MAX_TESTS = 2000

# What a zip may hold that is never read: Otter's log is a pickle (never deserialised, by anything), and the
# rest is what zip tools and Jupyter leave behind.
NEVER_READ = re.compile(r"(^|/)(__MACOSX|\.ipynb_checkpoints)/|(^|/)(\.OTTER_LOG|\.DS_Store|Thumbs\.db)$", re.IGNORECASE)

# The modules each sandbox image has (sandbox/images.py, SPECS): a notebook that imports only the first set
# is graded in the "python" image, one that needs any of the second in "ml". Anything else is in neither:
# the conversion says so (the notebook would fail at that import).
PYTHON_IMAGE_MODULES = frozenset({"numpy", "matplotlib", "IPython", "pytest", "otter", "mpl_toolkits"})
ML_IMAGE_MODULES = frozenset({
    "pandas", "sklearn", "scipy", "torch", "joblib", "threadpoolctl", "fastapi", "httpx", "pydantic", "starlette",
    "sentence_transformers", "transformers", "tokenizers", "huggingface_hub", "safetensors", "dateutil", "pytz",
})


class ImporterError(ValueError):
    """The input cannot be converted (unreadable, not the tool's format, or over a cap); the message says why."""


@dataclass
class ImportedTest:
    """One graded test: one Otter test case or one nbgrader test cell, kept as text."""

    question: str  # the tool's question name (Otter's, or nbgrader's grade_id): check points use it as is
    kind: str  # "doctest" (Otter OK format), "cell" (nbgrader), "function" (Otter exception-based)
    source: str
    label: str  # how the tool names it ("q1 - 1", "correct_squares"), for messages
    weight: Fraction | None = None  # resolved points (Otter) or the cell's points (nbgrader)
    hidden: bool = False
    setup: str = ""  # "function" tests: the test file's other top-level code (imports, helpers)
    notes: list[str] = field(default_factory=list)  # success/failure messages the tool had (not shown here)


@dataclass
class ImportedQuestion:
    name: str
    title: str = ""
    points: Decimal | None = None  # the question's total; None: the sum of its tests' points
    all_or_nothing: bool = False
    tests: list[ImportedTest] = field(default_factory=list)


@dataclass
class StaffItem:
    """Something that could not be converted into an automatic test (a manually graded question, a task)."""

    name: str
    what: str
    points: Decimal | None = None


@dataclass
class WrongSolution:
    name: str  # the folder under graders/<slug>/wrong/
    notebook: Any  # nbformat node
    why: str


@dataclass
class Conversion:
    tool: str  # "Otter-Grader" or "nbgrader"
    source_name: str  # the input file's name, for the notes
    title: str
    statement: str  # Markdown
    starter: Any  # nbformat node: what students get
    reference: Any | None  # nbformat node: the solution (None when the input has none)
    questions: list[ImportedQuestion]
    imports: list[str] = field(default_factory=list)  # the notebook's top-level import statements
    support: dict[str, bytes] = field(default_factory=dict)
    staff: list[StaffItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    image: str = "python"
    requirements: list[str] = field(default_factory=list)  # extra packages, pinned (exercise.toml's requirements)
    wrong: list[WrongSolution] = field(default_factory=list)  # known-wrong solutions (shipped submissions)
    # The reference with one question's answer cleared: known-wrong solutions to add where fewer than two
    # real ones are given (check_exercises needs two).
    partial: list[WrongSolution] = field(default_factory=list)

    @property
    def tests(self) -> list[ImportedTest]:
        return [t for q in self.questions for t in q.tests]

    def retitle(self, title: str) -> None:
        """Another title, in the statement's heading too."""
        old = f"# {self.title}\n"
        if self.statement.startswith(old):
            self.statement = f"# {title}\n" + self.statement[len(old):]
        self.title = title


# Points are exact: weights as fractions (Otter splits a total equally: 1/3 each), totals as decimals.


def exact(value: Any, what: str) -> Fraction:
    """A non-negative number from the tool's metadata (int, float through its shortest repr, decimal string)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal | Fraction):
        # Only the type's name: the value may be a YAML structure whose repr expands without bound (aliases).
        raise ImporterError(f"{what} must be a number, not a {type(value).__name__}")
    try:
        amount = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ImporterError(f"{what} must be a number, not {value!r}"[:300]) from None
    if amount < 0 or amount > 1_000_000:
        raise ImporterError(f"{what} must be between 0 and 1000000, not {value!r}"[:300])
    return amount


def as_decimal(value: Fraction, what: str) -> Decimal:
    """A fraction that must be an exact decimal with at most four places (a question's total)."""
    scaled = value * 10_000
    if scaled.denominator != 1:
        raise ImporterError(f"{what} ({float(value):g}) is not exact to four decimal places")
    try:
        return as_points(Decimal(scaled.numerator) / Decimal(10_000), what)  # the sandbox's own normal form
    except ValueError as exc:
        raise ImporterError(str(exc)) from None


# --------------------------------------------------------------------------- reading input files


def read_file(path: Path, cap: int, what: str = "file") -> bytes:
    """A regular file's bytes, at most ``cap`` (links refused, the size counted as read)."""
    if path.is_symlink():
        raise ImporterError(f"{path} is a link; give the file itself")
    if not path.is_file():
        raise ImporterError(f"{path} is not a {what}")
    with path.open("rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise ImporterError(f"{path} is larger than {cap // (1024 * 1024)} MiB")
    return data


def parse_notebook(data: bytes, name: str) -> Any:
    """A notebook (converted to nbformat 4) from untrusted bytes; outputs are kept until the caller clears them."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ImporterError(f"{name} is larger than {MAX_NOTEBOOK_BYTES // (1024 * 1024)} MiB")
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise ImporterError(f"{name} is not UTF-8 text, so it is not a notebook") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a broken notebook
        raise ImporterError(f"{name} is not a Jupyter notebook: {str(exc).strip()[:200]}") from None
    if not isinstance(notebook.get("cells"), list):
        raise ImporterError(f"{name} is not a Jupyter notebook (it has no list of cells)")
    for cell in notebook.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise ImporterError(f"{name} holds a cell that is not code, Markdown or raw")
        if not isinstance(cell.get("metadata", {}), dict):
            raise ImporterError(f"{name} holds a cell whose metadata is not a mapping")
    return notebook


def read_notebook(path: Path) -> Any:
    return parse_notebook(read_file(path, MAX_NOTEBOOK_BYTES, "notebook"), path.name)


def source_of(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def zip_members(data: bytes, name: str) -> dict[str, bytes]:
    """The members of a zip, in memory, by checked relative name: links, absolute or ``..`` paths, too many or
    too large members and suspicious compression are refused; NEVER_READ members are skipped unread."""
    if len(data) > MAX_ZIP_BYTES:
        raise ImporterError(f"{name} is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MiB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImporterError(f"{name} is not a readable zip file ({exc})") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ImporterError(f"{name} holds more than {MAX_ZIP_MEMBERS} files")
    members: dict[str, bytes] = {}
    total = 0
    for info in infos:
        member = info.filename
        if info.is_dir() or NEVER_READ.search(member):
            continue
        path = PurePosixPath(member)
        if (
            "\\" in member or "\x00" in member or path.is_absolute() or not path.parts
            or any(part in ("", ".", "..") for part in path.parts) or len(member) > 300
        ):
            raise ImporterError(f"{name} holds a member with an unsafe path: {member[:100]!r}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ImporterError(f"{name} holds a link ({member[:100]}); links are not allowed")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_ZIP_TOTAL:
            raise ImporterError(f"{name} unpacks to more than is allowed")
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise ImporterError(f"{name} is compressed suspiciously well ({member[:100]})")
        try:
            with archive.open(info) as handle:
                content = handle.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
            raise ImporterError(f"{name}: {member[:100]} cannot be read ({exc})") from None
        if len(content) > info.file_size:
            raise ImporterError(f"{name} lies about the size of {member[:100]}")
        if path.as_posix() in members:
            raise ImporterError(f"{name} holds {member[:100]} twice")
        members[path.as_posix()] = content
    return members


def folder_files(folder: Path, *, cap: int = MAX_ZIP_TOTAL) -> dict[str, bytes]:
    """The regular files under ``folder`` by relative POSIX name (links, hidden folders and checkpoints left
    out), with the same caps as a zip."""
    found: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(relative).parts) or NEVER_READ.search(relative):
            continue
        if path.is_symlink() or not path.is_file():
            continue
        if len(found) >= MAX_ZIP_MEMBERS:
            raise ImporterError(f"{folder} holds more than {MAX_ZIP_MEMBERS} files")
        content = read_file(path, MAX_MEMBER_BYTES)
        total += len(content)
        if total > cap:
            raise ImporterError(f"{folder} holds more than {cap // (1024 * 1024)} MiB")
        found[relative] = content
    return found


def support_files(files: dict[str, bytes], notes: list[str]) -> dict[str, bytes]:
    """The files a notebook reads beside it, kept as support files where the platform's rules allow
    (catalog.support: names, depth, count and size); what is left out is said in ``notes``."""
    kept: dict[str, bytes] = {}
    for name, content in sorted(files.items()):
        parts = PurePosixPath(name).parts
        if len(parts) > MAX_DEPTH or not all(NAME_PART.match(part) for part in parts):
            notes.append(f"{name} was not kept as a support file: its name breaks the support-file rules")
            continue
        if len(kept) >= MAX_SUPPORT_FILES or sum(map(len, kept.values())) + len(content) > MAX_SUPPORT_BYTES:
            notes.append(f"{name} was not kept as a support file: support files are capped at "
                         f"{MAX_SUPPORT_FILES} files and {MAX_SUPPORT_BYTES // (1024 * 1024)} MiB")
            continue
        kept[name] = content
    return kept


def submission_notebook(path: Path) -> Any:
    """The notebook of a student's submission: an .ipynb, or the one notebook in a zip (Otter's export zip:
    its PDF and its .OTTER_LOG pickle are skipped unread)."""
    if path.suffix.lower() == ".zip":
        members = zip_members(read_file(path, MAX_ZIP_BYTES, "zip file"), path.name)
        notebooks = {name: data for name, data in members.items() if name.lower().endswith(".ipynb")}
        if len(notebooks) != 1:
            raise ImporterError(f"{path} holds {len(notebooks)} notebooks; a submission holds one")
        [(name, data)] = notebooks.items()
        return parse_notebook(data, name)
    return read_notebook(path)


# --------------------------------------------------------------------------- notebooks


def new_notebook(cells: list[Any], metadata: dict[str, Any] | None = None) -> Any:
    """A fresh notebook of ``cells`` (copies are the caller's business), Python 3 kernel, no outputs."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = nbformat.from_dict(metadata or {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    fresh = []
    for cell in cells:
        kind = cell.get("cell_type")
        meta = dict(cell.get("metadata", {}))
        if kind == "code":
            fresh.append(nbformat.v4.new_code_cell(source_of(cell), metadata=meta))
        elif kind == "markdown":
            fresh.append(nbformat.v4.new_markdown_cell(source_of(cell), metadata=meta))
        else:
            fresh.append(nbformat.v4.new_raw_cell(source_of(cell), metadata=meta))
    notebook.cells = fresh
    return notebook


def notebook_bytes(notebook: Any) -> bytes:
    text = nbformat.writes(notebook)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def code_of(notebook: Any) -> list[str]:
    return [source_of(c) for c in notebook.cells if c.get("cell_type") == "code"]


def python_source(code: str) -> str:
    """A cell's code with IPython-only lines (magics, shell escapes, ``name?``) blanked, for ``ast``."""
    lines = []
    for line in code.splitlines():
        stripped = line.strip()
        ipython_only = stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#"))
        lines.append("" if ipython_only else line)
    return "\n".join(lines)


def parse_code(code: str) -> ast.Module | None:
    try:
        return ast.parse(python_source(code))
    except (SyntaxError, ValueError):
        return None


def top_level_imports(codes: list[str]) -> tuple[list[str], set[str]]:
    """The notebook's top-level import statements (in order, once each; ``otter``, ``__future__`` and star
    imports left out) and the top-level modules they load."""
    statements: list[str] = []
    modules: set[str] = set()
    for code in codes:
        tree = parse_code(code)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
        for node in tree.body:
            if isinstance(node, ast.Import):
                kept = [a for a in node.names if a.name.split(".")[0] != "otter"]
                if kept:
                    statements.append(ast.unparse(ast.Import(names=kept)))
            elif (
                isinstance(node, ast.ImportFrom) and node.module and not node.level
                and node.module.split(".")[0] not in ("otter", "__future__")
                and not any(alias.name == "*" for alias in node.names)
            ):
                statements.append(ast.unparse(node))
    return list(dict.fromkeys(statements)), modules


def choose_image(modules: set[str], notes: list[str]) -> str:
    """The sandbox image a notebook importing ``modules`` needs ("python" or "ml"); modules neither has are
    named in ``notes``."""
    third_party = {m for m in modules if m not in sys.stdlib_module_names and m != "__future__"}
    unknown = sorted(third_party - PYTHON_IMAGE_MODULES - ML_IMAGE_MODULES)
    if unknown:
        notes.append(
            f"The notebook imports {', '.join(unknown)}, which no sandbox image has: a cell importing it fails "
            "while grading (ask for it in the image, or change the notebook)."
        )
    return "ml" if third_party & ML_IMAGE_MODULES else "python"


def markdown_title(cells: list[Any], fallback: str) -> str:
    """The notebook's title: the first Markdown cell's top heading (``# Title``), or ``fallback``."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in source_of(cell).splitlines():
            match = re.match(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", line)
            if match:
                return plain_text(match.group(1))[:120]
        break  # only the first Markdown cell: later headings name parts, not the notebook
    return fallback


def plain_text(markdown: str) -> str:
    """One line of Markdown as plain text (emphasis, code ticks and links reduced to their words)."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*`]+", "", text)
    text = re.sub(r"(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])", "", text)  # _emphasis_, not snake_case
    return " ".join(text.split())


def first_sentence(markdown: str, limit: int = 100) -> str:
    """A short title from a question's prompt: its first line, without a leading "Question 1:" label."""
    for line in markdown.splitlines():
        text = plain_text(re.sub(r"^\s{0,3}#+\s*", "", line))
        if text and not text.startswith("<!--"):
            text = re.sub(r"^(question|part|exercise|problem)\s*[\w.]*\s*[:.)-]\s*", "", text, flags=re.IGNORECASE)
            return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
    return ""


def identifier(name: str) -> str:
    """A Python identifier part from a tool's name ("q1", "cell-938593c4", "Question 2.1")."""
    text = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_").lower()
    return text or "question"
