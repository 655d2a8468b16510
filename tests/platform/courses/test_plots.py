"""Server-side SVG charts: well-formed, escaped, and counting right."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from web.plots import bar_chart_svg, histogram_bins, histogram_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_histogram_bins_include_both_ends() -> None:
    assert histogram_bins([0, 0.5, 5, 9.99, 10, 10], max_value=10, bins=10) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 3]
    assert histogram_bins([-1, 12], max_value=10, bins=5) == [1, 0, 0, 0, 1]  # clamped
    assert histogram_bins([3], max_value=0, bins=4) == [0, 0, 0, 1]


def test_histogram_is_well_formed_svg_with_one_bar_per_bin() -> None:
    svg = histogram_svg([1, 2, 2, 9], max_value=10, title="Scores: <Word> & co", bins=5)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == "Scores: <Word> & co"  # escaped in the markup, intact once parsed
    assert [int(r.get("data-count")) for r in root.iter(f"{SVG}rect")] == [1, 2, 0, 0, 1]
    assert "<Word>" not in svg


def test_empty_histogram_says_so() -> None:
    svg = histogram_svg([], max_value=10, title="Scores")
    ET.fromstring(svg)
    assert "no scores yet" in svg


def test_bar_chart_escapes_labels_and_scales_bars() -> None:
    items = [("test_<script>alert(1)</script>", 4), ("test_b", 2), ("x" * 80, 1)]
    svg = bar_chart_svg(items, title="Most-failed tests")
    root = ET.fromstring(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    rects = list(root.iter(f"{SVG}rect"))
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == 2 * widths[1] and [int(r.get("data-count")) for r in rects] == [4, 2, 1]
    assert "x" * 35 + "…" in svg  # long labels are shortened, the full one is in the tooltip
    assert "x" * 80 in svg


def test_empty_bar_chart() -> None:
    svg = bar_chart_svg([], title="Most-failed tests")
    ET.fromstring(svg)
    assert "nothing failed yet" in svg
