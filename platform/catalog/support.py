"""Support files: what an exercise hands the student's code at run time (Django-free).

An exercise's `support/` folder (beside `starter/` and `public_tests/` in exercises/<slug>/: public, like
everything under exercises/) holds files the student's code reads: a CSV, an image, a small helper module.
They are part of the exercise's version (catalog.definitions hashes them with the grader), stored with each
version's snapshot (catalog.models.GraderSnapshot.support_files, as the deterministic tar made here), copied
into the student's working directory in the box beside the submission (catalog.jobs), and offered for
download on the exercise page. They never go into the grader box, and the grader's hidden data/ never goes
into the student box: the two stay in separate folders, archives and fields.

A submitted file with a support file's name does not replace it: the exercise's copy is the one the code
reads, and the run says so in a note (a student who zips the whole downloaded folder sends the CSV back,
which is harmless, so it is not refused).
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

SUPPORT_DIR = "support"
# Copied into every run's box (a tmpfs of the exercise's tmpfs_mb, 64 MiB by default) and into every
# version's snapshot row, so they stay small: generate larger data in the student's code from a seed, or
# use what the image's packages ship.
MAX_SUPPORT_FILES = 20
MAX_SUPPORT_BYTES = 4 * 1024 * 1024  # all support files of an exercise together
# The names a submission may use (sandbox.submission), so that every support file could sit in a student's
# folder: letters, digits, '_', '-' and '.', at most 4 levels deep.
NAME_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
MAX_DEPTH = 4


class SupportError(ValueError):
    """The support files break a rule (names, links, sizes, a clash with the submitted files)."""


def _check_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or len(path.parts) > MAX_DEPTH:
        raise SupportError(f"support file {name!r}: use a relative path at most {MAX_DEPTH} folders deep")
    if not all(NAME_PART.match(part) for part in path.parts):
        raise SupportError(f"support file {name!r}: use letters, digits, '_', '-' and '.' only")
    return path.as_posix()


def _clashes(name: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that is ``name``, or a folder of it, or has it as a folder (the two could not
    both be written into one working directory)."""
    for other in others:
        if name == other or name.startswith(other + "/") or other.startswith(name + "/"):
            return other
    return None


def find_support_files(exercise_dir: Path, *, submitted: Iterable[str], module: str) -> dict[str, Path]:
    """The exercise's support files, name (relative POSIX path) -> file, checked: no links, safe names, at
    most MAX_SUPPORT_FILES files and MAX_SUPPORT_BYTES in all, and no clash with a file the student submits
    (``submitted``, and the module the grader imports)."""
    folder = exercise_dir / SUPPORT_DIR
    if not folder.exists():
        return {}
    if folder.is_symlink() or not folder.is_dir():
        raise SupportError(f"{folder} must be a folder, not a link or a file")
    found: dict[str, Path] = {}
    total = 0
    taken = {*submitted, f"{module}.py", module}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise SupportError(f"{path} is a link; support files must be plain files")
        if path.is_dir():
            continue
        name = _check_name(path.relative_to(folder).as_posix())
        clash = _clashes(name, taken)
        if clash is not None:
            raise SupportError(
                f"support file {name} clashes with {clash}, which the student submits; rename the support file"
            )
        total += path.stat().st_size
        found[name] = path
        if len(found) > MAX_SUPPORT_FILES:
            raise SupportError(f"{folder}: more than {MAX_SUPPORT_FILES} support files")
        if total > MAX_SUPPORT_BYTES:
            raise SupportError(
                f"{folder}: the support files come to more than {MAX_SUPPORT_BYTES // 1024 // 1024} MiB; generate "
                "larger data from a seed instead"
            )
    return found


def read_support_files(paths: Mapping[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in sorted(paths.items())}


def pack(files: Mapping[str, bytes]) -> bytes:
    """Support files as an uncompressed tar that depends only on their names and contents; b"" for none, so a
    version without support files stores nothing."""
    if not files:
        return b""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            content = files[name]
            member = tarfile.TarInfo(_check_name(name))
            member.size, member.mode, member.mtime = len(content), 0o644, 0
            archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


def unpack(archive: bytes) -> dict[str, bytes]:
    """What ``pack`` wrote, in memory (nothing is written to disk): names checked again, plain files only,
    sizes capped."""
    if not archive:
        return {}
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    raise SupportError(f"the stored support files hold {member.name!r}, which is not a plain file")
                name = _check_name(member.name)
                total += member.size
                if len(files) >= MAX_SUPPORT_FILES or total > MAX_SUPPORT_BYTES:
                    raise SupportError("the stored support files are larger than allowed")
                source = tar.extractfile(member)
                assert source is not None  # a plain file always has content
                files[name] = source.read(member.size)
    except tarfile.TarError as exc:
        raise SupportError(f"the stored support files cannot be read: {exc}") from exc
    return files


def with_support_files(
    submitted: Mapping[str, bytes], support: Mapping[str, bytes]
) -> tuple[dict[str, bytes], list[str]]:
    """The files for the student's working directory: the submission plus the support files. A submitted
    file that would replace a support file (or sit where one of its folders is) is left out, with a note."""
    if not support:
        return dict(submitted), []
    left_out = sorted(name for name in submitted if _clashes(name, support) is not None)
    files = {name: content for name, content in submitted.items() if name not in left_out}
    files.update(support)
    notes = []
    if left_out:
        shown = ", ".join(left_out[:8]) + (", ..." if len(left_out) > 8 else "")
        notes.append(
            f"The exercise provides {', '.join(sorted(support)[:8])}; your code ran with the exercise's copy, "
            f"not the file(s) you submitted under that name ({shown})."
        )
    return files, notes


def read_learner_files(exercise_dir: Path) -> dict[str, bytes]:
    """What a student downloads to start from: the exercise's starter/ files and its public tests (as
    "public_tests/<name>"), plain files only (a link could reach any file of the host)."""
    files: dict[str, bytes] = {}
    for folder, prefix, pattern in [("starter", "", "*"), ("public_tests", "public_tests/", "*.py")]:
        root = exercise_dir / folder
        if root.is_dir():
            for path in sorted(root.rglob(pattern)):
                if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
                    files[prefix + path.relative_to(root).as_posix()] = path.read_bytes()
    return files
