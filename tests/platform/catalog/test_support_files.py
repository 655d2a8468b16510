"""Support files: an exercise's support/ files are checked, versioned with its grader, stored with each
version, copied beside the submission into the student's box (never the grader's), never replaced by a
submitted file, and offered on the exercise page and in the starter download."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from catalog import support
from catalog.definitions import ExerciseDefinitionError, discover, load_exercise
from catalog.jobs import GraderSpec, build_job, build_job_from_spec, load_for_exercise
from catalog.models import Exercise, GraderSnapshot
from catalog.services import exercises_sync
from catalog.snapshots import grader_files
from catalog.sources import resolve_in, sources_from_settings
from grading import dispatch
from grading.intake import submission_create
from grading.selectors import job_for_run
from sandbox import LoadedSubmission, RunStatus, run_job
from tests.support.factories import AssignmentFactory, EnrolmentFactory, UserFactory
from tests.support.paths import PRICE_STATS, PRIVATE_SOURCE, ROOT

CSV = (PRIVATE_SOURCE / "exercises" / PRICE_STATS / "support" / "prices.csv").read_bytes()
REFERENCE = (PRIVATE_SOURCE / "graders" / PRICE_STATS / "reference" / "solution.py").read_bytes()


def copy_exercise(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(exercises root, graders root, exercise folder) of a scratch copy of the fixture exercise."""
    shutil.copytree(PRIVATE_SOURCE, tmp_path / "source")
    exercises, graders = tmp_path / "source" / "exercises", tmp_path / "source" / "graders"
    return exercises, graders, exercises / PRICE_STATS


# --------------------------------------------------------------------------- reading and versioning


def test_support_files_are_read_with_the_exercise_and_are_part_of_its_version(tmp_path: Path) -> None:
    exercises, graders, folder = copy_exercise(tmp_path)
    definition = load_exercise(folder, graders, exercises)
    assert definition.support_files == {
        "prices.csv": CSV,
        "pricing.py": (folder / "support" / "pricing.py").read_bytes(),
    }
    before = definition.grader_hash
    (folder / "support" / "prices.csv").write_bytes(CSV + b"saucer,3.00 EUR\n")
    assert load_exercise(folder, graders, exercises).grader_hash != before  # a changed support file: new version
    (folder / "support" / "prices.csv").write_bytes(CSV)
    assert load_exercise(folder, graders, exercises).grader_hash == before
    (folder / "support" / "extra").mkdir()
    (folder / "support" / "extra" / "notes.txt").write_text("a new file\n")
    assert load_exercise(folder, graders, exercises).grader_hash != before  # an added one too


def test_an_exercise_without_support_files_keeps_the_hash_it_had_before_they_existed() -> None:
    """Every version synced before support files existed must still match its files, or each would become a
    new version (and every pinned assignment would look stale)."""

    def hash_before_support_files(definition) -> str:  # type: ignore[no-untyped-def]
        digest = hashlib.sha256()
        for path in grader_files(definition.grader_dir):
            digest.update(str(path.relative_to(definition.grader_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        digest.update(repr(sorted(definition.limits.items())).encode())
        return digest.hexdigest()[:20]

    for definition in discover(ROOT / "exercises", ROOT / "graders"):
        if definition.support:  # an exercise written since: its support files are part of its hash
            continue
        assert definition.grader_hash == hash_before_support_files(definition), definition.slug


@pytest.mark.parametrize(
    ("make", "complaint"),
    [
        (lambda s: (s / "solution.py").write_text("x = 1\n"), "clashes with solution.py, which the student submits"),
        (lambda s: (s / "solution").mkdir() or (s / "solution" / "a.py").write_text(""), "clashes with solution"),
        (lambda s: (s / "two words.csv").write_text("x\n"), "use letters, digits"),
        (lambda s: (s / "link.csv").symlink_to(s / "prices.csv"), "is a link"),
        (lambda s: [(s / f"f{i}.txt").write_text("x") for i in range(support.MAX_SUPPORT_FILES)], "more than 20"),
        (lambda s: (s / "big.bin").write_bytes(b"\0" * support.MAX_SUPPORT_BYTES), "more than 4 MiB"),
    ],
    ids=["submitted-name", "module-folder", "bad-name", "link", "too-many", "too-large"],
)
def test_support_files_that_break_a_rule_are_refused_by_name(tmp_path: Path, make, complaint: str) -> None:  # type: ignore[no-untyped-def]
    exercises, graders, folder = copy_exercise(tmp_path)
    make(folder / "support")
    with pytest.raises(ExerciseDefinitionError, match=complaint) as caught:
        load_exercise(folder, graders, exercises)
    assert PRICE_STATS in str(caught.value)


def test_the_stored_archive_is_deterministic_and_only_plain_safe_files_come_back() -> None:
    files = {"prices.csv": CSV, "images/cat.png": bytes(range(256))}
    assert support.pack(files) == support.pack(dict(reversed(list(files.items()))))
    assert support.unpack(support.pack(files)) == files
    assert support.pack({}) == b"" and support.unpack(b"") == {}
    for name, kind in (("../escape.csv", tarfile.REGTYPE), ("/etc/passwd", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            member = tarfile.TarInfo(name)
            member.type, member.size = kind, 0 if kind == tarfile.SYMTYPE else 1
            tar.addfile(member, io.BytesIO(b"x") if kind == tarfile.REGTYPE else None)
        with pytest.raises(support.SupportError):
            support.unpack(buffer.getvalue())


# --------------------------------------------------------------------------- what goes into the box


def test_a_submitted_file_never_replaces_a_support_file_and_the_run_says_so(tmp_path: Path) -> None:
    exercises, graders, folder = copy_exercise(tmp_path)
    definition = load_exercise(folder, graders, exercises)
    # A zip of the student's folder, holding a CSV of their own and a file under a folder named pricing.py.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in (("solution.py", REFERENCE), ("prices.csv", b"item,price\nfake,1000.00 EUR\n"),
                              ("pricing.py/x.py", b""), ("notes.txt", b"mine")):
            archive.writestr(name, content)
    loaded = load_for_exercise(definition, {"work.zip": buffer.getvalue()}, config=settings.SANDBOX)
    job = build_job(definition, loaded, run_name="unit", default_limits={})
    assert job.student_files == {
        "solution.py": REFERENCE, "notes.txt": b"mine", "prices.csv": CSV, "pricing.py": definition.support_files["pricing.py"],
    }
    assert any("your code ran with the exercise's copy" in note and "prices.csv, pricing.py/x.py" in note
               for note in job.notes), job.notes
    # Without a clash there is no note; without support files the submission goes in as it is.
    clean = build_job(definition, LoadedSubmission(files={"solution.py": REFERENCE}), run_name="u", default_limits={})
    assert not any("exercise's copy" in note for note in clean.notes)
    plain = GraderSpec.from_definition(definition)
    plain = GraderSpec(**{**plain.__dict__, "support_files": {}})
    assert build_job_from_spec(plain, loaded, run_name="u", default_limits={}).student_files == loaded.files


# --------------------------------------------------------------------------- stored with each version


@pytest.fixture
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "send", lambda run, **_: None)


def test_the_sync_stores_them_per_version_and_a_pinned_assignment_keeps_its_own(private_source: Path, no_broker) -> None:  # type: ignore[no-untyped-def]
    sources = sources_from_settings(settings)
    resolve_in(sources, PRICE_STATS)  # found in the private source
    report = exercises_sync()
    assert PRICE_STATS in report.created
    exercise = Exercise.objects.get(slug=PRICE_STATS)
    first = exercise.current_version
    snapshot = GraderSnapshot.objects.get(version=first)
    assert support.unpack(bytes(snapshot.support_files))["prices.csv"] == CSV
    assert snapshot.support_sizes == {"prices.csv": len(CSV), "pricing.py": snapshot.support_sizes["pricing.py"]}
    # The support files are not in the grader box's archive.
    with tarfile.open(fileobj=io.BytesIO(bytes(snapshot.files))) as archive:
        assert all(not name.endswith((".csv", "pricing.py")) for name in archive.getnames())

    student = UserFactory()
    assignment = AssignmentFactory(exercise=exercise)
    EnrolmentFactory(cohort=assignment.cohort, user=student)
    assert assignment.exercise_version == first

    csv_path = private_source / "exercises" / PRICE_STATS / "support" / "prices.csv"
    csv_path.write_bytes(CSV + b"saucer,3.00 EUR\n")
    assert PRICE_STATS in exercises_sync().new_versions
    exercise.refresh_from_db()
    assert exercise.current_version != first
    # The worker builds the assignment's run from the pinned version's snapshot: the old CSV, even with the
    # source folder gone.
    shutil.rmtree(private_source)
    submission = submission_create(student=student, exercise=exercise, uploads={"solution.py": REFERENCE},
                                   assignment=assignment)
    run = submission.runs.get()
    assert job_for_run(run.pk).student_files["prices.csv"] == CSV


# --------------------------------------------------------------------------- the exercise page


def test_the_exercise_page_lists_them_and_students_download_them(grader_tree, settings, db) -> None:  # type: ignore[no-untyped-def]
    slug = "python-foundations/word-frequencies"
    support_dir = grader_tree.exercises / slug / "support"
    (support_dir / "texts").mkdir(parents=True)
    (support_dir / "texts" / "poem.txt").write_text("the cat and the hat\n")
    grader_tree.sync()
    client = Client()
    client.force_login(UserFactory())
    page = client.get(f"/exercises/{slug}/").content.decode()
    assert f'href="/exercises/{slug}/files/texts/poem.txt"' in page and "texts/poem.txt" in page
    download = client.get(f"/exercises/{slug}/files/texts/poem.txt")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"the cat and the hat\n"
    assert 'filename="poem.txt"' in download["Content-Disposition"]
    assert client.get(f"/exercises/{slug}/files/texts/other.txt").status_code == 404
    assert client.get(f"/exercises/{slug}/files/../exercise.toml").status_code == 404
    # The starter download becomes a zip with the support files where the code will find them.
    starter = client.get(f"/exercises/{slug}/starter/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(starter.streaming_content)))
    assert archive.read("texts/poem.txt") == b"the cat and the hat\n"
    assert {"solution.py", "public_tests/test_public.py"} <= set(archive.namelist())


# --------------------------------------------------------------------------- in the real sandbox


@pytest.mark.docker
def test_student_code_reads_the_support_files_in_the_box_and_never_sees_the_hidden_data(tmp_path: Path) -> None:
    exercises, graders, folder = copy_exercise(tmp_path)
    definition = load_exercise(folder, graders, exercises)

    def grade(uploads: dict[str, bytes]):  # type: ignore[no-untyped-def]
        loaded = load_for_exercise(definition, uploads, config=settings.SANDBOX)
        job = build_job(definition, loaded, run_name=f"support-{uuid.uuid4().hex[:8]}",
                        default_limits=settings.SANDBOX_DEFAULT_LIMITS)
        return run_job(job, config=settings.SANDBOX)

    # The reference reads prices.csv and imports pricing.py from its working directory: full marks.
    outcome = grade({"solution.py": REFERENCE})
    assert (outcome.status, outcome.score) == (RunStatus.GRADED, outcome.max_score), outcome
    # A submission that brings its own prices.csv still runs with the exercise's: full marks, and a note.
    outcome = grade({"solution.py": REFERENCE, "prices.csv": b"item,price\nfake,1000.00 EUR\n"})
    assert (outcome.status, outcome.score) == (RunStatus.GRADED, outcome.max_score), outcome
    assert any("your code ran with the exercise's copy" in message for message in outcome.messages)
    # What the student's code can see: the support files beside it, not the grader's data/answers.json.
    spy = (
        "import os\n"
        "def mean_price():\n"
        "    return sorted(os.path.join(r, f)[2:] for r, _, fs in os.walk('.') for f in fs)\n"
        "def most_expensive():\n"
        "    return [p for p in ('/box/in/tests/data/answers.json', '/box/in/files/data/answers.json')\n"
        "            if os.path.exists(p)]\n"
    )
    outcome = grade({"solution.py": spy.encode()})
    messages = {test.name: test.message for test in outcome.tests}
    assert "['prices.csv', 'pricing.py', 'solution.py']" in messages["test_mean_price"], messages
    assert "most_expensive() returned []" in messages["test_most_expensive"], messages
    assert "answers" not in messages["test_mean_price"]
