"""Submitted files as staff read them on the review page (web/staff_review.py): source highlighted by Pygments
one line per element, notebooks cell by cell with their outputs.

Everything here is a student's: file names, source, notebook cells and outputs. Source goes through Pygments,
whose HTML formatter escapes every token (its output is the only text marked safe, line by line); everything
else reaches the template as plain text, which Django escapes. A notebook's outputs are shown only as escaped
text (streams, text/plain, tracebacks with their terminal escape sequences removed) or as PNG/JPEG images
whose bytes were decoded and checked; HTML, SVG, JavaScript and every other rich output is never rendered,
only named, with its text escaped in a collapsed block (docs/review.md says why).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

import nbformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import PythonLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

MAX_HIGHLIGHTED_CHARS = 256 * 1024  # a longer file is shown as plain (escaped) lines: Pygments' time grows with it
MAX_OUTPUT_CHARS = 20_000  # of one notebook output's text
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # of one decoded notebook image
MAX_RAW_CHARS = 200_000  # of a broken notebook's raw text
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
IMAGE_MAGIC = {"image/png": PNG_MAGIC, "image/jpeg": JPEG_MAGIC}
RICH_LABELS = {
    "text/html": "HTML",
    "image/svg+xml": "SVG",
    "application/javascript": "JavaScript",
    "text/javascript": "JavaScript",
    "text/markdown": "Markdown",
    "text/latex": "LaTeX",
    "application/json": "JSON",
}

# Pygments' token classes only (site.css holds their colours, from get_style_defs): no inline styles, which the
# Content-Security-Policy forbids; nowrap, since each line goes into its own element.
FORMATTER = HtmlFormatter(nowrap=True, noclasses=False)

# Terminal escape sequences (CSI, OSC/DCS/SOS/PM/APC, two-character escapes, and their 8-bit forms), as
# tracebacks and coloured streams carry them; then the control characters left over. The bidirectional
# overrides and isolates are controls too: in source they can make code read otherwise than it runs.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?",
    re.DOTALL,
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


@dataclass
class Line:
    number: int  # from 1
    html: SafeString  # Pygments' escaped, highlighted HTML of this one line
    anchor: str  # its element's id: f<file index>-L<line>, in a notebook f<file index>-cell-<cell index>-L<line>
    comments: list[Any] = field(default_factory=list)  # graders' comments on it (web/marking_pages.py)


@dataclass
class Code:
    lines: list[Line]
    controls: int = 0  # invisible control characters shown as U+FFFD
    plain: bool = False  # too long to highlight: escaped lines without colours


@dataclass
class Output:
    kind: str  # "text", "error", "image" or "withheld"
    text: str = ""
    label: str = ""  # a stream's name, or what a withheld output is ("HTML", "SVG", "application/x-foo")
    size: int = 0  # a withheld output's bytes
    data_uri: str = ""  # an image's, rebuilt from its checked bytes
    note: str = ""


@dataclass
class Cell:
    index: int  # from 0, as grading.models.Comment.cell counts
    anchor: str  # its element's id: f<file index>-cell-<index>
    kind: str  # "code", "markdown", "raw" (anything else is shown as raw)
    source: str
    code: Code | None = None  # a code cell's highlighted source
    outputs: list[Output] = field(default_factory=list)
    execution_count: int | None = None
    comments: list[Any] = field(default_factory=list)  # graders' comments on it (web/marking_pages.py)

    @property
    def number(self) -> int:
        """From 1, as the grader's messages name cells ("Cell 3")."""
        return self.index + 1


@dataclass
class ShownFile:
    index: int  # its place in the submission, files ordered by name (ids on the page: f<index>-...)
    name: str
    size: int
    kind: str  # "code", "notebook", "binary" or "empty"
    code: Code | None = None
    cells: list[Cell] = field(default_factory=list)
    error: str = ""  # a notebook that could not be read, in words
    raw: str = ""  # that notebook's text, shown escaped
    notes: list[str] = field(default_factory=list)


def clean_output(text: str, cap: int = MAX_OUTPUT_CHARS) -> str:
    """Text from a notebook output, inert as text: terminal escapes removed, other controls replaced, capped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(REPLACEMENT, _ESCAPES.sub("", text))
    return text if len(text) <= cap else text[:cap] + f"\n… ({len(text) - cap} more characters not shown)"


def _lexer(name: str) -> Lexer:
    # stripnl=False: Pygments would otherwise drop leading and trailing blank lines, and the numbers would shift.
    try:
        return get_lexer_for_filename(name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=True)


def highlight_code(text: str, lexer: Lexer, anchor: str) -> Code:
    """``text`` as numbered lines of escaped, highlighted HTML, one per source line, each with the id
    ``<anchor>-L<number>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, controls = _CONTROLS.subn(REPLACEMENT, text)
    if not text:
        return Code([], controls)
    source_lines = text.split("\n")
    if text.endswith("\n"):
        source_lines.pop()
    plain = len(text) > MAX_HIGHLIGHTED_CHARS
    html_lines: list[str] = []
    if not plain:
        html = highlight(text, lexer, FORMATTER)  # every line's spans are closed on that line
        html_lines = html.split("\n")[:-1]
    if len(html_lines) != len(source_lines):
        # Too long, or a lexer that split lines otherwise: escaped text, still one element per line.
        html_lines = [escape(line) for line in source_lines]
    return Code(
        # Pygments escaped every token (and escape() the plain lines): the one student text marked safe.
        [Line(n, mark_safe(html), f"{anchor}-L{n}") for n, html in enumerate(html_lines, 1)],  # noqa: S308
        controls,
        plain=plain,
    )


def _text(value: Any) -> str:
    """A notebook's multi-line string (a string, or a list of strings in the file), or "" for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return ""


def _image(mime: str, value: Any) -> Output:
    label = mime.split("/")[-1].upper()
    encoded = "".join(_text(value).split())
    if len(encoded) * 3 // 4 > MAX_IMAGE_BYTES:
        return Output("withheld", label=f"{label} image", size=len(encoded) * 3 // 4,
                      note=f"larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return Output("withheld", label=f"{label} image", size=len(encoded), note="not valid base64")
    if not data.startswith(IMAGE_MAGIC[mime]):
        return Output("withheld", label=f"{label} image", size=len(data), note=f"its bytes are not a {label} image")
    return Output("image", label=f"{label} image", size=len(data),
                  data_uri=f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}")


def _withheld(mime: str, value: Any) -> Output:
    text = _text(value) if isinstance(value, str | list) else json.dumps(value, ensure_ascii=False, default=str)
    label = RICH_LABELS.get(mime, mime[:100] or "unnamed")
    return Output("withheld", text=clean_output(text), label=label, size=len(text.encode("utf-8", "replace")))


def _rich(data: Any) -> list[Output]:
    """An execute_result's or display_data's outputs: checked images and text/plain; the rest withheld."""
    if not isinstance(data, dict):
        return []
    shown: list[Output] = []
    withheld: list[Output] = []
    for mime, value in data.items():
        mime = str(mime)
        if mime in IMAGE_MAGIC:
            output = _image(mime, value)
            (shown if output.kind == "image" else withheld).append(output)
        elif mime != "text/plain":
            withheld.append(_withheld(mime, value))
    if "text/plain" in data and not any(o.kind == "image" for o in shown):
        shown.append(Output("text", text=clean_output(_text(data["text/plain"]))))  # an image says it better
    return shown + withheld


def _outputs(raw: Any) -> list[Output]:
    outputs: list[Output] = []
    for output in raw if isinstance(raw, list) else []:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            outputs.append(Output("text", text=clean_output(_text(output.get("text"))), label=str(output.get("name", ""))[:20]))
        elif kind == "error":
            traceback = output.get("traceback")
            text = "\n".join(str(line) for line in traceback) if isinstance(traceback, list) else ""
            text = text or f"{output.get('ename', '')}: {output.get('evalue', '')}"
            outputs.append(Output("error", text=clean_output(text)))
        elif kind in ("execute_result", "display_data"):
            outputs.extend(_rich(output.get("data")))
        else:
            outputs.append(_withheld(f"output of type {str(kind)[:40]}", output))
    return outputs


def read_notebook(shown: ShownFile, content: bytes) -> None:
    """Fill ``shown`` with the notebook's cells, or with an error and the raw text when it cannot be read."""
    text = content.decode("utf-8", errors="replace")
    problems: dict[str, Any] = {}
    try:
        notebook = nbformat.reads(text, as_version=4, capture_validation_error=problems)
        cells = notebook.get("cells")
        if not isinstance(cells, list):
            raise ValueError("it has no list of cells")
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds (JSON, schema, conversion) for broken files
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        shown.kind = "broken_notebook"
        shown.error = f"This file could not be read as a Jupyter notebook: {first}"
        shown.raw = clean_output(text, MAX_RAW_CHARS)
        return
    if "ValidationError" in problems:
        message = str(problems["ValidationError"]).strip().splitlines()
        shown.notes.append("The notebook does not follow the notebook format"
                           + (f": {message[0][:300]}" if message else "") + "; its cells are shown as far as they go.")
    python = PythonLexer(stripnl=False, ensurenl=True)
    for index, raw in enumerate(cells):
        if not isinstance(raw, dict):
            continue
        kind = raw.get("cell_type") if raw.get("cell_type") in ("code", "markdown", "raw") else "raw"
        source = _text(raw.get("source"))
        anchor = f"f{shown.index}-cell-{index}"
        cell = Cell(index=index, anchor=anchor, kind=str(kind), source=clean_output(source, MAX_RAW_CHARS))
        if kind == "code":
            cell.code = highlight_code(source, python, anchor)
            cell.outputs = _outputs(raw.get("outputs"))
            count = raw.get("execution_count")
            cell.execution_count = count if isinstance(count, int) and not isinstance(count, bool) else None
        shown.cells.append(cell)


def show_file(index: int, name: str, content: bytes) -> ShownFile:
    """One submitted file as the review page shows it."""
    shown = ShownFile(index=index, name=name, size=len(content), kind="code")
    if name.lower().endswith(".ipynb"):
        shown.kind = "notebook"
        read_notebook(shown, content)
        return shown
    if not content:
        shown.kind = "empty"
        return shown
    if b"\x00" in content[:8192]:
        shown.kind = "binary"
        return shown
    text = content.decode("utf-8", errors="replace")
    if REPLACEMENT in text and REPLACEMENT.encode() not in content:
        shown.notes.append("Some bytes are not UTF-8; they are shown as \ufffd.")
    shown.code = highlight_code(text, _lexer(name), f"f{index}")
    if shown.code.controls:
        shown.notes.append(
            f"{shown.code.controls} invisible control character{'s' if shown.code.controls != 1 else ''} "
            "(such as bidirectional overrides, which make code read otherwise than it runs) shown as \ufffd."
        )
    if shown.code.plain:
        shown.notes.append("Too long to colour: shown as plain text.")
    return shown
