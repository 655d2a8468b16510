"""Hidden grader for mlops/data-versioning.

Every test works in its own fresh folder under /tmp in the student box, with file names and contents drawn
per submission (`submission_rng`). Files are created, edited and read through the starter's helpers
(write_file, read_file, remove_file, file_exists, list_files); expected digests come from hashlib here.
"""

import hashlib
import json

from gradient_grader import StudentError, expected, points, submission_rng

SLUG = "mlops/data-versioning"
NAMES = ["train", "valid", "test", "labels", "features", "events", "users", "clicks", "prices", "orders"]
FOLDERS = ["data", "data/raw", "data/processed", "datasets", "inputs/v1"]


def _sha(data):
    return hashlib.sha256(data).hexdigest()


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _root(rng):
    return f"/tmp/dv-{rng.integers(0, 2**48):012x}"


def _paths(rng, n):
    names = rng.choice(NAMES, size=n, replace=False)
    return [f"{rng.choice(FOLDERS)}/{name}.csv" for name in names]


def _content(rng, rows=None):
    rows = int(rows or rng.integers(4, 12))
    lines = ["id,amount,label"] + [
        f"{int(rng.integers(1000, 9999))},{rng.uniform(1, 500):.2f},{int(rng.integers(0, 2))}" for _ in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _same_size_edit(rng, data):
    """One digit changed to another digit: the size stays, the bytes (and the hash) change."""
    positions = [i for i, byte in enumerate(data) if chr(byte).isdigit()]
    i = int(rng.choice(positions))
    old = chr(data[i])
    new = str((int(old) + int(rng.integers(1, 10))) % 10)
    return data[:i] + new.encode() + data[i + 1:]


def _expect_error(kind, call, fn, *args):
    try:
        got = fn(*args)
    except StudentError as error:
        assert error.type_name == kind, f"{call} raised {error.type_name}: {error.message[:200]}, expected {kind}"
        return
    raise AssertionError(f"{call} returned {got!r:.120}, expected it to raise {kind}")


def _objects(student, root):
    return [f for f in student.list_files(root) if f.startswith(".dvstore/objects/")]


def _pointer(student, root, path):
    assert student.file_exists(root, path + ".dv"), f"there is no pointer file {path}.dv after add({path!r})"
    raw = student.read_file(root, path + ".dv")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise AssertionError(f"the pointer file {path}.dv is not JSON ({exc}): {raw[:120]!r}") from None


# --------------------------------------------------------------------------- the store


@points(1)
def test_hash_bytes_and_store_layout(student):
    rng = _rng("layout")
    data = _content(rng)
    got = student.hash_bytes(data)
    assert isinstance(got, str), f"hash_bytes(<{len(data)} bytes>) returned {type(got).__name__}, expected a str"
    assert got == _sha(data), (
        f"hash_bytes(<{len(data)} bytes>) returned {got!r}: expected hashlib.sha256(data).hexdigest(), the 64 "
        "lower-case hex characters of the SHA-256 of the bytes"
    )
    root = _root(rng)
    [path] = _paths(rng, 1)
    student.write_file(root, path, data)
    repo = student.DataRepo(root)
    digest = repo.add(path)
    if digest == _sha(path.encode()) or digest == _sha(path.split("/")[-1].encode()):
        raise AssertionError(
            f"add({path!r}) returned the SHA-256 of the file's NAME. A content-addressed store hashes the file's "
            "bytes: the same name with new content must give a new digest, and the same bytes under another name "
            "the same digest"
        )
    assert digest == _sha(data), (
        f"add({path!r}) returned {digest!r}, which is not the SHA-256 of the file's bytes (hash_bytes(read_file(root, "
        "path)))"
    )
    rel = repo.object_path(digest)
    want_rel = f".dvstore/objects/{digest[:2]}/{digest[2:]}"
    assert rel == want_rel, (
        f"object_path({digest[:12]}...) returned {rel!r}, expected {expected(want_rel)}: '.dvstore/objects/' + "
        "the first two characters + '/' + the other 62"
    )
    objects = _objects(student, root)
    assert objects == [want_rel], (
        f"after one add the store holds the files {objects}, expected exactly the one object at object_path(digest)"
    )
    stored = student.read_file(root, rel)
    assert stored == data, (
        f"the object at {rel} holds {len(stored)} bytes that differ from the {len(data)} bytes of {path}: "
        "store exactly the file's bytes"
    )


@points(1)
def test_pointer_files(student):
    rng = _rng("pointer")
    root = _root(rng)
    paths = _paths(rng, 3)
    contents = [_content(rng) for _ in paths]
    repo = student.DataRepo(root)
    for path, data in zip(paths, contents):
        student.write_file(root, path, data)
        repo.add(path)
    for path, data in zip(paths, contents):
        pointer = _pointer(student, root, path)
        want = {"path": path, "sha256": _sha(data), "size": len(data)}
        assert isinstance(pointer, dict) and set(pointer) == set(want), (
            f"{path}.dv holds {pointer!r:.200}: a pointer file is a JSON object with exactly the keys 'path', "
            "'sha256' and 'size'"
        )
        assert pointer["path"] == path, f"{path}.dv says path {pointer['path']!r}: the tracked path, relative to root"
        assert pointer["size"] == len(data), (
            f"{path}.dv says size {pointer['size']!r} but the file has {len(data)} bytes"
        )
        assert pointer["sha256"] == want["sha256"], (
            f"{path}.dv says sha256 {pointer['sha256']!r:.70}, which is not the SHA-256 of the file's bytes"
        )
        got = repo.current(path)
        assert got == want["sha256"], f"current({path!r}) returned {got!r:.70}, not the digest its pointer records"
    edited = _content(rng, rows=20)
    student.write_file(root, paths[0], edited)
    repo.add(paths[0])
    pointer = _pointer(student, root, paths[0])
    assert pointer.get("sha256") == _sha(edited) and pointer.get("size") == len(edited), (
        f"after editing {paths[0]} and adding it again its pointer file says {pointer!r:.200}: add rewrites the "
        "pointer with the new digest and size"
    )


@points(1)
def test_same_content_is_one_object(student):
    rng = _rng("dedup")
    root = _root(rng)
    paths = _paths(rng, 4)
    shared, other = _content(rng), _content(rng, rows=15)
    repo = student.DataRepo(root)
    for path in paths[:3]:
        student.write_file(root, path, shared)
    student.write_file(root, paths[3], other)
    digests = [repo.add(path) for path in paths]
    assert digests[0] == digests[1] == digests[2], (
        f"the same bytes added as {paths[:3]} got the digests {[d[:12] for d in digests[:3]]}: the key is the "
        "content, so identical files must get one digest"
    )
    assert digests[3] != digests[0], f"different bytes ({paths[3]}) got the same digest as {paths[0]}"
    objects = _objects(student, root)
    want = sorted({f".dvstore/objects/{_sha(d)[:2]}/{_sha(d)[2:]}" for d in (shared, other)})
    assert objects == want, (
        f"after adding three copies of one file and one other file, the store holds {len(objects)} object(s): "
        f"{objects}; expected 2, one per distinct content, each at object_path(sha256 of its bytes)"
    )


# --------------------------------------------------------------------------- status, history, checkout


@points(2)
def test_status_sees_every_change(student):
    rng = _rng("status")
    root = _root(rng)
    paths = _paths(rng, 4)
    contents = {path: _content(rng) for path in paths}
    repo = student.DataRepo(root)
    for path in paths:
        student.write_file(root, path, contents[path])
        repo.add(path)
    student.write_file(root, "notes/readme.txt", b"not tracked")
    got = repo.status()
    want = {path: "unchanged" for path in paths}
    assert got == want, (
        f"status() right after adding {sorted(paths)} returned {got!r}: every tracked path (and only those) "
        "should be 'unchanged'"
    )
    same_size, grown, gone, kept = paths
    student.write_file(root, same_size, _same_size_edit(rng, contents[same_size]))
    student.write_file(root, grown, contents[grown] + b"9999,1.00,1\n")
    student.remove_file(root, gone)
    want = {same_size: "modified", grown: "modified", gone: "deleted", kept: "unchanged"}
    got = repo.status()
    assert isinstance(got, dict), f"status() returned {type(got).__name__}, expected a dict"
    if got.get(same_size) == "unchanged" and got.get(grown) == "modified":
        raise AssertionError(
            f"status() says {same_size!r} is 'unchanged' after one digit of it was edited (the size stayed the "
            "same): compare the SHA-256 of the working file's bytes with the pointer's digest, not its size or "
            "time stamp"
        )
    assert got == want, (
        f"after editing {same_size} (same size), appending a row to {grown} and deleting {gone}, status() "
        f"returned {got!r}, expected {expected(want)}"
    )
    got = student.DataRepo(root).status()
    assert got == want, f"a new DataRepo(root) reports {got!r}: the state must be read from the files under root"
    student.write_file(root, same_size, contents[same_size])
    got = repo.status().get(same_size)
    assert got == "unchanged", (
        f"after writing the original bytes of {same_size} back, status() says {got!r}, expected 'unchanged'"
    )


@points(2)
def test_history_and_checkout_of_earlier_versions(student):
    rng = _rng("history")
    root = _root(rng)
    [path] = _paths(rng, 1)
    versions = [_content(rng) for _ in range(4)]
    while len({_sha(v) for v in versions}) < 4:
        versions = [_content(rng) for _ in range(4)]
    digests = [_sha(v) for v in versions]
    repo = student.DataRepo(root)
    for data in versions:
        student.write_file(root, path, data)
        repo.add(path)
    again = repo.add(path)
    assert again == digests[-1], f"adding {path} again unchanged returned {again!r:.70}, not its digest"
    got = repo.history(path)
    assert got == digests, (
        f"after adding 4 different versions of {path} (then once more unchanged), history returned "
        f"{[d[:12] for d in got]} (first 12 characters): expected the 4 digests in order; unchanged content "
        "records nothing new"
    )
    index = int(rng.integers(0, 3))
    call = f"checkout({path!r}, {index})"
    got = repo.checkout(path, index)
    assert got == digests[index], f"{call} returned {got!r:.70}, not the digest of history({path!r})[{index}]"
    assert student.read_file(root, path) == versions[index], f"after {call} the working file does not hold that version's bytes"
    assert _pointer(student, root, path).get("sha256") == digests[index], (
        f"after {call} the pointer file still names another version: checkout points it at the version written"
    )
    assert repo.status() == {path: "unchanged"}, f"after {call} status() is {repo.status()!r}, expected unchanged"
    assert repo.history(path) == digests, f"{call} changed history({path!r}): a checkout records no new version"
    target = digests[(index + 1) % 4]
    call = f"checkout({path!r}, <the digest of version {(index + 1) % 4}>)"
    assert repo.checkout(path, target) == target, f"{call} did not return that digest"
    assert student.read_file(root, path) == versions[(index + 1) % 4], f"after {call} the working file is wrong"
    call = f"checkout({path!r}, -1)"
    assert repo.checkout(path, -1) == digests[-1], f"{call} should check out the last version"
    assert student.read_file(root, path) == versions[-1], f"after {call} the working file is wrong"
    repo.checkout(path, 0)
    newer = _content(rng, rows=25)
    student.write_file(root, path, newer)
    repo.add(path)
    got = repo.history(path)
    assert got == digests + [_sha(newer)], (
        f"after checking out version 0, editing and adding, history has {len(got)} entries: expected the 4 "
        "earlier digests and the new one appended"
    )


@points(1.5)
def test_checkout_discards_local_edits(student):
    rng = _rng("discard")
    root = _root(rng)
    paths = _paths(rng, 2)
    first, second = _content(rng), _content(rng, rows=14)
    repo = student.DataRepo(root)
    student.write_file(root, paths[0], first)
    repo.add(paths[0])
    student.write_file(root, paths[0], second)
    repo.add(paths[0])
    student.write_file(root, paths[0], _same_size_edit(rng, second))
    got = repo.checkout(paths[0])
    restored = student.read_file(root, paths[0])
    if restored != second:
        raise AssertionError(
            f"{paths[0]} was edited after its last add; checkout({paths[0]!r}) returned {got!r:.70} but left the "
            "edited bytes in the working file. With no version, checkout restores the version the pointer names, "
            "rewriting the working file from the store even though the pointer already names that version "
            "(the pointer says nothing about what is on disk now)"
        )
    assert got == _sha(second), f"checkout({paths[0]!r}) returned {got!r:.70}, not the pointer's digest"
    student.write_file(root, paths[0], b"garbage")
    repo.checkout(paths[0], -1)
    assert student.read_file(root, paths[0]) == second, (
        f"checkout({paths[0]!r}, -1), with the pointer already on the last version and the working file edited, "
        "left the edit in place: always rewrite the working file"
    )
    student.write_file(root, paths[1], first)
    repo.add(paths[1])
    student.remove_file(root, paths[1])
    repo.checkout(paths[1])
    assert student.file_exists(root, paths[1]) and student.read_file(root, paths[1]) == first, (
        f"after deleting {paths[1]}, checkout({paths[1]!r}) did not bring its bytes back"
    )
    assert repo.status() == {paths[0]: "unchanged", paths[1]: "unchanged"}, (
        f"after the checkouts status() returned {repo.status()!r}, expected both paths 'unchanged'"
    )


@points(1)
def test_corrupted_objects_and_unknown_versions(student):
    rng = _rng("errors")
    root = _root(rng)
    [path, untracked] = _paths(rng, 2)
    old, new = _content(rng), _content(rng, rows=13)
    repo = student.DataRepo(root)
    student.write_file(root, path, old)
    repo.add(path)
    student.write_file(root, path, new)
    repo.add(path)
    _expect_error("KeyError", f"checkout({path!r}, 2) (it has 2 versions)", repo.checkout, path, 2)
    _expect_error("KeyError", f"checkout({path!r}, -3)", repo.checkout, path, -3)
    stranger = _sha(_content(rng))
    _expect_error("KeyError", f"checkout({path!r}, <a digest not in its history>)", repo.checkout, path, stranger)
    _expect_error("KeyError", f"history({untracked!r}) (never added)", repo.history, untracked)
    _expect_error("KeyError", f"checkout({untracked!r}) (never added)", repo.checkout, untracked)
    _expect_error("FileNotFoundError", f"add({untracked!r}) (no such file)", repo.add, untracked)
    obj = f".dvstore/objects/{_sha(old)[:2]}/{_sha(old)[2:]}"
    student.write_file(root, obj, _same_size_edit(rng, old))
    _expect_error(
        "ValueError", f"checkout({path!r}, 0) after the stored object of version 0 was corrupted (its bytes no "
        "longer hash to its name)", repo.checkout, path, 0,
    )
    assert student.read_file(root, path) == new, (
        f"checkout({path!r}, 0) refused a corrupted object but changed the working file: check before writing"
    )


@points(0.5)
def test_state_survives_reopening(student):
    rng = _rng("reopen")
    root = _root(rng)
    [path] = _paths(rng, 1)
    versions = [_content(rng), _content(rng, rows=16), _content(rng, rows=3)]
    repo = student.DataRepo(root)
    for data in versions:
        student.write_file(root, path, data)
        repo.add(path)
    reopened = student.DataRepo(root)
    got = reopened.history(path)
    assert got == [_sha(v) for v in versions], (
        f"a new DataRepo(root) returned a history of {len(got)} entries for {path} (3 versions were added with "
        "another DataRepo on the same root): keep the history in a file under root/.dvstore"
    )
    reopened.checkout(path, 1)
    assert student.read_file(root, path) == versions[1], "checkout(path, 1) on a reopened repository wrote the wrong bytes"


# --------------------------------------------------------------------------- the model registry

RECORD_KEYS = {"name", "version", "model_sha256", "data_path", "data_sha256", "stage", "metrics"}


def _record(registry, name, version):
    got = registry.get(name, version)
    assert isinstance(got, dict) and set(got) == RECORD_KEYS, (
        f"get({name!r}, {version}) returned {got!r:.300}: a record is a dict with exactly the keys "
        "data_path, data_sha256, metrics, model_sha256, name, stage and version"
    )
    return got


@points(1)
def test_registry_versions_and_lineage(student):
    rng = _rng("registry")
    root = _root(rng)
    data_path, other_path = _paths(rng, 2)
    data_v1, data_v2, other = _content(rng), _content(rng, rows=17), _content(rng, rows=5)
    repo = student.DataRepo(root)
    student.write_file(root, data_path, data_v1)
    repo.add(data_path)
    student.write_file(root, data_path, data_v2)
    repo.add(data_path)
    student.write_file(root, other_path, other)
    repo.add(other_path)
    registry = student.ModelRegistry(repo)
    models = [bytes(rng.integers(0, 256, int(rng.integers(50, 200))).astype("uint8").tolist()) for _ in range(3)]
    auc = round(float(rng.uniform(0.6, 0.95)), 3)
    got = [registry.register("churn", models[0], data_path, {"auc": auc})]
    repo.checkout(data_path, 0)
    got.append(registry.register("churn", models[1], data_path))
    got.append(registry.register("fraud", models[2], other_path, {"recall": 0.5}))
    assert got == [1, 2, 1], f"register returned the versions {got}: each name counts 1, 2, 3, ... on its own"
    first, second = _record(registry, "churn", 1), _record(registry, "churn", 2)
    assert first["model_sha256"] == _sha(models[0]), "get('churn', 1)['model_sha256'] is not the SHA-256 of its model bytes"
    assert first["data_path"] == data_path and first["metrics"] == {"auc": auc}, (
        f"get('churn', 1) returned data_path {first['data_path']!r} and metrics {first['metrics']!r}, not what "
        "register was given"
    )
    assert first["stage"] == "none" and second["metrics"] == {}, (
        f"a new version's stage is 'none' (got {first['stage']!r}) and its metrics {{}} when none are given "
        f"(got {second['metrics']!r})"
    )
    assert first["data_sha256"] == _sha(data_v2), (
        "get('churn', 1)['data_sha256'] is not the digest the data's pointer named when version 1 was registered"
    )
    assert second["data_sha256"] == _sha(data_v1), (
        "version 2 was registered after checking out the first data version, but its data_sha256 is not that "
        "version's digest: lineage is repo.current(data_path) at registration"
    )
    assert student.read_file(root, repo.object_path(_sha(models[1]))) == models[1], (
        "the model's bytes are not in the store at object_path(model_sha256)"
    )
    assert registry.load_model("churn", 1) == models[0], "load_model('churn', 1) did not return the registered bytes"
    assert [r.get("version") for r in registry.versions("churn")] == [1, 2], "versions('churn') should list 1 and 2"
    student.write_file(root, data_path, _same_size_edit(rng, data_v1))
    _expect_error("ValueError", f"register('churn', ..., {data_path!r}) after editing {data_path} without adding it",
                  registry.register, "churn", models[0], data_path)
    _expect_error("ValueError", "register('churn', ..., 'nowhere/never_added.csv')",
                  registry.register, "churn", models[0], "nowhere/never_added.csv")
    _expect_error("KeyError", "get('churn', 9)", registry.get, "churn", 9)
    _expect_error("KeyError", "versions('unknown-model')", registry.versions, "unknown-model")


@points(1)
def test_one_production_version(student):
    rng = _rng("stages")
    root = _root(rng)
    [data_path] = _paths(rng, 1)
    repo = student.DataRepo(root)
    student.write_file(root, data_path, _content(rng))
    repo.add(data_path)
    registry = student.ModelRegistry(repo)
    n = int(rng.integers(4, 7))
    for i in range(n):
        registry.register("ranker", f"ranker weights {i} {rng.integers(10**9)}".encode(), data_path)
    registry.register("other", b"other weights", data_path)
    registry.transition("other", 1, "production")
    order = [int(v) for v in rng.permutation(n) + 1]
    stages = {v: "none" for v in range(1, n + 1)}
    done = []
    for step, version in enumerate(order):
        stage = "staging" if step % 3 == 2 else "production"
        registry.transition("ranker", version, stage)
        done.append(f"transition('ranker', {version}, {stage!r})")
        if stage == "production":
            for v, s in stages.items():
                if s == "production":
                    stages[v] = "archived"
        stages[version] = stage
        got = {r["version"]: r["stage"] for r in registry.versions("ranker")}
        production = sorted(v for v, s in got.items() if s == "production")
        assert len(production) <= 1, (
            f"after {'; '.join(done)} the versions {production} are all in production: promoting a version to "
            "production must move the one that was there before to 'archived'"
        )
        assert got == stages, f"after {'; '.join(done)} the stages are {got}, expected {expected(stages)}"
    want_latest = max((v for v, s in stages.items() if s == "production"), default=None)
    got = registry.latest("ranker", "production")
    assert (got or {}).get("version") == want_latest, (
        f"latest('ranker', 'production') returned {got!r:.200} after {'; '.join(done)}"
    )
    assert registry.get("other", 1)["stage"] == "production", (
        "promoting versions of 'ranker' changed the stage of model 'other': only versions of the same name are archived"
    )
    _expect_error("ValueError", "transition('ranker', 1, 'prod')", registry.transition, "ranker", 1, "prod")
    _expect_error("KeyError", f"transition('ranker', {n + 1}, 'staging')", registry.transition, "ranker", n + 1, "staging")
    reopened = student.ModelRegistry(student.DataRepo(root))
    got = {r["version"]: r["stage"] for r in reopened.versions("ranker")}
    assert got == stages, f"a registry reopened on the same root reports the stages {got}: keep them on disk"
