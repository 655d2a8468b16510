"""A grader version's files as one deterministic archive, and back again (Django-free).

An assignment is graded with the grader version it was pinned to, not with whatever graders/ holds today, so
`sync_exercises` stores each version's files in the database (catalog.models.GraderSnapshot) and every worker
unpacks them into a folder named after the archive's digest. The archive holds exactly what the sandbox
copies into the grader box: the test_*.py files and the data/ folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from sandbox import grader_test_files

# Graders are small (the largest is about 15 KB); a much larger one is a mistake, not a grader, and would be
# copied into every row of the snapshot table and every worker's cache.
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024
DATA_DIR = "data"


class SnapshotError(ValueError):
    """The grader files cannot be stored, or a stored archive cannot be unpacked as a grader."""


def grader_files(grader_dir: Path) -> list[Path]:
    """The files that make a grader version, in a fixed order: the test_*.py files, then data/ recursively.
    (catalog.definitions hashes the same list, so the hash names exactly what is stored.)"""
    paths = list(grader_test_files(grader_dir))
    data_dir = grader_dir / DATA_DIR
    if data_dir.is_dir():
        paths += sorted(p for p in data_dir.rglob("*") if p.is_file() or p.is_symlink())
    links = [p for p in paths if p.is_symlink()]
    if links:  # a link could store any file of the host (a private source's /proc/self/environ) as grader data
        raise SnapshotError(f"{links[0]} is a link; a grader's files must be plain files")
    return paths


def pack(grader_dir: Path) -> bytes:
    """The grader files as an uncompressed tar that depends on nothing but their names and contents (no
    times, owners or modes), so the same files always give the same bytes and the same digest. PostgreSQL
    compresses the stored value itself."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in grader_files(grader_dir):
            content = path.read_bytes()
            member = tarfile.TarInfo(path.relative_to(grader_dir).as_posix())
            member.size, member.mode, member.mtime = len(content), 0o644, 0
            archive.addfile(member, io.BytesIO(content))
    packed = buffer.getvalue()
    if len(packed) > MAX_ARCHIVE_BYTES:
        raise SnapshotError(
            f"{grader_dir}: the test files and data/ come to {len(packed) // 1024} KiB; a grader may hold at most "
            f"{MAX_ARCHIVE_BYTES // 1024 // 1024} MiB (generate large data in the tests from a seed instead)"
        )
    return packed


def digest(archive: bytes) -> str:
    return hashlib.sha256(archive).hexdigest()


def _member_path(name: str) -> PurePosixPath:
    """Only what `pack` writes: a test_*.py at the top, or a file under data/; never a way out."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SnapshotError(f"the stored grader holds an unsafe path {name!r}")
    top_level_test = len(path.parts) == 1 and path.name.startswith("test_") and path.suffix == ".py"
    if not (top_level_test or (len(path.parts) > 1 and path.parts[0] == DATA_DIR)):
        raise SnapshotError(f"the stored grader holds {name!r}, which is neither a test_*.py file nor under data/")
    return path


def unpack(archive: bytes, target: Path) -> None:
    """Write the archive's files under ``target`` (an empty folder): files 0644, folders 0755, because the
    sandbox copies them into a box that runs as another user."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
            for member in tar.getmembers():
                path = _member_path(member.name)
                if not member.isfile():
                    raise SnapshotError(f"the stored grader holds {member.name!r}, which is not a plain file")
                source = tar.extractfile(member)
                assert source is not None  # a plain file always has content
                destination = target.joinpath(*path.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(source.read())
    except tarfile.TarError as exc:
        raise SnapshotError(f"the stored grader cannot be read: {exc}") from exc
    for written in (target, *target.rglob("*")):
        written.chmod(0o755 if written.is_dir() else 0o644)


def materialise(archive: bytes, expected_digest: str, cache_root: Path) -> Path:
    """The archive unpacked as ``cache_root/<digest>``, made once per machine and then reused. It is unpacked
    into a temporary folder and renamed into place, so a folder under that name is always complete; when two
    workers race, one rename wins and the other's copy is thrown away."""
    actual = digest(archive)
    if actual != expected_digest:
        raise SnapshotError(f"the stored grader does not match its digest ({actual[:12]} != {expected_digest[:12]})")
    final = cache_root / expected_digest
    if final.is_dir():
        return final
    cache_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{expected_digest[:12]}-", dir=cache_root))
    try:
        unpack(archive, scratch)
        os.rename(scratch, final)
    except OSError:
        if not final.is_dir():
            raise
        # Another worker renamed its copy into place first: theirs holds the same bytes.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final
