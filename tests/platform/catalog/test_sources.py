"""Private exercise sources: folders (GRADIENT_EXERCISE_SOURCES) and git repositories (GRADIENT_EXERCISE_REPOS,
fetched by `manage.py sync_exercises` into GRADIENT_EXERCISE_CACHE_DIR) add exercises and graders beside ours,
checked, versioned and graded like ours. The git tests use a repository made in tmp_path, over file://."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.definitions import ExerciseDefinitionError
from catalog.models import Exercise
from catalog.sources import BUILT_IN, GitSource, SourceError, discover_all, resolve_in, sources_from_settings
from grading.grader_versions import grader_spec_for
from tests.support.paths import PRICE_STATS, PRIVATE_SOURCE, ROOT

WORD_FREQ = "python-foundations/word-frequencies"


def sync(*args: str) -> str:
    out = StringIO()
    call_command("sync_exercises", *args, stdout=out)
    return out.getvalue()


# --------------------------------------------------------------------------- folders


def test_a_folder_source_is_synced_versioned_and_graded_like_ours(private_source: Path) -> None:
    definitions = {d.slug: d for d in discover_all(sources_from_settings(settings))}
    assert set(definitions) == {WORD_FREQ, "python-foundations/grade-book-stats", PRICE_STATS}
    assert definitions[PRICE_STATS].source == str(private_source)
    assert definitions[WORD_FREQ].source == BUILT_IN
    assert "created: acme-data-101/price-stats" in sync("--no-fetch")
    exercise = Exercise.objects.select_related("current_version").get(slug=PRICE_STATS)
    first = exercise.current_version
    assert first is not None and first.max_score == 3
    # A changed hidden test in the private source is a new version, as in ours.
    test_file = private_source / "graders" / PRICE_STATS / "test_price_stats.py"
    test_file.write_text(test_file.read_text() + "\n# reworded\n")
    assert "new grader version: acme-data-101/price-stats" in sync("--no-fetch")
    # Workers grade from the stored snapshot: they need no access to the private folder.
    shutil.rmtree(private_source)
    spec = grader_spec_for(first)
    assert (spec.grader_dir / "test_price_stats.py").is_file() and (spec.grader_dir / "data" / "answers.json").is_file()
    assert set(spec.support_files) == {"prices.csv", "pricing.py"}


def test_a_slug_two_sources_define_is_an_error_naming_both(private_source: Path, grader_tree) -> None:  # type: ignore[no-untyped-def]
    sync("--no-fetch")
    shutil.copytree(grader_tree.exercises / WORD_FREQ, private_source / "exercises" / WORD_FREQ)
    shutil.copytree(grader_tree.graders / WORD_FREQ, private_source / "graders" / WORD_FREQ)
    with pytest.raises(SourceError) as caught:
        discover_all(sources_from_settings(settings))
    message = str(caught.value)
    assert f"{WORD_FREQ} is defined twice" in message
    assert f"in {BUILT_IN} ({grader_tree.exercises / WORD_FREQ})" in message
    assert f"in {private_source} ({private_source / 'exercises' / WORD_FREQ})" in message
    with pytest.raises(SourceError, match="defined twice"):
        resolve_in(sources_from_settings(settings), WORD_FREQ)
    with pytest.raises(CommandError, match="defined twice"):
        sync("--no-fetch")
    assert Exercise.objects.filter(active=True).count() == 3  # nothing was changed


def test_a_missing_source_stops_the_sync_instead_of_deactivating_its_exercises(private_source: Path, tmp_path: Path) -> None:
    sync("--no-fetch")
    settings.GRADIENT_EXERCISE_SOURCES = [tmp_path / "not-mounted"]
    with pytest.raises(CommandError, match="not-mounted has no exercises/ folder"):
        sync("--no-fetch")
    assert Exercise.objects.get(slug=PRICE_STATS).active


# --------------------------------------------------------------------------- git repositories


def git(*args: str, cwd: Path) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=environment).stdout


@pytest.fixture
def remote(grader_tree, tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    """A private exercise repository (a local one, reached over file://) named in GRADIENT_EXERCISE_REPOS."""
    repository = tmp_path / "remote"
    shutil.copytree(PRIVATE_SOURCE, repository)
    git("init", "--quiet", "--initial-branch", "main", cwd=repository)
    git("add", "-A", cwd=repository)
    git("commit", "--quiet", "-m", "a course's exercises", cwd=repository)
    settings.GRADIENT_EXERCISE_SOURCES = []
    settings.GRADIENT_EXERCISE_REPOS = [(repository.as_uri(), "main")]
    settings.GRADIENT_EXERCISE_CACHE_DIR = tmp_path / "cache"
    return repository


def test_a_repository_is_fetched_by_the_sync_and_versioned_like_ours(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not fetched yet"):
        sync("--no-fetch")  # nothing fetched: an error, not an empty source
    output = sync()
    commit = git("rev-parse", "HEAD", cwd=remote).strip()
    assert f"fetched: {remote.as_uri()} main at {commit[:12]}" in output
    assert "created: acme-data-101/price-stats" in output
    first = Exercise.objects.get(slug=PRICE_STATS).current_version
    clones = list((tmp_path / "cache").iterdir())
    assert [c.name for c in clones] == [f"remote-{clones[0].name.rsplit('-', 1)[1]}"]
    # A change pushed to the repository arrives with the next sync only, as a new version.
    csv = remote / "exercises" / PRICE_STATS / "support" / "prices.csv"
    csv.write_text(csv.read_text() + "saucer,3.00 EUR\n")
    git("commit", "--quiet", "-am", "one more item", cwd=remote)
    assert "unchanged: acme-data-101/price-stats" in sync("--no-fetch")
    assert "new grader version: acme-data-101/price-stats" in sync()
    assert Exercise.objects.get(slug=PRICE_STATS).current_version != first
    # An exercise removed from the repository is deactivated (its fetched files are removed too).
    for tree in ("exercises", "graders"):
        (remote / tree / "README.md").write_text("A course's own.\n")
    git("add", "-A", cwd=remote)
    git("rm", "--quiet", "-r", "exercises/acme-data-101", "graders/acme-data-101", cwd=remote)
    git("commit", "--quiet", "-m", "retire it", cwd=remote)
    assert "deactivated: acme-data-101/price-stats" in sync()
    assert not (clones[0] / "exercises" / PRICE_STATS).exists()
    # A ref without an exercises/ folder (a wrong branch, say) stops the sync rather than emptying the source.
    git("rm", "--quiet", "-r", "exercises", cwd=remote)
    git("commit", "--quiet", "-m", "nothing left", cwd=remote)
    with pytest.raises(CommandError, match="holds no exercises/ folder"):
        sync()


def test_a_repository_that_cannot_be_fetched_says_so_without_its_credentials(remote: Path) -> None:
    settings.GRADIENT_EXERCISE_REPOS = [("file://deploy:s3cret@/nowhere/repo.git", "main")]
    with pytest.raises(CommandError) as caught:
        sync()
    assert "git fetch failed" in str(caught.value) and "s3cret" not in str(caught.value)
    assert GitSource.parse("https://bot:t0ken@git.example.edu/acme/ml.git#week-3").shown == (
        "https://git.example.edu/acme/ml.git"
    )
    assert GitSource.parse("https://git.example.edu/acme/ml.git").ref == "HEAD"


def test_a_private_exercise_is_found_by_slug_or_by_folder(private_source: Path) -> None:
    with pytest.raises(ExerciseDefinitionError, match="unknown exercise"):
        resolve_in(sources_from_settings(settings), "acme-data-101/no-such-thing")
    by_path = resolve_in(sources_from_settings(settings), str(private_source / "exercises" / PRICE_STATS))
    assert by_path.slug == PRICE_STATS and by_path.source == str(private_source)


def test_the_settings_read_the_sources_from_the_environment(tmp_path: Path) -> None:
    def settings_in(**variables: str) -> subprocess.CompletedProcess[str]:
        code = ("from django.conf import settings; "
                "print([str(p) for p in settings.GRADIENT_EXERCISE_SOURCES], settings.GRADIENT_EXERCISE_REPOS)")
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], capture_output=True,
                              text=True, env={**os.environ, **variables}, timeout=120, check=False)

    result = settings_in(GRADIENT_EXERCISE_SOURCES=f"{tmp_path}/a, {tmp_path}/b",
                         GRADIENT_EXERCISE_REPOS="https://git.example.edu/acme/x.git#week-3,file:///srv/y")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        f"['{tmp_path}/a', '{tmp_path}/b'] "
        "[('https://git.example.edu/acme/x.git', 'week-3'), ('file:///srv/y', 'HEAD')]"
    )
    result = settings_in(GRADIENT_EXERCISE_REPOS="#main")
    assert result.returncode != 0 and "GRADIENT_EXERCISE_REPOS: '#main' names no repository" in result.stderr


# --------------------------------------------------------------------------- checked like ours


@pytest.mark.docker
def test_check_exercises_checks_a_private_exercise_like_ours(tmp_path: Path) -> None:
    folder = tmp_path / "private-source"
    shutil.copytree(PRIVATE_SOURCE, folder)
    env = {**os.environ, "GRADIENT_EXERCISE_SOURCES": str(folder)}
    env.pop("SECRET_KEY", None)

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check_exercises", PRICE_STATS, "--runs", "1"],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )

    result = check()
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "1/1 exercises pass" in result.stdout
    assert "plain-float: 0 (caught by test_mean_price, test_most_expensive)" in result.stdout
    # Its checks are ours: a support file that gives away the hidden data fails it.
    shutil.copy(folder / "graders" / PRICE_STATS / "data" / "answers.json",
                folder / "exercises" / PRICE_STATS / "support" / "answers.json")
    result = check()
    assert result.returncode != 0
    assert "hidden data answers.json appears under exercises/" in result.stdout
