"""Runs a notebook in the student box the way a Jupyter kernel runs it, with errors allowed.

    module, report = run_notebook("/work/solution.ipynb", "solution", student_traceback)

IPython's own ``InteractiveShell`` runs the code cells top to bottom, in this process (no kernel process, no
ZeroMQ), in a fresh module registered as ``sys.modules[name]``: the grader's ``student.<name>`` proxy reads
the notebook's globals as it reads a .py module's. IPython does what a kernel does (magics, ``display``,
top-level ``await``, per-cell errors); this file only decides what grading allows:

- a cell that raises is recorded (cell number, line within the cell, the student's traceback) and the next
  cell runs; a SyntaxError is its cell's error only;
- ``display(...)`` and the value of a cell's last expression print their ``text/plain`` form, capped
  (images and HTML are dropped); matplotlib draws headless (``MPLBACKEND=Agg``, set for the box),
  ``plt.show()`` and ``%matplotlib inline`` do nothing, and figures are closed after each cell, as the
  inline backend does;
- ``input()`` raises EOFError in the cell that calls it;
- ``name?``/``name??`` help lines are skipped; ``%%writefile``, ``%time``/``%%time`` and ``%%capture`` run
  as in Jupyter; ``%timeit``/``%%timeit`` run their code once; every other magic, and ``!cmd`` shell lines,
  are dropped with a note naming the cell;
- ``exit()`` is ignored with a note; the notebook's ``__name__`` is the module's name, as for a .py file.

Cell numbers count every cell of the notebook from the top, Markdown cells included; messages name cells,
never a generated file. The box holds nothing secret, so nothing here protects itself from the student's
code: a notebook that breaks this shell only loses its own cells.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import linecache
import re
import sys
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from IPython.core.compilerop import CachingCompiler
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.text import SList
from traitlets import Type
from traitlets.config import Config

IPYTHON_DIR = "/tmp/.ipython"  # noqa: S108 - the root is read-only; IPython makes its profile folder here
MAX_ERRORS = 20
MAX_NOTES = 20
MAX_TRACEBACK = 2000
MAX_DISPLAY = 2000  # characters of one displayed value
# The report rides in the "ready" frame, which the worker reads only up to 64 KiB (relay.HELLO_MAX_FRAME).
REPORT_BYTES = 48 * 1024
NO_INPUT = "input() cannot be answered while grading: nobody types at the keyboard here"

# Run as in Jupyter. ``timeit`` runs its code once (not thousands of times).
RUN_LINE_MAGICS = frozenset({"time", "timeit"})
RUN_CELL_MAGICS = frozenset({"writefile", "file", "time", "timeit", "capture"})
# Skipped without a note: help (``name?``, ``name??``) and settings of the interactive display.
SKIP_SILENTLY = frozenset(
    {"pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource", "pfile", "matplotlib", "config", "autoreload"}
)
AUTORELOAD = frozenset({"load_ext", "reload_ext"})  # with "autoreload": notebook boilerplate, skipped silently
SHELL_NOTE = "shell commands do not run while grading"
MAGIC_NOTE = (
    "magics other than %time, %timeit, %%time, %%timeit, %%writefile and %%capture do not run while grading"
)

TracebackText = Callable[[BaseException], str]


def cell_filename(number: int) -> str:
    return f"<cell {number}>"


def read_cells(path: str) -> list[tuple[int, str, str | None]]:
    """(number, source, check point) of each code cell; the number counts every cell from the top, starting
    at 1; the check point is the question of a test cell (``metadata.gradient.check``: the host marks
    nbgrader's test cells so, with their source removed). The host has validated the notebook and written it
    anew (sandbox.submission.notebook_for_the_box)."""
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    cells = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            marked = (cell.get("metadata") or {}).get("gradient", {}).get("check")
            check = marked if type(marked) is str and marked else None
            cells.append((number, "".join(source) if isinstance(source, list) else str(source), check))
    return cells


# `grader.check("q1")`, whatever the name of Otter's Notebook object.
OTTER_CHECK = re.compile(r"""\.check\(\s*(?:question\s*=\s*)?(['"])([^'"\n]{1,200})\1""")

CheckPoint = Callable[[dict[str, Any]], None]  # sends {"question": q}


class CheckPoints:
    """Which checks in a notebook pause it for the grader (see sandbox/README.md, "Check points").

    As in Otter, the last check of a question is the one that counts, so only that one pauses: the notebook
    is read before it runs, and a question's check point is the last cell that checks it by name (the first
    such call while that cell runs). ``check_all()`` pauses nothing: while grading, Otter's does nothing
    either, and questions never checked by name read the final state. A test cell (nbgrader's) is its
    question's check point. The worker runs each test at most once, whatever the notebook asks."""

    def __init__(self, cells: list[tuple[int, str, str | None]], send: CheckPoint) -> None:
        self.send = send
        self.cell = 0
        self.busy = False  # a check point is being served: a check made by code the grader calls is no pause
        self.fired: set[str] = set()
        self.last: dict[str, int] = {}  # question -> the cell of its last check by name
        for number, source, _check in cells:
            for match in OTTER_CHECK.finditer(source):
                self.last[match.group(2)] = number

    def check(self, question: str | None) -> None:
        """Called by the otter stub for each check while a cell runs (None: check_all, no pause)."""
        if self.busy or question is None or question in self.fired or self.cell != self.last.get(question):
            return
        self.fired.add(question)
        self.pause({"question": question})

    def test_cell(self, question: str) -> None:
        if question not in self.fired:
            self.fired.add(question)
            self.pause({"question": question})

    def pause(self, frame: dict[str, Any]) -> None:
        self.busy = True
        try:
            self.send(frame)
        finally:
            self.busy = False


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


class Record:
    """What happened cell by cell: the errors and the notes for the student."""

    def __init__(self, traceback_text: TracebackText) -> None:
        self.traceback_text = traceback_text
        self.cell = 0  # the cell running now
        self.errors: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.omitted_errors = 0
        self.omitted_notes = 0

    def cell_line(self) -> int | None:
        """The line of the running cell that is executing now (found on the live stack)."""
        name = cell_filename(self.cell)
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == name:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def where(self, line: int | None) -> str:
        return f"Cell {self.cell}" + (f", line {line}" if line else "")

    def note(self, text: str) -> None:
        if text in self.notes:
            return
        if len(self.notes) >= MAX_NOTES:
            self.omitted_notes += 1
            return
        self.notes.append(text)

    def skipped(self, what: str, why: str) -> None:
        what = shorten(" ".join(what.split()), 80)
        self.note(f"{self.where(self.cell_line())}: `{what}` was skipped: {why}.")

    def error(self, exc: BaseException | None) -> None:
        if exc is None:
            return
        if len(self.errors) >= MAX_ERRORS:
            self.omitted_errors += 1
            return
        name = cell_filename(self.cell)
        line = None
        if isinstance(exc, SyntaxError) and exc.filename == name and type(exc.lineno) is int:
            line = exc.lineno
            raw = linecache.getline(name, line)  # the student's line (CellCompiler), not IPython's rewrite
            if raw and exc.text is not None and raw.strip() != exc.text.strip():
                exc.text, exc.offset, exc.end_offset = raw, None, None
        else:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == name]
            line = frames[0].lineno if frames else self.cell_line()
        try:
            text = self.traceback_text(exc).rstrip("\n")
            only = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
        except Exception:  # noqa: BLE001 - a hostile __str__ must not stop the notebook
            text = only = f"{type(exc).__name__}: <unprintable message>"
        if isinstance(exc, SyntaxError) or not text.endswith(only):
            # "  Cell 3, line 1 / the line / ^ / SyntaxError: ...": the last line is the error
            frames_text, _, error = text.rpartition("\n")
        else:
            frames_text, error = text[: len(text) - len(only)], only
        self.errors.append({
            "cell": self.cell,
            "line": line,
            "error": shorten(error.strip() or type(exc).__name__, 500),
            "traceback": frames_text.rstrip("\n")[-MAX_TRACEBACK:],
        })

    def report(self) -> dict[str, Any]:
        """The errors and notes, as few as fit in REPORT_BYTES (the rest counted as omitted)."""
        report = {"errors": self.errors, "notes": self.notes}
        while len(json.dumps(report)) > REPORT_BYTES and (self.errors or self.notes):
            if len(self.errors) >= len(self.notes):
                self.errors.pop()
                self.omitted_errors += 1
            else:
                self.notes.pop()
                self.omitted_notes += 1
        return {**report, "omitted_errors": self.omitted_errors, "omitted_notes": self.omitted_notes}


class CellCompiler(CachingCompiler):
    """Compiles each cell under the name ``<cell N>`` (N: the cell's number in the notebook, which the shell
    passes as its execution count), so tracebacks say which cell, and quotes the student's own lines."""

    def get_code_name(self, raw_code: str, transformed_code: str, number: int) -> str:
        return cell_filename(number)

    def cache(self, transformed_code: str, number: int = 0, raw_code: str | None = None) -> str:
        name = super().cache(transformed_code, number, raw_code)
        # IPython rewrites `%time f()` as get_ipython().run_line_magic(...), line for line (and a cell magic's
        # whole cell as one such line): tracebacks quote what the student wrote instead.
        if raw_code is not None and (
            len(raw_code.splitlines()) == len(transformed_code.splitlines()) or raw_code.startswith("%%")
        ):
            lines = [line + "\n" for line in raw_code.splitlines()]
            linecache.cache[name] = (len(raw_code), None, lines, name)
        return name


# The text form of IPython's own rich objects (HTML, Markdown, Image...): nothing a student wants to read.
RICH_ONLY = re.compile(r"<IPython\.(core|lib)\.display\.\w+ object>")


def show_text(data: Any) -> None:
    """Print the text/plain form of a displayed value, capped (nothing for images, HTML and the like)."""
    text = data.get("text/plain") if isinstance(data, dict) else None
    if isinstance(text, str) and not RICH_ONLY.fullmatch(text):
        print(shorten(text, MAX_DISPLAY))


class TextDisplayHook(DisplayHook):
    """The value of a cell's last expression: its text form, capped, with no ``Out[n]:`` prompt."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
        show_text(format_dict)

    def log_output(self, format_dict: dict[str, Any]) -> None:
        pass


class TextDisplayPublisher(DisplayPublisher):
    """``display(...)``: the text form of what is shown, capped; images, HTML and the like are dropped."""

    def publish(self, data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> None:
        show_text(data)

    def clear_output(self, wait: bool = False) -> None:
        pass


class NotebookShell(InteractiveShell):
    """IPython's shell, with what grading needs: errors recorded (not printed), no GUI, no shell commands,
    only the magics that compute (see the module docstring)."""

    compiler_class = Type(CellCompiler)
    displayhook_class = Type(TextDisplayHook)
    display_pub_class = Type(TextDisplayPublisher)
    record: Record

    # ------------------------------------------------------------------ errors: recorded for the student

    def showtraceback(self, exc_tuple: Any = None, *args: Any, **kwargs: Any) -> None:
        self.record.error((exc_tuple or sys.exc_info())[1])

    def showsyntaxerror(self, filename: str | None = None, running_compiled_code: bool = False) -> None:
        self.record.error(sys.exc_info()[1])

    def showindentationerror(self) -> None:
        self.record.error(sys.exc_info()[1])

    # ------------------------------------------------------------------ what a box has no use for

    @contextlib.contextmanager
    def _tee(self, channel: str) -> Iterator[None]:
        """IPython 9 keeps a copy of everything a cell prints, for its history: not here (output is capped
        from outside the box, and a flood must not become a memory error)."""
        yield

    def enable_gui(self, gui: Any = None) -> None:
        pass

    def ask_exit(self) -> None:
        self.record.skipped("exit()", "the notebook runs to its end while grading")

    def system(self, cmd: str) -> None:
        self.record.skipped(f"!{cmd}", SHELL_NOTE)

    system_piped = system_raw = system

    def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> Any:
        self.record.skipped(f"!{cmd}", SHELL_NOTE)
        return SList() if split else ""

    # ------------------------------------------------------------------ magics

    def run_line_magic(self, magic_name: str, line: str, _stack_depth: int = 1) -> Any:
        if magic_name in SKIP_SILENTLY or (magic_name in AUTORELOAD and line.strip() == "autoreload"):
            return None
        if magic_name == "timeit":
            return self._run_once(line, None)
        if magic_name in RUN_LINE_MAGICS:
            return super().run_line_magic(magic_name, line, _stack_depth=_stack_depth + 1)
        self.record.skipped(f"%{magic_name} {line}", MAGIC_NOTE)
        return None

    def run_cell_magic(self, magic_name: str, line: str, cell: str) -> Any:
        if magic_name in SKIP_SILENTLY:
            return None
        if magic_name == "timeit":
            return self._run_once(line, cell)
        if magic_name in RUN_CELL_MAGICS:
            return super().run_cell_magic(magic_name, line, cell)
        self.record.skipped(f"%%{magic_name} {line}", MAGIC_NOTE)
        return None

    def _run_once(self, line: str, cell: str | None) -> None:
        """``%timeit stmt`` / ``%%timeit setup`` + body: the code runs once, untimed."""
        execution = self.magics_manager.registry["ExecutionMagics"]
        _opts, statement = execution.parse_options(
            line, "n:r:tcp:qov:", posix=False, strict=False, preserve_non_opts=True
        )
        source = statement if cell is None else statement + "\n" + cell
        # The student's code, in the student's box (a name that is not a cell's: only the magic's line shows).
        exec(compile(source, "<timeit>", "exec"), self.user_global_ns, self.user_ns)  # noqa: S102


def no_input(*_args: Any, **_kwargs: Any) -> str:
    raise EOFError(NO_INPUT)


def close_figures() -> None:
    """As the inline backend does after each cell: the cell's figures are done (and their memory freed)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        try:
            pyplot.close("all")
        except Exception:  # noqa: BLE001, S110 - the student may have replaced pyplot: their cells, their loss
            pass


def make_shell(module: types.ModuleType, record: Record) -> NotebookShell:
    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file
    config.InteractiveShell.xmode = "Plain"
    config.InteractiveShell.warn_venv = False
    config.DisplayFormatter.active_types = ["text/plain"]  # never render a PNG or HTML nobody sees
    shell = NotebookShell.instance(config=config, user_module=module, ipython_dir=IPYTHON_DIR)
    shell.record = record
    return shell


def run_notebook(
    path: str, module_name: str, traceback_text: TracebackText, check_point: Callable[[dict[str, Any], types.ModuleType], None] | None = None
) -> tuple[types.ModuleType, dict[str, Any]]:
    """Run the notebook's code cells in a new module ``module_name`` (also ``sys.modules[module_name]``);
    the module and the report of errors and notes (for the "ready" frame). ``check_point(frame, module)``
    pauses the notebook at a check point while the grader runs that question's tests (see CheckPoints)."""
    cells = read_cells(path)
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    record = Record(traceback_text)
    shell = make_shell(module, record)
    points = CheckPoints(cells, lambda frame: check_point(frame, module) if check_point else None)
    otter = sys.modules.get("otter") or importlib.import_module("otter")
    otter.hook = points.check  # type: ignore[attr-defined]
    builtins.input = no_input
    # Agg cannot show a window; plt.show() says so with a warning that would only confuse here.
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    warnings.filterwarnings("ignore", message="To exit: use")  # IPython's hint after sys.exit() in a cell
    for number, source, check in cells:
        record.cell = points.cell = number
        if check is not None:  # a test cell: its own code never runs here; the grader runs its question
            points.test_cell(check)
            continue
        shell.execution_count = number  # CellCompiler names the cell's code after it
        importlib.invalidate_caches()  # a module written by an earlier cell (%%writefile) can be imported
        try:
            shell.run_cell(source, store_history=False)
        except BaseException as exc:  # noqa: BLE001 - the student's code broke the shell: this cell's error
            record.error(exc)
        close_figures()
        sys.stdout.flush()
    return module, record.report()
