"""The points model (no Docker): exact decimal points, questions with subtotals, all-or-nothing, hidden tests
and parametrized cases, read from a grader's source and scored by the worker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox import GraderDefinitionError, Manifest, Outcome, TestResultOutcome, as_points, declared_tests
from sandbox.report import score_tests, total_score

PASS, FAIL = TestResultOutcome.PASSED, TestResultOutcome.FAILED


def grader(tmp_path: Path, source: str, name: str = "test_q.py") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return tmp_path


def scored(manifest: Manifest, passed: set[str]) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
    results = {name: (PASS if name in passed else FAIL, "") for name in manifest.names}
    tests, questions = score_tests(manifest, results, "missing")
    return total_score(tests, questions), {t.name: t.points for t in tests}, {q.name: q.score for q in questions}


@pytest.mark.parametrize(
    ("value", "want"),
    [(2, "2"), (0.5, "0.5"), ("0.25", "0.25"), (0, "0"), (0.1, "0.1"), (Decimal("1.2500"), "1.25"), ("3.0001", "3.0001")],
)
def test_points_are_exact_decimals(value: object, want: str) -> None:
    assert as_points(value) == Decimal(want)


@pytest.mark.parametrize("value", [-1, "0.00001", float("nan"), float("inf"), True, "two", None, [1], 10**7])
def test_points_refuse_what_is_not_an_exact_amount(value: object) -> None:
    with pytest.raises(ValueError):
        as_points(value)


def test_fractional_zero_and_default_points_from_the_source(tmp_path: Path) -> None:
    manifest = declared_tests(grader(tmp_path, """
        from gradient_grader import points

        @points(0.5)
        def test_half(student): ...

        @points("0.25")
        def test_quarter(student): ...

        @points(0)
        def test_free(student): ...

        def test_plain(student): ...
    """))
    assert [(t.name, t.points) for t in manifest.tests] == [
        ("test_half", Decimal("0.5")), ("test_quarter", Decimal("0.25")), ("test_free", 0), ("test_plain", 1)
    ]
    assert manifest.max_score == Decimal("1.75")
    total, _, _ = scored(manifest, {"test_half", "test_free"})
    assert total == Decimal("0.5")


@pytest.mark.parametrize(
    ("decorator", "complaint"),
    [
        ("@points(-1)", "between 0"),
        ("@points(0.12345)", "four decimal places"),
        ("@points(n)", "literal"),
        ("@points(1, 2)", "one number"),
        ("@question(name)", "string literal"),
        ("@hidden()", "without parentheses"),
        ("@pytest.mark.parametrize('x', CASES)", "literal list"),
        ("@pytest.mark.parametrize('x', [1, 1])", "ids="),
    ],
)
def test_a_grader_that_breaks_the_format_is_refused_with_the_reason(tmp_path: Path, decorator: str, complaint: str) -> None:
    path = grader(tmp_path, f"import pytest\n\n{decorator}\ndef test_x(student, x=None): ...\n")
    with pytest.raises(GraderDefinitionError, match=complaint):
        declared_tests(path)


def test_questions_group_tests_with_subtotals_scaled_and_all_or_nothing(tmp_path: Path) -> None:
    # Otter's usual shape: q1 is worth 1 point split over 3 tests (2 of 3 pass: 0.6667); q2 is all or nothing.
    grader(tmp_path, """
        from gradient_grader import points, question

        QUESTIONS = {"q1": {"title": "Squares", "points": 1}, "q2": {"points": 2, "all_or_nothing": True}}

        @question("q1")
        def test_a(student): ...

        @question("q1")
        def test_b(student): ...

        @question("q1")
        def test_c(student): ...

        @question("q2")
        @points(3)
        def test_d(student): ...

        @question("q2")
        def test_e(student): ...

        @points(0.5)
        def test_alone(student): ...
    """)
    grader(tmp_path, 'QUESTION = "q3"\n\ndef test_f(student): ...\n\ndef test_g(student): ...\n', name="test_r.py")
    manifest = declared_tests(tmp_path)
    assert [q.name for q in manifest.questions] == ["q1", "q2", "q3"]
    assert manifest.questions[0].title == "Squares"
    assert manifest.max_score == Decimal("1") + 2 + Decimal("0.5") + 2

    total, tests, questions = scored(manifest, {"test_a", "test_b", "test_d", "test_alone", "test_f"})
    assert questions == {"q1": Decimal("0.6667"), "q2": 0, "q3": 1}
    assert tests["test_a"] == Decimal("0.3333")  # each test's share of its question's total
    assert total == Decimal("0.6667") + 0 + 1 + Decimal("0.5")
    total, _, questions = scored(manifest, set(manifest.names))
    assert total == manifest.max_score and questions["q2"] == 2


def test_a_question_of_zero_point_tests_splits_its_total_evenly(tmp_path: Path) -> None:
    manifest = declared_tests(grader(tmp_path, """
        from gradient_grader import points, question
        QUESTIONS = {"q": {"points": 0.75}}

        @question("q")
        @points(0)
        def test_a(student): ...

        @question("q")
        @points(0)
        def test_b(student): ...
    """))
    assert scored(manifest, {"test_a"})[0] == Decimal("0.375")


def test_a_score_never_exceeds_its_maximum_however_it_rounds(tmp_path: Path) -> None:
    # 7 tests sharing 1 point: each share rounds, the subtotal is computed from the exact fraction.
    body = "\n".join(f'@question("q")\ndef test_{i}(student): ...\n' for i in range(7))
    manifest = declared_tests(grader(tmp_path, 'from gradient_grader import question\nQUESTIONS = {"q": {"points": 1}}\n' + body))
    for count in range(8):
        total, _, _ = scored(manifest, {f"test_{i}" for i in range(count)})
        assert total <= manifest.max_score
    assert scored(manifest, set(manifest.names))[0] == 1


def test_hidden_tests_are_flagged_per_test(tmp_path: Path) -> None:
    manifest = declared_tests(grader(tmp_path, """
        from gradient_grader import hidden

        def test_public(student): ...

        @hidden
        def test_secret(student): ...
    """))
    assert [(t.name, t.hidden) for t in manifest.tests] == [("test_public", False), ("test_secret", True)]
    tests, _ = score_tests(manifest, {}, "missing")
    assert [t.hidden for t in tests] == [False, True]


def test_questions_described_but_unused_are_refused(tmp_path: Path) -> None:
    path = grader(tmp_path, 'QUESTIONS = {"q9": {"points": 1}}\n\ndef test_a(student): ...\n')
    with pytest.raises(GraderDefinitionError, match="q9"):
        declared_tests(path)


PARAMETRIZED = '''
import pytest
from gradient_grader import points

@points(0.5)
@pytest.mark.parametrize("n, want", [(1, 1), (-2, 4), (0.5, 0.25)])
def test_square(student, n, want): assert True

@pytest.mark.parametrize("word", ["cat", "naïve", "two words", "", None, True])
def test_word(student, word): assert True

@pytest.mark.parametrize("xs", [[1, 2], {"a": 1}, (3,)])
def test_containers(student, xs): assert True

@pytest.mark.parametrize(("a", "b"), [pytest.param(1, 2, id="small"), (3, 4)])
def test_param_ids(student, a, b): assert True

@pytest.mark.parametrize("x", [1, 2], ids=["one", "two"])
def test_explicit(student, x): assert True
'''


def test_parametrized_cases_are_declared_with_the_names_pytest_gives_them(tmp_path: Path) -> None:
    path = grader(tmp_path, PARAMETRIZED, name="test_params.py")
    (tmp_path / "conftest.py").write_text("import pytest\n\n@pytest.fixture\ndef student():\n    return None\n")
    (tmp_path / "gradient_grader.py").write_text("def points(n):\n    return lambda f: f\n")
    manifest = declared_tests(path)
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", str(path)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    pytest_names = [line.split("::", 1)[1] for line in collected.stdout.splitlines() if "::" in line]
    assert list(manifest.names) == pytest_names
    assert manifest.tests[0].points == Decimal("0.5") and len(manifest.tests_of("")) == len(pytest_names)
    assert manifest.max_score == Decimal("1.5") + 6 + 3 + 2 + 2


def test_the_manifest_round_trips_through_json_and_reads_older_versions(tmp_path: Path) -> None:
    grader(tmp_path, """
        from gradient_grader import hidden, points, question
        QUESTIONS = {"q1": {"title": "T", "points": "0.5", "all_or_nothing": True}}

        @question("q1")
        @hidden
        @points(2)
        def test_b(student): ...

        def test_a(student): ...
    """)
    manifest = declared_tests(tmp_path)
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert [t.name for t in Manifest.from_json(manifest.to_json()).tests] == ["test_b", "test_a"]  # order kept
    older = Manifest.from_json({"test_x": 2, "test_y": 1})  # what versions stored before questions existed
    assert (older.names, older.max_score, older.questions) == (("test_x", "test_y"), 3, ())


def test_an_unloadable_submission_scores_every_question_zero(tmp_path: Path) -> None:
    grader(tmp_path, 'QUESTION = "q1"\nQUESTIONS = {"q1": {"points": 2}}\n\ndef test_a(student): ...\n')
    outcome = Outcome.not_gradable(declared_tests(tmp_path), "why")
    assert (outcome.score, outcome.max_score) == (0, 2)
    assert [(q.name, q.score, q.max_score) for q in outcome.questions] == [("q1", 0, 2)]
    assert outcome.as_dict()["questions"] == [
        {"name": "q1", "title": "", "score": 0.0, "max_score": 2.0, "passed": 0, "tests": 1}
    ]


def test_names_longer_than_results_keep_and_absurd_totals_are_refused(tmp_path: Path) -> None:
    long_case = "x" * 250
    path = grader(tmp_path, f"import pytest\n\n@pytest.mark.parametrize('s', ['{long_case}'])\ndef test_x(student, s): ...\n")
    with pytest.raises(GraderDefinitionError, match="ids="):
        declared_tests(path)
    path = grader(tmp_path, "from gradient_grader import points\n\n@points(999999)\ndef test_a(student): ...\n\n"
                  "@points(999999)\ndef test_b(student): ...\n")
    with pytest.raises(GraderDefinitionError, match="at most"):
        declared_tests(path)


def test_the_cached_manifest_and_preloads_follow_a_rewrite_that_keeps_the_modification_time(tmp_path: Path) -> None:
    """Both caches are keyed by the test files' contents: an edit within the clock's tick (same mtime, same
    size) is still seen."""
    import os

    from sandbox.manifest import preloads

    path = grader(tmp_path, "import numpy\n\ndef test_aa(student):\n    pass\n")
    test_file = path / "test_q.py"
    stamp = test_file.stat().st_mtime_ns
    assert declared_tests(path).names == ("test_aa",) and preloads(path) == ("numpy",)
    test_file.write_text("import pandas\n\ndef test_bb(student):\n    pass\n", encoding="utf-8")  # same size
    os.utime(test_file, ns=(stamp, stamp))
    assert declared_tests(path).names == ("test_bb",) and preloads(path) == ("pandas",)
