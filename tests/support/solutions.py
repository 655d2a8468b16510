"""Submissions for the word-frequencies exercise: the reference solution (full marks) and a slow variant."""

from __future__ import annotations

from tests.support.paths import ROOT

WORD_FREQ = "python-foundations/word-frequencies"
REFERENCE = (ROOT / "graders" / WORD_FREQ / "reference" / "solution.py").read_text()
# Correct, but slow enough (about 1.8 s in its first call; the call limit is 2 s) for a fault to land mid-run.
SLOW_REFERENCE = (
    REFERENCE + "\n\nimport time as _t\n_first = [True]\n_orig = count_words\n\n\ndef count_words(text):\n"
    "    if _first[0]:\n        _first[0] = False\n        _t.sleep(1.8)\n    return _orig(text)\n"
)
FULL_MARKS = 10.0
DECLARED_TESTS = 7
