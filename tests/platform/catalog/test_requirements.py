"""An exercise's extra Python requirements (exercises/README.md, `requirements`): pinned, checked when the
exercise is read, part of its version, and carried by the version's snapshot to the job, so an assignment
pinned to a version keeps its packages. (The derived image itself: tests/sandbox/test_derived_images.py.)"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.definitions import ExerciseDefinitionError, discover
from catalog.jobs import build_job_from_spec
from grading import dispatch
from grading.grader_versions import grader_spec_for
from sandbox import LoadedSubmission

SLUG = "python-foundations/word-frequencies"


def with_requirements(grader_tree, value: str) -> None:  # type: ignore[no-untyped-def]
    """`requirements = <value>` in the exercise's metadata (in place of any before)."""
    meta = grader_tree.metadata()
    text = re.sub(r"(?m)^requirements = .*\n", "", meta.read_text())
    meta.write_text(text.replace("points = 10\n", f"points = 10\nrequirements = {value}\n"))


def definition(grader_tree):  # type: ignore[no-untyped-def]
    return next(d for d in discover(grader_tree.exercises, grader_tree.graders) if d.slug == SLUG)


def test_requirements_make_a_derived_image_named_by_its_base_and_pins(grader_tree) -> None:
    with_requirements(grader_tree, '["tqdm==4.67.1", "Tabulate==0.9.0"]')
    found = definition(grader_tree)
    assert found.image == "python[tabulate==0.9.0,tqdm==4.67.1]"
    assert found.requirements == ("tabulate==0.9.0", "tqdm==4.67.1")
    assert found.grading_settings["image"] == found.image
    # None listed, or an empty list: the base image, as before.
    with_requirements(grader_tree, "[]")
    assert definition(grader_tree).image == "python" and definition(grader_tree).requirements == ()


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ('["tqdm"]', "must be pinned as name==version"),
        ('["tqdm>=4.67"]', "must be pinned as name==version"),
        ('["tqdm==4.*"]', "not an exact version"),
        ('"tqdm==4.67.1"', "'requirements' must be a list"),
        ("[1]", "must be a string"),
        ('["numpy==2.3.0"]', "conflicts with the python image, which has numpy==2.4.6"),
    ],
)
def test_an_unpinned_malformed_or_conflicting_requirement_is_refused_when_read(
    grader_tree, value: str, complaint: str
) -> None:
    with_requirements(grader_tree, value)
    with pytest.raises(ExerciseDefinitionError, match=complaint.replace("[", r"\[")) as caught:
        definition(grader_tree)
    assert str(grader_tree.metadata()) in str(caught.value)


def test_sync_and_check_refuse_a_bad_requirement_before_touching_anything(grader_tree) -> None:
    grader_tree.sync()
    before = grader_tree.exercise().current_version_id
    with_requirements(grader_tree, '["tqdm"]')
    with pytest.raises(CommandError, match="must be pinned as name==version"):
        call_command("sync_exercises", "--no-fetch")
    with pytest.raises(CommandError, match="must be pinned as name==version"):
        call_command("check_exercises", SLUG)  # refused before any image is built or job run
    assert grader_tree.exercise().current_version_id == before


def test_requirements_are_part_of_the_version_and_a_pinned_version_keeps_its_image(grader_tree, settings) -> None:
    grader_tree.sync()
    plain = grader_tree.exercise().current_version
    with_requirements(grader_tree, '["tqdm==4.67.1"]')
    report = grader_tree.sync()
    with_tqdm = grader_tree.exercise().current_version
    assert report.new_versions == [SLUG] and report.derived_images == ["python[tqdm==4.67.1]"]
    assert with_tqdm.pk != plain.pk and with_tqdm.grader_hash.startswith(plain.grader_hash + "-")
    assert with_tqdm.snapshot.image == "python[tqdm==4.67.1]" and plain.snapshot.image == "python"
    assert grader_tree.sync().unchanged.count(SLUG) == 1  # unchanged requirements: the same version
    # Another pin is another version; going back finds the earlier one.
    meta = grader_tree.metadata()
    meta.write_text(meta.read_text().replace("tqdm==4.67.1", "tqdm==4.67.0"))
    grader_tree.sync()
    assert grader_tree.exercise().current_version_id not in (plain.pk, with_tqdm.pk)
    meta.write_text(meta.read_text().replace("tqdm==4.67.0", "tqdm==4.67.1"))
    grader_tree.sync()
    assert grader_tree.exercise().current_version_id == with_tqdm.pk
    # The files now ask for nothing; the pinned version's job still names its derived image, from its snapshot.
    meta.write_text(meta.read_text().replace('requirements = ["tqdm==4.67.1"]\n', ""))
    grader_tree.sync()
    assert grader_tree.exercise().current_version_id == plain.pk
    spec = grader_spec_for(with_tqdm)
    assert spec.image == "python[tqdm==4.67.1]"
    loaded = LoadedSubmission(files={"solution.py": b"x = 1\n"})
    job = build_job_from_spec(spec, loaded, run_name="pinned", default_limits=settings.SANDBOX_DEFAULT_LIMITS)
    assert job.image == "python[tqdm==4.67.1]"
    assert grader_spec_for(plain).image == "python"


def test_a_derived_image_waits_in_its_bases_queue(grader_tree, settings) -> None:
    settings.GRADING_LONG_QUEUE_IMAGES = ["ml"]
    meta = grader_tree.metadata()
    meta.write_text(meta.read_text().replace("points = 10\n", 'points = 10\nimage = "ml"\nrequirements = ["tqdm==4.67.1"]\n'))
    grader_tree.sync()
    version = grader_tree.exercise().current_version
    assert version.snapshot.image == "ml[tqdm==4.67.1]"
    assert dispatch.queue_for(version) == "cpu-long"
