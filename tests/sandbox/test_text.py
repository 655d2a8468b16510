"""sandbox.text.clean_text: what every text from a box becomes before anything stores or shows it."""

from __future__ import annotations

import pytest

from sandbox.text import clean_text, is_clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain text\nwith\ttabs", "plain text\nwith\ttabs"),
        ("nul\x00here", "nul\u2400here"),
        ("lone \ud800 and \udcff surrogates", "lone \ufffd and \ufffd surrogates"),
        ("\x1b[31mred\x1b[0m \x1b[1;4;38;5;208mstyled\x1b[m", "red styled"),
        ("clip\x1b]52;c;ZXZpbA==\x07board", "clipboard"),  # OSC 52 ended by BEL
        ("title\x1b]0;pwned\x1b\\done", "titledone"),  # OSC ended by ST
        ("dcs\x1bPq#0;2;0;0;0\x1b\\end", "dcsend"),  # DCS (sixel)
        ("c1 csi\x9b2Jx", "c1 csix"),  # the 8-bit CSI
        ("keypad\x1b=mode\x1bcreset", "keypadmodereset"),  # two-byte escapes, RIS
        ("bell\x07 bs\x08 del\x7f vt\x0b ff\x0c", "bell\ufffd bs\ufffd del\ufffd vt\ufffd ff\ufffd"),
        ("progress 10%\rprogress 100%\r\n", "progress 10%\nprogress 100%\n"),
        ("bidi \u202egnp.exe\u202c \u2066iso\u2069", "bidi \ufffdgnp.exe\ufffd \ufffdiso\ufffd"),
        ("cut off escape \x1b[", "cut off escape "),
        ("unicode é ☃ 数学 stays", "unicode é ☃ 数学 stays"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert is_clean(clean_text(raw))


def test_bytes_are_decoded_with_replacement_and_capped_before_cleaning() -> None:
    assert clean_text(b"ok \xff\xfe \xed\xa0\x80 \xc3\xa9") == "ok \ufffd\ufffd \ufffd\ufffd\ufffd é"
    flood = b"\x1b[31m" * 1_000_000 + b"the end"
    cleaned = clean_text(flood, 100)  # the cut may leave part of one sequence as text, never a control
    assert cleaned.endswith("the end") and is_clean(cleaned) and len(cleaned) <= 100
    assert clean_text("x" * 500 + "tail", 10) == "xxxxxxtail"
    assert clean_text("head" + "x" * 500, 6, keep="start") == "headxx"


def test_is_clean_refuses_what_clean_text_removes() -> None:
    for raw in ("\x00", "\ud800", "\x1b[0m", "\r", "\x9b", "\u202e"):
        assert not is_clean(raw)
