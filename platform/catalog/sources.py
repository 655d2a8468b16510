"""Where exercises come from: this repository's exercises/ and graders/, plus a deployment's own (Django-free).

graders/ in this open-source repository is public, so a real course's hidden tests live elsewhere: in
further folders (GRADIENT_EXERCISE_SOURCES) or private git repositories (GRADIENT_EXERCISE_REPOS), each
holding exercises/ and graders/ trees laid out like ours. A repository is cloned or fetched into
GRADIENT_EXERCISE_CACHE_DIR only by an operator's command (`manage.py sync_exercises`, or
`check_exercises --fetch`), never by a worker: workers grade from the snapshots the sync stores in the
database, whatever the folders hold.

Every source is read the same way (catalog.definitions), checked by check_exercises and versioned by the
sync like ours. A slug must be unique across all sources: two sources that define it are an error naming
both, never a silent choice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from catalog.definitions import ExerciseDefinition, ExerciseDefinitionError, load_exercise, roadmap_order

BUILT_IN = "this repository"
GIT_TIMEOUT_S = 300
GIT_LOCAL_VARIABLES = frozenset({
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR", "GIT_NAMESPACE",
})


class SourceError(ExerciseDefinitionError):
    """A configured source is missing, or a repository cannot be fetched."""


@dataclass(frozen=True)
class ExerciseSource:
    name: str  # how messages name it: "this repository", a folder, a repository URL (without credentials)
    exercises_root: Path
    graders_root: Path
    fetched_from: str = ""  # the repository's URL (credentials removed) for a git source


@dataclass(frozen=True)
class GitSource:
    url: str
    ref: str  # a branch or tag (or a commit, where the server allows fetching one); "HEAD": the default branch

    @classmethod
    def parse(cls, text: str) -> GitSource:
        """``URL#REF`` (``#REF`` optional: the remote's default branch)."""
        url, _, ref = text.strip().partition("#")
        if not url:
            raise ValueError(f"{text!r} names no repository")
        return cls(url=url, ref=ref.strip() or "HEAD")

    @property
    def shown(self) -> str:
        """The URL without a user name or token, for messages and logs."""
        parts = urlsplit(self.url)
        if parts.password is None and parts.username is None:
            return self.url
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit(parts._replace(netloc=netloc))

    def folder(self, cache_root: Path) -> Path:
        """Its clone: named after the repository and a digest of the whole URL, so two repositories with the
        same name do not share a folder."""
        base = re.sub(r"\.git$", "", self.url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
        base = re.sub(r"[^A-Za-z0-9_.-]", "-", base)[:40] or "repository"
        return cache_root / f"{base}-{hashlib.sha256(self.url.encode()).hexdigest()[:10]}"


def configured_sources(
    *,
    exercises_dir: Path,
    graders_dir: Path,
    folders: list[Path],
    repos: list[GitSource],
    cache_dir: Path,
) -> list[ExerciseSource]:
    """This repository's source first, then the folders, then the repositories' clones, in the settings'
    order (a clone that is not fetched yet is listed too; `discover_all` says so)."""
    found = [ExerciseSource(BUILT_IN, exercises_dir, graders_dir)]
    found += [ExerciseSource(str(folder), folder / "exercises", folder / "graders") for folder in folders]
    for repo in repos:
        clone = repo.folder(cache_dir)
        found.append(ExerciseSource(repo.shown, clone / "exercises", clone / "graders", fetched_from=repo.shown))
    return found


def sources_from_settings(settings: Any) -> list[ExerciseSource]:
    """The sources the Django settings name (config/settings.py; passed in so this module stays Django-free)."""
    return configured_sources(
        exercises_dir=Path(settings.GRADIENT_EXERCISES_DIR),
        graders_dir=Path(settings.GRADIENT_GRADERS_DIR),
        folders=[Path(folder) for folder in settings.GRADIENT_EXERCISE_SOURCES],
        repos=[GitSource(url, ref) for url, ref in settings.GRADIENT_EXERCISE_REPOS],
        cache_dir=Path(settings.GRADIENT_EXERCISE_CACHE_DIR),
    )


def _check_present(source: ExerciseSource) -> None:
    """A source that has gone missing must stop the sync: read as empty, it would deactivate its exercises."""
    if not source.exercises_root.is_dir():
        if source.fetched_from and not (source.exercises_root.parent / ".git").is_dir():
            raise SourceError(
                f"the exercise repository {source.name} is not fetched yet ({source.exercises_root.parent} does "
                "not exist): run `manage.py sync_exercises` (it fetches first)"
            )
        if source.fetched_from:
            raise SourceError(f"the exercise repository {source.name} holds no exercises/ folder at the ref fetched")
        raise SourceError(f"the exercise source {source.name} has no exercises/ folder ({source.exercises_root})")
    if not source.graders_root.is_dir():
        raise SourceError(f"the exercise source {source.name} has no graders/ folder ({source.graders_root})")


def _load(source: ExerciseSource, exercise_dir: Path) -> ExerciseDefinition:
    definition = load_exercise(exercise_dir, source.graders_root, source.exercises_root)
    return dataclasses.replace(definition, source=source.name)


def _duplicate(slug: str, first: ExerciseDefinition, second: ExerciseDefinition) -> SourceError:
    return SourceError(
        f"the exercise {slug} is defined twice: in {first.source} ({first.exercise_dir}) and in {second.source} "
        f"({second.exercise_dir}); a slug must be unique across all exercise sources, so rename one of them"
    )


def discover_all(sources: list[ExerciseSource]) -> list[ExerciseDefinition]:
    """Every exercise of every source, in roadmap order (unlisted exercises last); refuses a missing source
    and a slug two sources define."""
    by_slug: dict[str, ExerciseDefinition] = {}
    for source in sources:
        _check_present(source)
        for meta in sorted(source.exercises_root.glob("*/*/exercise.toml")):
            definition = _load(source, meta.parent)
            if definition.slug in by_slug:
                raise _duplicate(definition.slug, by_slug[definition.slug], definition)
            by_slug[definition.slug] = definition
    return sorted(by_slug.values(), key=roadmap_order)


def _holding(sources: list[ExerciseSource], slug: str) -> list[ExerciseSource]:
    slug = slug.strip("/")
    if not slug or ".." in Path(slug).parts or Path(slug).is_absolute():
        return []
    return [s for s in sources if (s.exercises_root / slug / "exercise.toml").is_file()]


def find_exercise_dir(sources: list[ExerciseSource], slug: str) -> Path | None:
    """The folder of the exercise with this slug (for its starter files), or None."""
    holding = _holding(sources, slug)
    if len(holding) > 1:
        first, second = (_load(s, s.exercises_root / slug.strip("/")) for s in holding[:2])
        raise _duplicate(slug, first, second)
    return holding[0].exercises_root / slug.strip("/") if holding else None


def resolve_in(sources: list[ExerciseSource], exercise: str) -> ExerciseDefinition:
    """An exercise by slug ("python-foundations/word-frequencies") or by the path of its folder, in any
    source."""
    candidate = Path(exercise)
    if (candidate / "exercise.toml").is_file():
        folder = candidate.resolve()
        for source in sources:
            root = source.exercises_root.resolve()
            if folder.is_relative_to(root):
                return resolve_in(sources, folder.relative_to(root).as_posix())
        raise ExerciseDefinitionError(
            f"{exercise} is not inside the exercises/ folder of any source ({', '.join(s.name for s in sources)})"
        )
    holding = _holding(sources, exercise)
    if len(holding) > 1:
        first, second = (_load(s, s.exercises_root / exercise.strip("/")) for s in holding[:2])
        raise _duplicate(exercise.strip("/"), first, second)
    if holding:
        return _load(holding[0], holding[0].exercises_root / exercise.strip("/"))
    known = []
    for source in sources:
        if source.exercises_root.is_dir():
            known += [m.parent.relative_to(source.exercises_root).as_posix()
                      for m in sorted(source.exercises_root.glob("*/*/exercise.toml"))]
    raise ExerciseDefinitionError(f"unknown exercise {exercise!r}; known exercises: {', '.join(known) or 'none'}")


# --------------------------------------------------------------------------- fetching repositories


def _git(*args: str, cwd: Path | None = None) -> str:
    # The deployment's own git settings (an SSH key in GIT_SSH_COMMAND, a credential helper) still apply;
    # only variables that would point git at another repository are dropped.
    environment = {k: v for k, v in os.environ.items() if k not in GIT_LOCAL_VARIABLES}
    environment["GIT_TERMINAL_PROMPT"] = "0"  # a missing credential fails at once instead of waiting
    try:
        result = subprocess.run(
            ["git", "-c", "core.hooksPath=/dev/null", "-c", "submodule.recurse=false", *args],
            cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False, env=environment,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"git {args[0]} failed: {exc}") from exc
    if result.returncode != 0:
        raise SourceError(f"git {args[0]} failed: {result.stderr.strip()[-500:]}")
    return result.stdout.strip()


def fetch(repo: GitSource, cache_dir: Path) -> str:
    """Fetch ``repo``'s ref into its clone under ``cache_dir`` and check it out (files the ref no longer has
    are removed); returns the commit. Only operators' commands call this."""
    clone = repo.folder(cache_dir)
    if not (clone / ".git").is_dir():
        clone.mkdir(parents=True, exist_ok=True)
        _git("init", "--quiet", str(clone))
    try:
        _git("fetch", "--quiet", "--depth", "1", "--no-tags", "--", repo.url, repo.ref, cwd=clone)
    except SourceError as exc:
        message = str(exc).replace(repo.url, repo.shown)  # never print a token from the URL
        raise SourceError(f"{message} (fetching {repo.ref} of {repo.shown})") from None
    _git("checkout", "--quiet", "--force", "--detach", "FETCH_HEAD", cwd=clone)
    _git("clean", "--quiet", "-ffdx", cwd=clone)
    return _git("rev-parse", "HEAD", cwd=clone)
