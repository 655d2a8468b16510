"""Notebooks run the way a kernel runs them, with errors allowed (issue 11, item 1).

The host checks a notebook and keeps it as a notebook (``solution.ipynb``, code only); the student box runs
its code cells top to bottom in IPython's own shell (sandbox/runners/notebook_runner.py). A cell that
raises is recorded and the next cell runs, so the tests of what the other cells defined keep their points.
The Docker runs grade against the red-team suite's grader (tests/sandbox/fixtures/attack: add 3 points,
mean 2, greet 2, mean([]) raising 1), cold only: what differs warm is the box's start, not the notebook
(tests/sandbox/test_inputs.py grades one notebook both ways). Each run exercises several habits at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
import pytest

from sandbox import NotGradable, load_submission
from sandbox.relay import MAX_CELL_MESSAGES, describe_loading
from sandbox.runners import otter
from sandbox.text import is_clean
from tests.support.redteam import CONFIG, Grade, leftovers

EXPECTED = ["solution.py"]


def notebook(*cells: str | tuple[str, str]) -> bytes:
    """A notebook of code cells (a plain string) and Markdown cells (``("markdown", text)``)."""
    made = nbformat.v4.new_notebook()
    made.cells = [
        nbformat.v4.new_markdown_cell(cell[1]) if isinstance(cell, tuple) else nbformat.v4.new_code_cell(cell)
        for cell in cells
    ]
    return nbformat.writes(made).encode()


def load(data: bytes) -> dict[str, bytes]:
    loaded = load_submission({"hw1.ipynb": data}, expected_files=EXPECTED, config=CONFIG)
    assert loaded.notes == []
    return loaded.files


@pytest.fixture(scope="module")
def cold() -> Iterator[Grade]:
    grader = Grade(None)
    yield grader
    for run_name in grader.run_names:
        assert leftovers(run_name) == [], f"run {run_name} left things behind"


def texts(outcome) -> list[str]:
    return [outcome.student_output, *outcome.messages, *(t.message for t in outcome.tests)]


GENERATED = ("solution.py", "ipython-input", "<cell ", "get_ipython()", "notebook_runner", "/opt/gradient")


def assert_names_cells_never_a_generated_file(outcome) -> None:
    for text in texts(outcome):
        assert is_clean(text)
        for generated in GENERATED:
            assert generated not in text, (generated, text)


# ----------------------------------------------------------------------------- the host: checked, kept a notebook


def test_a_notebook_is_kept_as_the_module_s_notebook_with_only_its_code():
    made = nbformat.v4.new_notebook()
    made.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    made.cells = [
        nbformat.v4.new_markdown_cell("# Homework\n![plot](data:image/png;base64," + "A" * 50_000 + ")"),
        nbformat.v4.new_code_cell("def add(a, b):\n    return a + b", execution_count=7),
    ]
    made.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "B" * 100_000})]
    made.cells[1].metadata = {"tags": ["solution"]}
    files = load(nbformat.writes(made).encode())
    assert list(files) == ["solution.ipynb"]
    assert len(files["solution.ipynb"]) < 1000
    kept = nbformat.reads(files["solution.ipynb"].decode(), as_version=4)
    nbformat.validate(kept)
    assert [(c.cell_type, c.source) for c in kept.cells] == [
        ("markdown", ""), ("code", "def add(a, b):\n    return a + b"),
    ]
    assert kept.cells[1].outputs == [] and kept.cells[1].execution_count is None and kept.cells[1].metadata == {}
    assert kept.metadata == {}


@pytest.mark.parametrize(
    ("uploads", "needle"),
    [
        ({"hw1.ipynb": notebook("x = 1"), "solution.py": b"x = 1\n"}, "besides solution.py"),
        ({"a.ipynb": notebook("x = 1"), "b.ipynb": notebook("y = 1")}, "2 notebooks (a.ipynb, b.ipynb)"),
    ],
)
def test_a_notebook_beside_the_module_or_a_second_notebook_is_refused(uploads, needle):
    with pytest.raises(NotGradable, match="submit") as caught:
        load_submission(uploads, expected_files=EXPECTED, config=CONFIG)
    assert needle in str(caught.value)


def test_a_notebook_with_a_lone_surrogate_is_refused_with_its_cell_named():
    # Valid JSON, but the escape decodes to a lone surrogate that no file or interpreter can hold.
    text = notebook("y = 2", "s = 'HERE'").decode().replace("HERE", "\\ud800")
    assert "\\ud800" in text
    with pytest.raises(NotGradable, match="Cell 2 .* not valid Unicode"):
        load_submission({"solution.ipynb": text.encode()}, expected_files=EXPECTED, config=CONFIG)


# ----------------------------------------------------------------------------- the worker: what a box says, cleaned


def test_the_ready_frame_s_cell_errors_and_notes_are_cleaned_capped_and_never_fail_the_run():
    described = describe_loading({
        "op": "ready",
        "errors": [
            {"cell": 4, "line": 2, "error": "NameError: \x1b[31mname 'y'\x00",
             "traceback": "  Cell 4, line 2\n    y\x1b]0;x\x07"},
            {"cell": "4", "line": -1, "error": ["not", "text"], "traceback": None},
            "not a dict",
            *({"cell": 9, "line": 1, "error": "E" * 10_000, "traceback": "T" * 10_000} for _ in range(30)),
        ],
        "notes": ["Cell 3, line 1: `!ls` was skipped.", 7, None, "N" * 5000],
        "omitted_errors": 2,
        "omitted_notes": 10**12,
    })
    # 20 entries read (19 of them errors), 13 more cut by the worker, 2 by the box
    assert described[0].startswith("Your notebook's cells raised 34 errors;")
    assert described[1] == "Cell 4, line 2: NameError: name 'y'\u2400\n  Cell 4, line 2\n    y"
    assert described[2] == "A cell: an error"
    assert "... and 15 more cell error(s), not shown." in described
    assert "Cell 3, line 1: `!ls` was skipped." in described
    assert all(is_clean(text) and len(text) <= 2600 for text in described)
    assert len(described) <= 2 * MAX_CELL_MESSAGES + 3
    for frame in ({"op": "ready"}, {"op": "ready", "errors": {"x": 1}, "notes": "x"}, {"op": "ready", "errors": None}):
        assert describe_loading(frame) == ()


# ----------------------------------------------------------------------------- the otter stand-in


def test_otter_calls_are_harmless_and_every_check_goes_through_one_place(monkeypatch):
    asked = []
    monkeypatch.setattr(otter, "check_point", lambda question: asked.append(question) or otter.CheckResult(question))
    grader = otter.Notebook("hw01.ipynb", tests_dir="./tests")
    assert "q3" in repr(grader.check("q3"))
    assert "All questions" in repr(grader.check_all())
    assert grader.export(pdf=False) is None and grader.to_pdf() is None and grader.run_plugin("x", 1) is None
    assert asked == ["q3", None]


# ----------------------------------------------------------------------------- graded in the real sandbox

HABITS = notebook(
    ("markdown", "# Homework 1"),
    "import otter\ngrader = otter.Notebook()",  # 2
    "from IPython.display import display, HTML, Markdown\nimport numpy as np\n"  # 3
    "display(HTML('<b>bold</b>'))\ndisplay(Markdown('*hi*'))\ndisplay(np.arange(3))\ndisplay({'shown': True})\n"
    "'last value shown'",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"  # 4
    "ax.plot([1, 2, 3], [1, 4, 9])\nax.set_title('squares')\nplt.show()\n\ndef add(a, b):\n    return a + b",
    "name = input('Your name? ')\nprint('never printed')",  # 5
    "add?\nadd??\n\ndef mean(xs):\n    if not xs:\n        raise ValueError('mean of an empty list')\n"  # 6
    "    return sum(xs) / len(xs)",
    "%%bash\necho from bash",  # 7
    "!ls -la\nlisting = !ls\nprint('listing:', listing)",  # 8
    "%%writefile greeting.py\ndef greet(name):\n    return f'Hello, {name}!'",  # 9
    "from greeting import greet\n%time greet('Ada')\n%timeit greet('Bo')",  # 10
    "%%time\ntimed = mean([1, 2, 3])\nprint('timed', timed)",  # 11
    "def stretch_goal(x):\n    # TODO: your code here\n    raise NotImplementedError\n\nstretch_goal(1)",  # 12
    "scratch = [1, 2, 3]\nscratch[10]",  # 13
    "grader.export(pdf=False)\ngrader.to_pdf()\ngrader.check_all()\nprint('otter done')\ngrader.check('q1')",  # 14
    "def broken(:\n    return 1",  # 15
    "print('END of notebook')",  # 16
)


@pytest.mark.docker
def test_a_notebook_with_every_habit_gets_full_marks_and_its_errors_name_cells(cold):
    outcome = cold(load(HABITS))
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == cold.full_marks  # add after a plot, mean after help lines, greet from %%writefile
    messages = outcome.messages
    assert messages[0].startswith("Your notebook's cells raised 4 errors;"), messages
    errors = {m.split(":")[0]: m for m in messages[1:5]}
    assert list(errors) == ["Cell 5, line 1", "Cell 12, line 5", "Cell 13, line 2", "Cell 15, line 1"], messages
    assert "EOFError: input() cannot be answered while grading" in errors["Cell 5, line 1"]
    assert errors["Cell 12, line 5"].startswith("Cell 12, line 5: NotImplementedError\n")
    assert "Cell 12, line 3, in stretch_goal\n    raise NotImplementedError" in errors["Cell 12, line 5"]
    assert "IndexError: list index out of range" in errors["Cell 13, line 2"]
    assert "SyntaxError" in errors["Cell 15, line 1"] and "def broken(:" in errors["Cell 15, line 1"]
    skipped = [m for m in messages if "was skipped" in m]
    assert skipped == [
        "Cell 7, line 1: `%%bash` was skipped: magics other than %time, %timeit, %%time, %%timeit, %%writefile "
        "and %%capture do not run while grading.",
        "Cell 8, line 1: `!ls -la` was skipped: shell commands do not run while grading.",
        "Cell 8, line 2: `!ls` was skipped: shell commands do not run while grading.",
    ]
    output = outcome.student_output
    for shown in ("array([0, 1, 2])", "{'shown': True}", "'last value shown'", "Writing greeting.py", "Wall time",
                  "timed 2.0", "listing: []", "q1: checked by the hidden grader", "otter done", "END of notebook"):
        assert shown in output, (shown, output)
    for hidden in ("<b>bold</b>", "IPython.core.display", "never printed", "from bash", "non-interactive", "Out["):
        assert hidden not in output, (hidden, output)
    assert_names_cells_never_a_generated_file(outcome)


FAILING = notebook(
    "def add(a, b):\n    return a + b",  # 1
    ("markdown", "## Greeting"),
    "def greet(name):\n    return 'Hello, ' + nme + '!'",  # 3: raises when called
    "import math\nvalue = undefined_name + 1\n\ndef mean(xs):\n    return sum(xs) / len(xs)",  # 4: never defines mean
    "print('still running')",  # 5
)


@pytest.mark.docker
def test_a_failing_cell_costs_only_the_tests_of_what_it_did_not_define(cold, by_test):
    outcome = cold(load(FAILING))
    assert outcome.status == "graded", outcome.messages
    assert by_test(outcome) == {
        "test_add": "passed", "test_mean": "failed", "test_greet": "failed", "test_mean_of_empty_list_raises": "failed",
    }
    assert outcome.score == cold.points("test_add")
    assert outcome.messages[1] == (
        "Cell 4, line 2: NameError: name 'undefined_name' is not defined\n"
        "  Cell 4, line 2, in <module>\n    value = undefined_name + 1"
    )
    # A call into a cell's function that raises names the cell and line in the test's message.
    greet = next(t for t in outcome.tests if t.name == "test_greet")
    assert "Cell 3, line 2, in greet" in greet.message, greet.message
    assert "still running" in outcome.student_output
    assert_names_cells_never_a_generated_file(outcome)


EVERY_CELL_RAISES = notebook(
    "import sys\nsys.exit(1)",
    "exit()",
    "def f(:\n    pass",
    "raise ValueError('\\x1b[31mred\\x00 and a \\u202eswap')",
    "  %time 1\nx = 2",  # an IndentationError, as in Jupyter: quoted as the student wrote it
    "raise RuntimeError('cell 6\\nsecond line')",
    *(f"raise RuntimeError('cell {n}')" for n in range(7, 27)),
)


@pytest.mark.docker
def test_a_notebook_where_every_cell_raises_still_loads_and_its_tests_fail_one_by_one(cold):
    outcome = cold(load(EVERY_CELL_RAISES))
    assert outcome.status == "graded", outcome.messages  # loaded, not "not_gradable"
    assert outcome.score == 0
    assert all(t.outcome == "failed" and "could not be loaded" not in t.message for t in outcome.tests)
    messages = outcome.messages
    assert messages[0].startswith("Your notebook's cells raised 25 errors;"), messages
    assert messages[1] == "Cell 1, line 2: SystemExit: 1\n  Cell 1, line 2, in <module>\n    sys.exit(1)"
    assert messages[2].startswith("Cell 3, line 1: SyntaxError")
    assert messages[3].startswith("Cell 4, line 1: ValueError: red\u2400 and a \ufffdswap")
    assert messages[4] == "Cell 5, line 1: IndentationError: unexpected indent\n  Cell 5, line 1\n    %time 1"
    assert messages[5] == (
        "Cell 6, line 1: RuntimeError: cell 6\nsecond line\n"
        "  Cell 6, line 1, in <module>\n    raise RuntimeError('cell 6\\nsecond line')"
    )
    assert "... and 5 more cell error(s), not shown." in messages
    assert "Cell 2, line 1: `exit()` was skipped: the notebook runs to its end while grading." in messages
    assert_names_cells_never_a_generated_file(outcome)

