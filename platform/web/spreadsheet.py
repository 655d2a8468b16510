"""Text cells of the CSV files the site writes, made safe to open in a spreadsheet (CSV injection).

A spreadsheet runs a cell as a formula when it starts with ``=``, ``+``, ``-`` or ``@`` (a tab or carriage
return before one is dropped by some importers). Where a cell starts depends on the reader: a locale whose
decimal mark is a comma splits on ``;``, some importers split on tabs or ignore quotes, and some fold
full-width forms (``＝``, ``＋``) into ASCII. So, following OWASP's CSV-injection guidance, a text cell gets a
``'`` before every formula character that could begin a cell: at its start and after any separator (with only
spaces or a double quote between). The ``'`` makes the spreadsheet show the rest as text. Numbers the site
writes itself (scores) are not text cells and never pass through here.
"""

from __future__ import annotations

import unicodedata

FORMULA_START = frozenset("=+-@\t\r")
# Where a reader may start a new cell: the comma, the semicolon of comma-decimal locales, tabs and line breaks
# (for readers that ignore quotes), and their full-width forms.
SEPARATORS = frozenset(",;\t\r\n\uff0c\uff1b")


def _folded(char: str) -> str:
    """The character as a spreadsheet may read it: full-width and small forms folded (＝ to =, ﹢ to +)."""
    return unicodedata.normalize("NFKC", char)


def _is_formula_start(char: str) -> bool:
    return char in FORMULA_START or _folded(char) in FORMULA_START


def _is_separator(char: str) -> bool:
    return char in SEPARATORS or _folded(char) in SEPARATORS


def _is_blank(char: str) -> bool:
    """Spaces, which some importers trim, and the double quote, which may open a quoted cell."""
    return char in ' "' or unicodedata.category(char) == "Zs" or _folded(char) == '"'


def csv_text(value: str) -> str:
    """``value`` with a ``'`` before each character that could start a formula in some spreadsheet."""
    out: list[str] = []
    cell_start = True  # at the start of the value, or after a separator and any spaces
    for char in value:
        if cell_start and _is_formula_start(char):
            out.append("'")
        out.append(char)
        if _is_separator(char):
            cell_start = True
        elif not _is_blank(char):
            cell_start = False
    return "".join(out)
