"""Hostile uploads: broken sources, zip tricks and notebooks.

``load_submission`` reads untrusted bytes on the host, so the zip and notebook tests need no Docker: they
must end in ``NotGradable`` with a sentence a student understands, before anything reaches a box. The tests
that grade something are marked ``docker``.
"""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile

import nbformat
import pytest

from sandbox import NotGradable, SandboxConfig, load_submission
from sandbox.submission import MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES
from tests.support.redteam import CONFIG

EXPECTED = ["solution.py"]
HONEST_PY = b"def add(a, b):\n    return a + b\n"


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def not_gradable(uploads: dict[str, bytes], config: SandboxConfig = CONFIG) -> str:
    with pytest.raises(NotGradable) as caught:
        load_submission(uploads, expected_files=EXPECTED, config=config)
    message = str(caught.value)
    assert message and len(message) < 500 and "Traceback" not in message
    return message


# ----------------------------------------------------------------- graded through the sandbox


@pytest.mark.docker
def test_syntax_error_is_not_gradable_with_file_and_line(grade):
    source = "def add(a, b):\n    return a + b\n\ndef mean(xs)\n    return 0\n"
    outcome = grade(source)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert any("solution.py, line 4" in m for m in outcome.messages), outcome.messages
    assert any("SyntaxError" in m for m in outcome.messages), outcome.messages


@pytest.mark.docker
def test_syntax_error_in_a_helper_module_names_that_file(grade):
    files = {
        "solution.py": b"from helpers import add\n",
        "helpers.py": b"def add(a, b):\n    return a +\n",
    }
    outcome = grade(files)
    assert outcome.status == "not_gradable"
    assert outcome.score == 0.0
    assert any("helpers.py, line 2" in m for m in outcome.messages), outcome.messages


@pytest.mark.docker
def test_unsafe_path_in_a_job_is_refused_before_any_box_starts(grade, honest):
    outside = CONFIG.work_dir / "escaped.py"
    with pytest.raises(ValueError, match="unsafe submission path"):
        grade({"solution.py": honest.encode(), "../../../escaped.py": b"print('out')\n"})
    assert not outside.exists()
    # the ``grade`` fixture checks at teardown that the refused run left no container and no folder


@pytest.mark.docker
def test_notebook_with_magics_and_shell_escapes_is_graded_with_a_note(grade, honest):
    """Cold and warm; tests/sandbox/test_notebooks.py has the notebook habits one by one."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# My solution\n%this is markdown, not code"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install x\nimport math"),
        nbformat.v4.new_code_cell(honest),
        nbformat.v4.new_code_cell("%time greet('x')\nprint(greet('notebook'))"),
    ]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="stale output, ignored")]
    loaded = load_submission(
        {"solution.ipynb": nbformat.writes(notebook).encode()}, expected_files=EXPECTED, config=CONFIG
    )
    assert list(loaded.files) == ["solution.ipynb"] and loaded.notes == []
    outcome = grade(loaded.files, notes=tuple(loaded.notes))
    assert outcome.status == "graded", outcome.messages
    assert outcome.score == grade.full_marks
    assert "Cell 2, line 2: `!pip install x` was skipped: shell commands do not run while grading." in outcome.messages
    assert "Hello, notebook!" in outcome.student_output and "Wall time" in outcome.student_output
    assert "stale output" not in outcome.student_output


# ----------------------------------------------------------------- refused on the host


def test_non_utf8_source_is_not_gradable():
    message = not_gradable({"solution.py": b"def greet(name):\n    return 'caf\xe9 ' + name\n"})
    assert "solution.py" in message and "UTF-8" in message


def test_zip_slip_is_not_gradable():
    data = make_zip({"solution.py": HONEST_PY, "../../etc/cron.d/evil.py": b"print('pwned')\n"})
    message = not_gradable({"upload.zip": data})
    assert "not allowed" in message and ".." in message


def test_zip_with_absolute_and_backslash_paths_is_not_gradable():
    for name in ("/tmp/evil.py", "..\\..\\evil.py", "C:\\evil.py"):
        message = not_gradable({"upload.zip": make_zip({"solution.py": HONEST_PY, name: b"x = 1\n"})})
        assert "not allowed" in message, (name, message)


def test_zip_bomb_is_not_gradable():
    data = make_zip({"solution.py": b"\0" * (50 * 1024 * 1024)})
    assert len(data) < 100 * 1024  # 50 MB of zeros packs into a few dozen KB
    message = not_gradable({"upload.zip": data})
    assert "zip" in message


def test_zip_of_many_members_over_the_total_is_not_gradable():
    import os

    members = {"solution.py": HONEST_PY}
    members.update({f"data{i}.txt": os.urandom(MAX_FILE_BYTES - 1) for i in range(6)})
    message = not_gradable({"upload.zip": make_zip(members, compression=zipfile.ZIP_STORED)})
    assert "more than is allowed" in message


def test_zip_that_lies_about_its_sizes_is_not_gradable():
    real = b"x = 1\n" * 100_000  # 600 KB, compresses well
    data = bytearray(make_zip({"solution.py": real}))
    # Shrink the declared size in the central directory (and the local header) to 600 bytes.
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 600)
    struct.pack_into("<I", data, 22, 600)
    message = not_gradable({"upload.zip": bytes(data)})
    assert "zip" in message


def test_zip_holding_a_symlink_is_not_gradable():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("solution.py", HONEST_PY)
        link = zipfile.ZipInfo("data.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    message = not_gradable({"upload.zip": buffer.getvalue()})
    assert "link" in message


def test_corrupt_zip_is_not_gradable():
    data = make_zip({"solution.py": HONEST_PY})
    message = not_gradable({"upload.zip": data[: len(data) // 2]})
    assert "zip" in message


def test_broken_notebook_is_not_gradable():
    assert "not a valid Jupyter notebook" in not_gradable({"solution.ipynb": b'{"cells": [ {"cell_type": '})
    wrong_shape = json.dumps({"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode()
    assert "not a valid Jupyter notebook" in not_gradable({"solution.ipynb": wrong_shape})


def test_non_utf8_notebook_is_not_gradable():
    message = not_gradable({"solution.ipynb": b'{"cells": [], "metadata": {"x": "\xff\xfe"}}'})
    assert "UTF-8" in message


def test_huge_notebook_is_not_gradable():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1  # " + "y" * 1000) for _ in range(6000)]
    data = nbformat.writes(notebook).encode()
    assert len(data) > MAX_NOTEBOOK_BYTES
    assert "larger than" in not_gradable({"solution.ipynb": data})


# ------------------------------------------------------------------------- the caps follow the configuration

MIB = 1024 * 1024


def six_mib_of_files() -> dict[str, bytes]:
    """A 6 MiB submission: the solution and files under the 1 MiB cap of one file."""
    import os

    files = {"solution.py": HONEST_PY}
    files.update({f"data{i}.txt": os.urandom(MAX_FILE_BYTES) for i in range(5)})
    files["data5.txt"] = os.urandom(6 * MIB - sum(map(len, files.values())))
    assert sum(map(len, files.values())) == 6 * MIB
    return files


def test_a_raised_upload_cap_lets_a_larger_submission_through():
    """GRADIENT_MAX_UPLOAD_BYTES is the sandbox's cap too: raising it raises what load_submission accepts."""
    files = six_mib_of_files()
    raised = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(8 * MIB)})
    loaded = load_submission(files, expected_files=EXPECTED, config=raised)
    assert loaded.files == files
    zipped = make_zip(files, compression=zipfile.ZIP_STORED)
    assert load_submission({"upload.zip": zipped}, expected_files=EXPECTED, config=raised).files == files
    # The default cap (5 MiB) refuses the same files, with the cap in the sentence.
    default = SandboxConfig.from_env({})
    assert default.max_upload_bytes == 5 * MIB
    message = not_gradable(files, default)
    assert message == "The submission is larger than 5 MiB in all."
    assert "more than is allowed" in not_gradable({"upload.zip": zipped}, default)


def test_a_raised_upload_cap_raises_the_notebook_cap():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1  # " + "y" * 1000) for _ in range(6000)]
    data = nbformat.writes(notebook).encode()
    assert 5 * MIB < len(data) < 8 * MIB
    assert "larger than 5 MiB" in not_gradable({"solution.ipynb": data}, SandboxConfig.from_env({}))
    raised = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(8 * MIB)})
    # Past the notebook cap, its code is one file like any other (at most 1 MiB).
    assert "solution.ipynb is larger than" in not_gradable({"solution.ipynb": data}, raised)


# ----------------------------------------------------------------- zips as people make them


def _notebook(*sources: str) -> bytes:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(notebook).encode()


def test_otter_export_zip_grades_its_notebook_and_never_reads_the_log_or_pdf():
    """Otter's export: the notebook, a pickled .OTTER_LOG and a PDF. The notebook is the work; the rest is
    skipped unread (a pickle is never deserialised), however large, with a note saying so."""
    log = b"\x80\x04\x95" + b"\x00" * 100  # a pickle's first bytes: must never be opened
    exported = make_zip({
        "hw01.ipynb": _notebook(HONEST_PY.decode()),
        ".OTTER_LOG": log,
        "hw01.pdf": b"%PDF-1.7\n" + b"x" * (2 * MAX_FILE_BYTES),  # over a file's cap: skipped before reading
        "__MACOSX/._hw01.ipynb": b"\x00\x05\x16\x07",
    })
    loaded = load_submission({"hw01_2026_12_06.zip": exported}, expected_files=EXPECTED, config=CONFIG)
    assert list(loaded.files) == ["solution.ipynb"]
    assert b"def add(a, b):" in loaded.files["solution.ipynb"]
    [note] = loaded.notes
    assert ".OTTER_LOG" in note and "hw01.pdf" in note and "__MACOSX/._hw01.ipynb" in note and "not read" in note


def test_a_notebook_in_a_zip_is_the_work_as_an_uploaded_one_is():
    loaded = load_submission(
        {"work.zip": make_zip({"analysis.ipynb": _notebook("x = 1", HONEST_PY.decode()), "data.csv": b"a,b\n1,2\n"})},
        expected_files=EXPECTED,
        config=CONFIG,
    )
    assert sorted(loaded.files) == ["data.csv", "solution.ipynb"]


def test_a_zip_with_two_notebooks_or_a_notebook_beside_the_module_is_refused_clearly():
    message = not_gradable({"w.zip": make_zip({"a.ipynb": _notebook("x = 1"), "b.ipynb": _notebook("y = 2")})})
    assert "2 notebooks (a.ipynb, b.ipynb)" in message
    message = not_gradable({"w.zip": make_zip({"a.ipynb": _notebook("x = 1"), "solution.py": HONEST_PY})})
    assert "besides solution.py" in message


def test_a_zipped_notebook_over_the_notebook_cap_is_refused():
    small = SandboxConfig.from_env({"GRADIENT_MAX_UPLOAD_BYTES": str(64 * 1024)})
    big = _notebook("x = 1", "# " + "padding " * 20_000)
    assert len(big) > 64 * 1024
    assert "more than is allowed" in not_gradable({"w.zip": make_zip({"hw.ipynb": big})}, config=small)


def test_a_zip_with_a_file_and_a_folder_of_the_same_name_is_refused_clearly():
    # Written into the box, "a.txt" and "a.txt/b.py" cannot both exist: refused before any box starts,
    # never an error of ours (which would be a free retry).
    message = not_gradable({"upload.zip": make_zip({"solution.py": b"x = 1\n", "a.txt": b"a", "a.txt/b.py": b"b"})})
    assert "a.txt" in message and "folder" in message
