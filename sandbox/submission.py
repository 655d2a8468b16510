"""Turns what a student uploaded (a .py file, several files, a .zip or a notebook) into checked files.

Everything here reads untrusted bytes on the host, so it never extracts to disk and never follows a path:
names are checked as strings, sizes are counted before anything is kept, and a notebook is parsed and
validated with nbformat, then stored as ``<module>.ipynb`` with its outputs, execution counts and metadata
cleared: the student box runs its cells the way a kernel would (sandbox/runners/notebook_runner.py).
A submission that cannot be loaded raises :class:`NotGradable` with a sentence for the student.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sandbox.config import DEFAULT_MAX_UPLOAD_BYTES, SandboxConfig
from sandbox.errors import NotGradable

MAX_FILES = 50
MAX_FILE_BYTES = 1024 * 1024
# The defaults of the total and notebook caps; a deployment sets both with GRADIENT_MAX_UPLOAD_BYTES
# (SandboxConfig.max_upload_bytes, max_notebook_bytes), which load_submission takes from its config.
MAX_TOTAL_BYTES = DEFAULT_MAX_UPLOAD_BYTES
MAX_ZIP_RATIO = 100
MAX_NOTEBOOK_BYTES = DEFAULT_MAX_UPLOAD_BYTES
ALLOWED_SUFFIXES = frozenset({".py", ".ipynb", ".txt", ".md", ".json", ".csv", ".toml", ".yaml", ".yml"})
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")


@dataclass
class LoadedSubmission:
    files: dict[str, bytes]
    notes: list[str] = field(default_factory=list)


def check_name(name: str) -> str:
    """A safe relative POSIX path, or NotGradable."""
    if "\\" in name or "\x00" in name:
        raise NotGradable(f"The file name {name[:100]!r} is not allowed.")
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("..", ".") for part in path.parts):
        raise NotGradable(f"The path {name[:100]!r} is not allowed: use plain relative file names.")
    if len(path.parts) > 4 or not all(NAME_PATTERN.match(part) for part in path.parts):
        raise NotGradable(
            f"The file name {name[:100]!r} is not allowed: use letters, digits, '_', '-' and '.' only."
        )
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        raise NotGradable(f"Files of type {path.suffix or '(none)'} are not accepted ({name[:100]}).")
    return str(path)


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def _add(files: dict[str, bytes], name: str, content: bytes, max_total: int) -> None:
    name = check_name(name)
    if name in files:
        raise NotGradable(f"The file {name} was submitted twice.")
    clash = next((f for f in files if f.startswith(name + "/") or name.startswith(f + "/")), None)
    if clash is not None:  # a file and a folder of the same name cannot both be written into the box
        raise NotGradable(f"{clash} and {name} cannot both be submitted: one is a file, the other needs a folder of that name.")
    if len(content) > MAX_FILE_BYTES:
        raise NotGradable(f"The file {name} is larger than {MAX_FILE_BYTES // 1024} KiB.")
    if len(files) >= MAX_FILES:
        raise NotGradable(f"A submission may hold at most {MAX_FILES} files.")
    if sum(map(len, files.values())) + len(content) > max_total:
        raise NotGradable(f"The submission is larger than {_size(max_total)} in all.")
    files[name] = content


# What zip tools and Otter-Grader's export put beside a student's work: never read, never graded. (Otter's
# .OTTER_LOG is a pickle: skipping it unread means nothing ever deserialises it.)
IGNORED_IN_ZIP = re.compile(
    r"(^|/)(__MACOSX|\.ipynb_checkpoints)/|(^|/)(\.DS_Store|\.OTTER_LOG|Thumbs\.db)$|\.pdf$", re.IGNORECASE
)


@dataclass
class ZipContents:
    files: dict[str, bytes]  # checked names, each at most MAX_FILE_BYTES
    notebooks: dict[str, bytes]  # .ipynb members, each at most the notebook cap (checked by the caller)
    ignored: list[str]  # members skipped unread (IGNORED_IN_ZIP)


def read_zip(data: bytes, max_total: int = MAX_TOTAL_BYTES, *, max_notebook: int = MAX_NOTEBOOK_BYTES) -> ZipContents:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotGradable(f"The zip file could not be read ({exc}).") from exc
    contents = ZipContents(files={}, notebooks={}, ignored=[])
    declared_total = 0
    for info in infos:
        if info.is_dir():
            continue
        if IGNORED_IN_ZIP.search(info.filename):
            contents.ignored.append(info.filename[:100])
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise NotGradable(f"The zip file holds a link ({info.filename[:100]}); links are not allowed.")
        notebook = info.filename.lower().endswith(".ipynb")
        cap = max_notebook if notebook else MAX_FILE_BYTES
        declared_total += info.file_size
        if info.file_size > cap or declared_total > max_total:
            raise NotGradable("The zip file unpacks to more than is allowed.")
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
            raise NotGradable(f"The zip file is compressed suspiciously well ({info.filename[:100]}).")
        try:
            with archive.open(info) as member:
                content = member.read(cap + 1)  # never trust the declared size
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
            raise NotGradable(f"The zip file could not be read ({exc}).") from exc
        if len(content) > info.file_size:
            raise NotGradable("The zip file lies about its sizes.")
        if notebook:
            name = check_name(info.filename)
            if name in contents.notebooks:
                raise NotGradable(f"The file {name} was submitted twice.")
            contents.notebooks[name] = content
        else:
            _add(contents.files, info.filename, content, max_total)
    return contents


MAGIC_LINE = re.compile(r"^\s*(%|!)")


def read_notebook(data: bytes, name: str = "notebook.ipynb", *, max_bytes: int = MAX_NOTEBOOK_BYTES) -> Any:
    """The notebook in ``data``, read and validated with nbformat (as version 4), or NotGradable.
    ``max_bytes``: the largest notebook accepted (``SandboxConfig.max_notebook_bytes`` for uploads)."""
    import nbformat

    if len(data) > max_bytes:
        raise NotGradable(f"The notebook is larger than {_size(max_bytes)}.")
    try:
        text = data.decode("utf-8")
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except UnicodeDecodeError as exc:
        raise NotGradable(f"{name} is not UTF-8 text, so it is not a notebook.") from exc
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken notebooks
        first_line = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise NotGradable(f"{name} is not a valid Jupyter notebook: {first_line}") from exc
    return notebook


NBGRADER_GRADE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def nbgrader_test_cell(cell: Any) -> str | None:
    """The grade_id of an nbgrader autograder test cell (``metadata.nbgrader``: grade true, solution false),
    which is also the question its tests form in an imported exercise; None for any other cell."""
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    if not isinstance(meta, dict) or meta.get("grade") is not True or meta.get("solution") is True:
        return None
    grade_id = meta.get("grade_id")
    return grade_id if isinstance(grade_id, str) and NBGRADER_GRADE_ID.match(grade_id) else None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def notebook_for_the_box(data: bytes, name: str = "notebook.ipynb", *, max_bytes: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The notebook as the student box gets it: validated, then written anew as nbformat 4.5 with only each
    code cell's id and source. Outputs, execution counts, attachments and metadata are the student's own
    (never trusted, and often most of the bytes: plots, embedded images), so they are dropped; Markdown and
    raw cells stay as empty cells, so that cell numbers in messages are the notebook's own. What is left is
    about the size of the code, and must fit the cap of one file like a module."""
    notebook = read_notebook(data, name, max_bytes=max_bytes)
    cells: list[dict[str, Any]] = []
    for number, cell in enumerate(notebook.cells, start=1):
        kind = cell.get("cell_type")
        if kind not in ("code", "markdown", "raw"):
            continue
        source = str(cell.get("source", ""))
        if kind == "code" and not _encodable(source):
            # JSON may escape a lone surrogate (\\ud800): no file, no interpreter can hold it.
            raise NotGradable(
                f"Cell {number} of {name} holds text that is not valid Unicode (a lone surrogate such as \\ud800): "
                "remove it and submit again."
            )
        cell_id = cell.get("id")
        fresh: dict[str, Any] = {
            "cell_type": kind,
            "id": cell_id if isinstance(cell_id, str) and cell_id else f"cell-{number}",
            "metadata": {},
            "source": source if kind == "code" else "",
        }
        test_of = nbgrader_test_cell(cell) if kind == "code" else None
        if test_of is not None:
            # An nbgrader test cell is a check point; its code (the student's copy, perhaps changed) never runs:
            # the hidden grader runs the question's tests from the instructor's source there instead.
            fresh.update(source="", metadata={"gradient": {"check": test_of}})
        if kind == "code":
            fresh.update(execution_count=None, outputs=[])
        cells.append(fresh)
    fresh_notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return (json.dumps(fresh_notebook, ensure_ascii=False, indent=1) + "\n").encode()


def notebook_to_module(
    data: bytes, name: str = "notebook.ipynb", *, max_bytes: int = MAX_NOTEBOOK_BYTES
) -> tuple[bytes, list[str]]:
    """The notebook's code cells, in order, as one module; magics and shell escapes dropped with a note.

    Only for reading a notebook as code on the host: the static checks of ``check_exercises`` and running an
    exercise's public tests against its reference. Submissions are not flattened: the student box runs a
    notebook's cells the way a kernel would (``notebook_for_the_box``, sandbox/runners/notebook_runner.py)."""
    notebook = read_notebook(data, name, max_bytes=max_bytes)
    lines: list[str] = []
    dropped = 0
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        lines.append(f"# --- cell {index} ---")
        for line in str(cell.get("source", "")).splitlines():
            if MAGIC_LINE.match(line):
                dropped += 1
                lines.append(f"pass  # dropped: {line.strip()[:80]}")
            else:
                lines.append(line)
    notes = []
    if dropped:
        notes.append(
            f"{dropped} line(s) with IPython magics or shell commands (starting with % or !) were skipped: "
            "the grader runs your notebook as plain Python."
        )
    return ("\n".join(lines) + "\n").encode(), notes


def load_submission(
    uploads: Mapping[str, bytes], *, expected_files: Sequence[str], config: SandboxConfig
) -> LoadedSubmission:
    """Check and normalise uploaded files for an exercise that expects ``expected_files``.

    ``uploads`` maps the uploaded file names to their bytes: one .py, several files, a .zip or a .ipynb.
    A notebook stands for the first expected module and is stored under its name (e.g. ``solution.ipynb``
    for ``solution.py``; see :func:`notebook_for_the_box`): the student box runs it cell by cell. A
    submission holds the module or a notebook, never both. The caps on the whole submission and on a
    notebook are ``config.max_upload_bytes`` and ``config.max_notebook_bytes``.
    """
    max_total = config.max_upload_bytes
    if not uploads:
        raise NotGradable("No file was submitted.")
    files: dict[str, bytes] = {}
    notes: list[str] = []
    module_name = next((f for f in expected_files if f.endswith(".py")), "solution.py")
    notebook_name = str(PurePosixPath(module_name).with_suffix(".ipynb"))
    notebooks: dict[str, bytes] = {}  # uploaded as they are, or found in a zip: the work, once checked
    ignored: list[str] = []
    for name, content in uploads.items():
        base = PurePosixPath(name.replace("\\", "/")).name
        lower = base.lower()
        if lower.endswith(".zip"):
            contents = read_zip(content, max_total, max_notebook=config.max_notebook_bytes)
            for inner, inner_content in contents.files.items():
                _add(files, inner, inner_content, max_total)
            for inner, inner_content in contents.notebooks.items():
                if inner in notebooks:
                    raise NotGradable(f"The file {inner} was submitted twice.")
                notebooks[inner] = inner_content
            ignored += contents.ignored
        elif lower.endswith(".ipynb"):
            if base in notebooks:
                raise NotGradable(f"The file {base} was submitted twice.")
            notebooks[base] = content
        else:
            _add(files, base, content, max_total)
    if notebooks:
        # A notebook (uploaded, or in a zip: Otter's export, a zipped folder) is the work.
        listed = ", ".join(sorted(notebooks))
        if module_name in files:
            raise NotGradable(f"The submission holds notebook(s) ({listed}) besides {module_name}: submit one or the other.")
        if len(notebooks) > 1:
            raise NotGradable(
                f"The submission holds {len(notebooks)} notebooks ({listed}): submit only the one for this exercise."
            )
        [(inner, content)] = notebooks.items()
        name = PurePosixPath(inner).name
        _add(files, notebook_name, notebook_for_the_box(content, name, max_bytes=config.max_notebook_bytes), max_total)
    if ignored:
        shown = ", ".join(sorted(ignored)[:8]) + (", ..." if len(ignored) > 8 else "")
        notes.append(f"Ignored what the zip held besides your work (not read, not graded): {shown}.")

    def present(name: str) -> bool:  # the notebook stands for the module
        return name in files or (name == module_name and notebook_name in files)

    # Accept a zip whose files sit in one top folder (what most zip tools make).
    if not all(present(f) for f in expected_files):
        roots = {PurePosixPath(f).parts[0] for f in files}
        if len(roots) == 1 and all(len(PurePosixPath(f).parts) > 1 for f in files):
            root = roots.pop()
            files = {str(PurePosixPath(f).relative_to(root)): c for f, c in files.items()}
    if module_name in files and notebook_name in files:
        raise NotGradable(f"The submission holds both {module_name} and {notebook_name}: submit one or the other.")
    missing = [f for f in expected_files if not present(f)]
    if missing:
        got = ", ".join(sorted(files)) or "nothing"
        raise NotGradable(f"Expected {', '.join(expected_files)} but got {got}. Check the file name(s).")
    for name, content in files.items():
        if name.endswith(".py"):
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise NotGradable(
                    f"{name} is not UTF-8 text (byte {exc.start} cannot be read). Save the file as UTF-8."
                ) from exc
    return LoadedSubmission(files=files, notes=notes)
