"""Grader snapshots: each exercise version's test files, data/ and settings stored by the sync, and unpacked
by the workers into a content-addressed folder."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from catalog import snapshots
from catalog.definitions import ExerciseDefinitionError
from catalog.models import ExerciseVersion, GraderSnapshot

# Bytes that are not UTF-8, to prove binary data survives.
LABELS = b"id,label\n1,cat\n2,dog\n"
WEIGHTS = bytes(range(256)) * 4


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def add_data(grader_dir: Path) -> None:
    (grader_dir / "data" / "nested").mkdir(parents=True)
    (grader_dir / "data" / "labels.csv").write_bytes(LABELS)
    (grader_dir / "data" / "nested" / "weights.bin").write_bytes(WEIGHTS)


def test_the_archive_holds_tests_and_data_only_and_depends_on_contents_only(grader_tree) -> None:
    grader_dir = grader_tree.grader_dir()
    add_data(grader_dir)
    first = snapshots.pack(grader_dir)
    # New times and modes, same contents: the same bytes.
    for path in grader_dir.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))
        if path.is_file():
            path.chmod(0o600)
    assert snapshots.pack(grader_dir) == first
    with tarfile.open(fileobj=io.BytesIO(first)) as archive:
        names = archive.getnames()
    # What the sandbox copies into the grader box, and nothing else (no reference/, no wrong/).
    assert names == ["test_word_frequencies.py", "data/labels.csv", "data/nested/weights.bin"]


def test_unpacking_round_trips_the_files_with_modes_the_box_can_read(grader_tree, tmp_path: Path) -> None:
    grader_dir = grader_tree.grader_dir()
    add_data(grader_dir)
    archive = snapshots.pack(grader_dir)
    folder = snapshots.materialise(archive, snapshots.digest(archive), tmp_path / "cache")
    assert folder == tmp_path / "cache" / snapshots.digest(archive)
    assert files_under(folder) == {
        "test_word_frequencies.py": grader_tree.test_file().read_bytes(),
        "data/labels.csv": LABELS,
        "data/nested/weights.bin": WEIGHTS,
    }
    for path in (folder, *folder.rglob("*")):
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path
    # Made once: a second call finds the folder (same inode) and leaves no temporary folder behind.
    inode = folder.stat().st_ino
    assert snapshots.materialise(archive, snapshots.digest(archive), tmp_path / "cache").stat().st_ino == inode
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [folder.name]


def test_a_damaged_or_foreign_archive_is_refused(tmp_path: Path) -> None:
    archive = snapshots.pack(Path(__file__).parents[3] / "graders" / "python-foundations" / "word-frequencies")
    with pytest.raises(snapshots.SnapshotError, match="does not match its digest"):
        snapshots.materialise(archive + b"\0", snapshots.digest(archive), tmp_path / "cache")
    assert not (tmp_path / "cache" / snapshots.digest(archive)).exists()
    for name in ("../escape.py", "/etc/test_x.py", "reference/solution.py", "test_x.txt"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            member = tarfile.TarInfo(name)
            member.size = 1
            tar.addfile(member, io.BytesIO(b"x"))
        with pytest.raises(snapshots.SnapshotError):
            snapshots.unpack(buffer.getvalue(), tmp_path / "unpacked")
    assert not (tmp_path / "escape.py").exists()


def test_sync_stores_each_new_versions_files_data_and_settings(grader_tree, tmp_path: Path) -> None:
    add_data(grader_tree.grader_dir())
    grader_tree.sync()
    exercise = grader_tree.exercise()
    snapshot = GraderSnapshot.objects.get(version=exercise.current_version)
    assert (snapshot.module, snapshot.image, snapshot.gpu) == ("solution", "python", False)
    assert snapshot.limits == {"wall_s": 20, "memory_mb": 256, "call_timeout_s": 2}
    snapshots.unpack(bytes(snapshot.files), tmp_path / "out")
    assert files_under(tmp_path / "out") == {
        "test_word_frequencies.py": grader_tree.test_file().read_bytes(),
        "data/labels.csv": LABELS,
        "data/nested/weights.bin": WEIGHTS,
    }
    # A changed data file is a new version with its own snapshot; the old one keeps the old data.
    (grader_tree.grader_dir() / "data" / "labels.csv").write_bytes(LABELS + b"3,owl\n")
    report = grader_tree.sync()
    assert report.new_versions == ["python-foundations/word-frequencies"]
    old = GraderSnapshot.objects.get(version=snapshot.version_id)
    snapshots.unpack(bytes(old.files), tmp_path / "old")
    assert (tmp_path / "old" / "data" / "labels.csv").read_bytes() == LABELS
    assert GraderSnapshot.objects.count() == ExerciseVersion.objects.count() == 3  # 2 of this exercise, 1 other


def test_a_change_of_only_image_or_module_is_a_new_version_and_changing_back_returns(grader_tree) -> None:
    grader_tree.sync()
    first = grader_tree.exercise().current_version
    meta = grader_tree.metadata()
    original = meta.read_text()
    meta.write_text(original.replace('phase = "python-foundations"', 'phase = "python-foundations"\nimage = "ml"'))
    report = grader_tree.sync()
    second = grader_tree.exercise().current_version
    assert report.new_versions == ["python-foundations/word-frequencies"]
    assert second.pk != first.pk and second.grader_hash.startswith(first.grader_hash + "-")
    assert second.snapshot.image == "ml" and first.snapshot.image == "python"
    meta.write_text(original)
    grader_tree.sync()
    assert grader_tree.exercise().current_version_id == first.pk


def test_sync_stores_the_files_of_an_older_version_that_has_none(grader_tree) -> None:
    """Versions synced before snapshots existed get theirs at the next sync while disk still matches."""
    grader_tree.sync()
    version = grader_tree.exercise().current_version
    GraderSnapshot.objects.filter(version=version).delete()
    report = grader_tree.sync()
    assert "python-foundations/word-frequencies" in report.snapshotted
    assert grader_tree.exercise().current_version_id == version.pk  # the same version, not a new one
    assert GraderSnapshot.objects.filter(version=version).exists()


def test_an_oversized_grader_is_a_clear_sync_error(grader_tree) -> None:
    (grader_tree.grader_dir() / "data").mkdir()
    (grader_tree.grader_dir() / "data" / "huge.bin").write_bytes(os.urandom(snapshots.MAX_ARCHIVE_BYTES + 1))
    with pytest.raises(ExerciseDefinitionError, match="a grader may hold at most"):
        grader_tree.sync()
    assert not ExerciseVersion.objects.exists()  # the sync is one transaction


def test_a_link_among_the_grader_files_is_refused_never_followed(grader_tree, tmp_path: Path) -> None:
    # A private source's grader could point data/ at any file of the machine that syncs it (its environment,
    # its keys): the link is refused, by the hash and by the archive alike.
    secret = tmp_path / "host-secret.txt"
    secret.write_text("DATABASE_URL=postgres://...")
    grader_dir = grader_tree.grader_dir()
    (grader_dir / "data").mkdir(exist_ok=True)
    (grader_dir / "data" / "answers.txt").symlink_to(secret)
    with pytest.raises(snapshots.SnapshotError, match="link"):
        snapshots.pack(grader_dir)
    from catalog.definitions import discover

    with pytest.raises(ExerciseDefinitionError, match="link"):
        for definition in discover(grader_tree.exercises, grader_tree.graders):
            definition.grader_hash  # noqa: B018 - computing it is the check
