"""The statement and starter travel with the grader version: students of an assignment pinned to an older
version read that version's statement and download its starter after the author changed both; practice (and
a new assignment) shows the new ones; a statement-only fix amends the current version without making a new
one; a version stored before statements were kept falls back to the exercise's current files."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from django.utils import timezone

from catalog.models import GraderSnapshot
from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory, UserFactory

WORD_FREQ = "python-foundations/word-frequencies"


def starter(response) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if response["Content-Disposition"].endswith('.zip"'):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    return {response["Content-Disposition"].split('filename="')[1].rstrip('"'): body}


def test_a_pinned_assignment_keeps_its_statement_and_starter(client, grader_tree) -> None:
    grader_tree.sync()
    old_version = grader_tree.exercise().current_version
    now = timezone.now()
    cohort = CohortFactory()
    assignment = AssignmentFactory(
        cohort=cohort, exercise=grader_tree.exercise(), opens_at=now - timedelta(days=1), due_at=now + timedelta(days=1)
    )
    student = UserFactory()
    EnrolmentFactory(cohort=cohort, user=student)
    client.force_login(student)
    exercise_dir = grader_tree.exercises / WORD_FREQ
    old_starter = starter(client.get(f"/assignments/{assignment.pk}/starter/"))
    assert "solution.py" in old_starter

    # The author changes the grader, the statement and the starter together: a new version.
    (exercise_dir / "README.md").write_text("# Word frequencies v2\n\nNow count **bigrams** too.\n")
    (exercise_dir / "starter" / "solution.py").write_text("# v2 starter\n")
    grader_tree.test_file().write_text(grader_tree.test_file().read_text() + "\n\ndef test_v2(student):\n    assert True\n")
    report = grader_tree.sync()
    assert report.new_versions == [WORD_FREQ]
    assert grader_tree.exercise().current_version != old_version

    page = client.get(f"/assignments/{assignment.pk}/").content.decode()
    assert "bigrams" not in page and "Word frequencies" in page
    assert starter(client.get(f"/assignments/{assignment.pk}/starter/")) == old_starter
    # Practice reads the current version.
    assert "bigrams" in client.get(f"/exercises/{WORD_FREQ}/").content.decode()
    assert starter(client.get(f"/exercises/{WORD_FREQ}/starter/"))["solution.py"] == b"# v2 starter\n"
    # The assignment page links its own starter, not the practice one.
    assert f'href="/assignments/{assignment.pk}/starter/"' in page


def test_a_statement_only_fix_amends_the_current_version(client, grader_tree) -> None:
    grader_tree.sync()
    version = grader_tree.exercise().current_version
    readme = grader_tree.exercises / WORD_FREQ / "README.md"
    readme.write_text(readme.read_text() + "\nA typo, fixed.\n")
    report = grader_tree.sync()
    assert report.new_versions == [] and grader_tree.exercise().current_version == version
    assert GraderSnapshot.objects.get(version=version).statement_md.endswith("A typo, fixed.\n")
    client.force_login(UserFactory())
    assert "A typo, fixed." in client.get(f"/exercises/{WORD_FREQ}/").content.decode()


def test_a_version_stored_before_statements_were_kept_reads_the_current_files(client, grader_tree) -> None:
    grader_tree.sync()
    version = grader_tree.exercise().current_version
    GraderSnapshot.objects.filter(version=version).update(statement_md="", starter_files=b"", learner_files_at=None)
    client.force_login(UserFactory())
    assert "Word frequencies" in client.get(f"/exercises/{WORD_FREQ}/").content.decode()
    assert "solution.py" in starter(client.get(f"/exercises/{WORD_FREQ}/starter/"))
