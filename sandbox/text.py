"""Cleaning text that comes out of a box: once, where it enters the worker.

Whatever a submission prints or raises reaches PostgreSQL (which refuses NUL and lone surrogates), SQLite,
web pages, the API and terminals (``manage.py grade``). A text that cannot be stored would fail the result's
commit and turn the run into a free retry; a terminal escape sequence in feedback would act on the screen of
whoever reads it (colours, a rewritten line, OSC 52 writing the clipboard). So every text from a box goes
through :func:`clean_text` before anything else sees it, and what comes out is:

- valid UTF-8 (invalid bytes and lone surrogates become U+FFFD),
- free of terminal control: ANSI/VT escape sequences (CSI, OSC, DCS, ...) are removed whole, and any other
  C0 or C1 control character, DEL and the Unicode bidirectional overrides are replaced by a visible mark
  (``␀`` for NUL, U+FFFD for the rest), except newline and tab; a carriage return becomes a newline, so a
  line can never overwrite another on a terminal,
- at most ``cap`` characters, keeping the end (where a traceback's last line is) or the start.

Pages and the API still escape it as usual: cleaning makes a text storable and inert on terminals, it does
not make it HTML.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC (ESC ] ... ST or BEL), and the
# two-character escapes (ESC + one of @-Z, \, ^, _ ...). Also their 8-bit C1 forms (U+009B CSI, U+009D OSC...).
_ESCAPES = re.compile(
    r"""
    (?: \x1b\[ | \x9b ) [0-?]* [ -/]* [@-~]?                      # CSI, possibly cut short
  | (?: \x1b[\]PX^_] | [\x90\x98\x9d\x9e\x9f] ) .*? (?: \x07 | \x1b\\ | \x9c | $ )   # OSC, DCS, SOS, PM, APC
  | \x1b [ -/]* [0-~]?                                             # other escapes (charset, keypad, RIS...)
    """,
    re.VERBOSE | re.DOTALL,
)
_SURROGATES = re.compile("[\ud800-\udfff]")
# Controls left after the escapes are gone: C0 but tab and newline, DEL, C1, and the bidi embeddings,
# overrides and isolates (which reorder what a reader sees).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NUL_MARK = "\u2400"  # ␀
REPLACEMENT = "\ufffd"


def _mark(match: re.Match[str]) -> str:
    return NUL_MARK if match.group() == "\x00" else REPLACEMENT


def clean_text(text: str | bytes, cap: int | None = None, *, keep: str = "end") -> str:
    """``text`` from a box, made storable and inert (see the module docstring), capped to ``cap``
    characters (``keep="end"``: the last ones, as for output and tracebacks; ``"start"``: the first)."""
    if isinstance(text, bytes | bytearray):
        if cap is not None:  # cap the bytes first, so a flood costs no more than the cap to clean
            text = bytes(text[-4 * cap :] if keep == "end" else text[: 4 * cap])
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    elif cap is not None:
        text = text[-4 * cap :] if keep == "end" else text[: 4 * cap]
    text = _SURROGATES.sub(REPLACEMENT, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub(_mark, text)
    if cap is not None and len(text) > cap:
        text = text[-cap:] if keep == "end" else text[:cap]
    return text


def is_clean(text: str) -> bool:
    """Whether ``text`` is already what :func:`clean_text` makes (for checks and tests)."""
    return (
        _SURROGATES.search(text) is None
        and _CONTROLS.search(text) is None
        and "\x1b" not in text
        and "\r" not in text
    )
