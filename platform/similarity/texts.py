"""What a submission is compared as: its code only, as one text.

- A notebook (``.ipynb``, read with nbformat): its code cells in order, each under a header line naming the
  cell; IPython magics and shell escapes (lines starting with ``%`` or ``!``) are left out, Markdown, outputs
  and metadata too.
- Python files (``.py``): in name order, each under a header line naming it.
- Anything else (data files) is not code, and is left out.

Header lines are comments, which the tokenizer drops: they help a reader and never make two texts match.
The starter code is turned into text the same way, so its fingerprints can be taken out (similarity.compare).
"""

from __future__ import annotations

from collections.abc import Mapping

import nbformat

MAGIC_PREFIXES = ("%", "!")


class Unreadable(Exception):
    """A file that is meant to be code but cannot be read as such (a broken notebook)."""


def _decode(content: bytes) -> str:
    """Text with one kind of line end and no NUL (offsets and line numbers must mean the same everywhere)."""
    text = content.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def notebook_code(name: str, content: bytes) -> str:
    try:
        notebook = nbformat.reads(_decode(content), as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and version errors of many kinds
        raise Unreadable(f"{name} is not a notebook nbformat can read ({type(exc).__name__})") from exc
    parts = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):  # nbformat joins these; a hand-made notebook may not
            source = "".join(str(line) for line in source)
        lines = [line for line in str(source).split("\n") if not line.lstrip().startswith(MAGIC_PREFIXES)]
        code = "\n".join(lines).strip("\n")
        if code.strip():
            parts.append(f"# ---- {name}, cell {number} ----\n{code}\n")
    return "\n".join(parts)


def compared_text(files: Mapping[str, bytes]) -> str:
    """The code of a submission (or of a starter), as one text; "" when it holds no code.
    Raises Unreadable for a notebook that cannot be read."""
    parts = []
    for name in sorted(files):
        lower = name.lower()
        if lower.endswith(".ipynb"):
            code = notebook_code(name, files[name])
            if code:
                parts.append(code)
        elif lower.endswith(".py"):
            code = _decode(files[name]).strip("\n")
            if code.strip():
                parts.append(f"# ==== {name} ====\n{code}\n")
    return storable("\n".join(parts))


def storable(text: str) -> str:
    """Text PostgreSQL can store: no NUL (a notebook's JSON may escape one as \\u0000) and no lone surrogate
    (\\ud800), each of which would fail the whole report when its pair is saved."""
    return text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")
