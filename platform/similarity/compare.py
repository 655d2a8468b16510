"""Comparing texts with copydetect (https://github.com/blingenf/copydetect), the way its CopyDetector does,
on texts in memory instead of files on disk.

Each text is tokenized by Pygments' Python lexer and filtered (names become V, F or O, strings S, comments
and white space go), so renaming variables or reformatting changes nothing. Its k-grams (k = the noise
threshold, in characters of filtered code) are hashed and winnowed (window = guarantee threshold - noise
threshold + 1: every match at least the guarantee threshold long is found): copydetect's CodeFingerprint. A
pair's similarity on each side is the share of that side's fingerprinted code that the other side shares, and
its fragments the stretches of code they share: copydetect's compare_files.

Starter code. Every k-gram of the starter (window 1, as copydetect fingerprints its boilerplate) marks where
the starter's code stands in a text; a fingerprint that touches any of it is dropped, not only the starter's
own k-grams (what CodeFingerprint's ``boilerplate`` argument drops). With only those dropped, the k-grams
that straddle the end of a starter line and the first characters of each student's own code (``def
top_words(...) -> ...: <docstring> if n < 0: raise ValueError``) made two students who wrote their code
apart 40 % alike on the word-frequencies exercise; with every touching k-gram dropped, what is left is code
the students wrote themselves. (CodeFingerprint's own removal also drops repeated fingerprints that are not
the starter's at all: np.intersect1d(..., assume_unique=True) on winnowed hashes that repeat whenever code
repeats; checked: hashes [7, 5, 5, 7] less [5] left [7].)

copydetect imports matplotlib (for its own HTML report, which this platform never uses: its pages build the
highlighted view themselves, escaping every piece): close to a second and tens of MB. It is imported on first
use, in the worker that builds a report, so web processes never load it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

LANGUAGE = "python"  # every compared text is Python (notebooks' code cells included)


def _copydetect() -> ModuleType:
    import copydetect  # on first use only: see the module's docstring

    return copydetect


def _copydetect_utils() -> ModuleType:
    from copydetect import utils

    return utils


@dataclass(frozen=True)
class Thresholds:
    noise: int  # k: the shortest match (characters of filtered code) that counts
    guarantee: int  # matches at least this long are always found

    @property
    def window(self) -> int:
        return self.guarantee - self.noise + 1

    def check(self) -> None:
        if self.noise < 1 or self.guarantee < self.noise:
            raise ValueError(
                f"similarity thresholds: need 1 <= noise ({self.noise}) <= guarantee ({self.guarantee})"
            )


@dataclass
class Match:
    """How two texts match: each side's similarity (0..1), its fragments as [start, end] offsets into its
    text (in text order), and for each fragment the index of its counterpart on the other side (-1: none)."""

    similarity_a: float
    similarity_b: float
    fragments_a: list[list[int]] = field(default_factory=list)
    fragments_b: list[list[int]] = field(default_factory=list)
    partners_a: list[int] = field(default_factory=list)
    partners_b: list[int] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(self.similarity_a, self.similarity_b)


def boilerplate_hashes(text: str, thresholds: Thresholds) -> Any:
    """Every k-gram hash of the starter code (window 1, as copydetect's _get_boilerplate_hashes)."""
    if not text.strip():
        return np.array([], dtype=np.int64)
    starter = _copydetect().CodeFingerprint("starter.py", thresholds.noise, 1, language=LANGUAGE, fp=io.StringIO(text))
    return np.unique(np.array(sorted(int(value) for value in starter.hashes), dtype=np.int64))


def fingerprint(text: str, thresholds: Thresholds, boilerplate: Any, name: str = "submission.py") -> Any:
    """copydetect's CodeFingerprint of ``text``, less every fingerprint that touches the starter's code (see
    the module's docstring), with its token coverage (the denominator of its similarity) counted again."""
    utils = _copydetect_utils()
    result = _copydetect().CodeFingerprint(
        name, thresholds.noise, thresholds.window, language=LANGUAGE, fp=io.StringIO(text)
    )
    if len(boilerplate) == 0 or not result.hash_idx:
        return result
    k = result.k
    every = np.asarray(utils.hashed_kgrams(result.filtered_code, k), dtype=np.int64)
    starts = np.flatnonzero(np.isin(every, boilerplate))
    if len(starts) == 0:
        return result
    # Characters of filtered code inside some starter k-gram, then for each k-gram start: does it touch one?
    edges = np.zeros(len(result.filtered_code) + 1, dtype=np.int64)
    np.add.at(edges, starts, 1)
    np.add.at(edges, starts + k, -1)
    covered = np.cumsum(edges)[:-1] > 0
    inside = np.concatenate([[0], np.cumsum(covered)])
    touches = inside[np.arange(len(every)) + k] - inside[np.arange(len(every))] > 0
    kept: dict[Any, list[int]] = {}
    for value, where in result.hash_idx.items():
        positions = [int(i) for i in where if not touches[int(i)]]
        if positions:
            kept[value] = positions
    result.hash_idx = kept
    result.hashes = set(kept)
    result.token_coverage = utils.get_token_coverage(kept, k, len(result.filtered_code))
    return result


def similarities(a: Any, b: Any) -> tuple[float, float]:
    """Each side's similarity (0..1) to the other: the cheap pass over every pair."""
    _overlap, (sim_a, sim_b), _slices = _copydetect().compare_files(a, b)
    return _unit(sim_a), _unit(sim_b)


def match(a: Any, b: Any) -> Match:
    """The full comparison of two fingerprints (for the pairs kept): similarities, fragments, counterparts."""
    _overlap, (sim_a, sim_b), (slices_a, slices_b) = _copydetect().compare_files(a, b)
    result = Match(similarity_a=_unit(sim_a), similarity_b=_unit(sim_b))
    if len(slices_a) == 0 or np.size(slices_a) == 0:
        return result
    result.fragments_a = _fragments(slices_a, a.raw_code)
    result.fragments_b = _fragments(slices_b, b.raw_code)
    result.partners_a, result.partners_b = _partners(a, b)
    return result


def _unit(value: Any) -> float:
    number = float(value)
    if not np.isfinite(number):
        return 0.0
    return min(1.0, max(0.0, number))


def _fragments(slices: Any, text: str) -> list[list[int]]:
    """copydetect's 2xN slices (already moved to offsets in the original text) as [start, end] pairs, kept
    inside the text and in order. Its offset mapping is approximate (a fragment may begin or end inside a
    name), so each is widened to whole words, trimmed of white space at its ends, and kept from overlapping
    the one before; the list keeps copydetect's order and length, which the counterparts index into."""
    fragments = []
    previous_end = 0
    length = len(text)
    for raw_start, raw_end in zip(slices[0].tolist(), slices[1].tolist(), strict=True):
        start = min(max(int(raw_start), 0), length)
        end = min(max(int(raw_end), start), length)
        while 0 < start < length and _wordy(text[start - 1]) and _wordy(text[start]):
            start -= 1
        while 0 < end < length and _wordy(text[end - 1]) and _wordy(text[end]):
            end += 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        start = max(start, previous_end)
        end = max(end, start)
        fragments.append([start, end])
        previous_end = end
    return fragments


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


def _partners(a: Any, b: Any) -> tuple[list[int], list[int]]:
    """For each fragment of A, the fragment of B sharing most fingerprints with it, and the other way round.
    copydetect's compare_files finds the fragments of each side separately (get_copied_slices over the
    positions of the shared hashes); a shared hash's positions on both sides tie a fragment to its
    counterpart. Positions are in filtered code, where the slices are found."""
    utils = _copydetect_utils()
    idx_a, idx_b = utils.find_fingerprint_overlap(a.hashes, b.hashes, a.hash_idx, b.hash_idx)
    starts_a = utils.get_copied_slices(idx_a, a.k)[0]
    starts_b = utils.get_copied_slices(idx_b, b.k)[0]
    weights = np.zeros((len(starts_a), len(starts_b)), dtype=np.int64)
    for shared in a.hashes & b.hashes:
        in_a = np.searchsorted(starts_a, np.asarray(a.hash_idx[shared]), side="right") - 1
        in_b = np.searchsorted(starts_b, np.asarray(b.hash_idx[shared]), side="right") - 1
        for i in in_a.tolist():
            for j in in_b.tolist():
                if i >= 0 and j >= 0:
                    weights[i, j] += 1
    partners_a = [int(np.argmax(row)) if row.max(initial=0) > 0 else -1 for row in weights]
    partners_b = [int(np.argmax(column)) if column.max(initial=0) > 0 else -1 for column in weights.T]
    return partners_a, partners_b
