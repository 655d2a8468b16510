"""Data and model versioning by hand: a content-addressed store, pointer files, checkout and a model registry."""

import hashlib
import json
import os

STORE = ".dvstore"
STAGES = ("none", "staging", "production", "archived")


# --------------------------------------------------------------------------- helpers (given complete)


def write_file(root, rel_path, data):
    """Write bytes to root/rel_path, creating the folders on the way."""
    full = os.path.join(root, *rel_path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as handle:
        handle.write(data)


def read_file(root, rel_path):
    """The bytes of root/rel_path."""
    with open(os.path.join(root, *rel_path.split("/")), "rb") as handle:
        return handle.read()


def file_exists(root, rel_path):
    return os.path.isfile(os.path.join(root, *rel_path.split("/")))


def remove_file(root, rel_path):
    os.remove(os.path.join(root, *rel_path.split("/")))


def list_files(root):
    """Every file under root, as sorted relative paths with '/' separators."""
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


# --------------------------------------------------------------------------- the store


def hash_bytes(data):
    return hashlib.sha256(data).hexdigest()


def _load_json(root, rel_path, default):
    if not file_exists(root, rel_path):
        return default
    return json.loads(read_file(root, rel_path).decode("utf-8"))


def _save_json(root, rel_path, value):
    write_file(root, rel_path, json.dumps(value, indent=2, sort_keys=True).encode("utf-8"))


class DataRepo:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, STORE, "objects"), exist_ok=True)

    # -- objects
    def object_path(self, digest):
        return f"{STORE}/objects/{digest[:2]}/{digest[2:]}"

    def _put(self, data):
        digest = hash_bytes(data)
        if not file_exists(self.root, self.object_path(digest)):
            write_file(self.root, self.object_path(digest), data)
        return digest

    def _get(self, digest):
        rel = self.object_path(digest)
        if not file_exists(self.root, rel):
            raise KeyError(f"no object {digest} in the store")
        data = read_file(self.root, rel)
        if hash_bytes(data) != digest:
            raise ValueError(f"the object {digest} is corrupted: its bytes hash to {hash_bytes(data)}")
        return data

    def has_object(self, digest):
        return file_exists(self.root, self.object_path(digest))

    # -- tracked paths
    def _history_all(self):
        return _load_json(self.root, f"{STORE}/history.json", {})

    def _pointer(self, path):
        return json.loads(read_file(self.root, path + ".dv").decode("utf-8"))

    def _write_pointer(self, path, digest, size):
        _save_json(self.root, path + ".dv", {"path": path, "sha256": digest, "size": size})

    def add(self, path):
        if not file_exists(self.root, path):
            raise FileNotFoundError(f"{path} does not exist under {self.root}")
        data = read_file(self.root, path)
        digest = self._put(data)
        history = self._history_all()
        versions = history.setdefault(path, [])
        current = self._pointer(path)["sha256"] if file_exists(self.root, path + ".dv") else None
        if digest != current or not versions:
            versions.append(digest)
        _save_json(self.root, f"{STORE}/history.json", history)
        self._write_pointer(path, digest, len(data))
        return digest

    def tracked(self):
        return sorted(self._history_all())

    def status(self):
        result = {}
        for path in self.tracked():
            if not file_exists(self.root, path):
                result[path] = "deleted"
            elif hash_bytes(read_file(self.root, path)) == self._pointer(path)["sha256"]:
                result[path] = "unchanged"
            else:
                result[path] = "modified"
        return result

    def history(self, path):
        history = self._history_all()
        if path not in history:
            raise KeyError(f"{path} is not tracked")
        return list(history[path])

    def current(self, path):
        self.history(path)
        return self._pointer(path)["sha256"]

    def checkout(self, path, version=None):
        versions = self.history(path)
        if version is None:
            digest = self._pointer(path)["sha256"]
        elif isinstance(version, int) and not isinstance(version, bool):
            if not -len(versions) <= version < len(versions):
                raise KeyError(f"{path} has {len(versions)} versions; there is no version {version}")
            digest = versions[version]
        elif isinstance(version, str) and version in versions:
            digest = version
        else:
            raise KeyError(f"{version!r} is not a version of {path}")
        data = self._get(digest)
        write_file(self.root, path, data)
        self._write_pointer(path, digest, len(data))
        return digest


# --------------------------------------------------------------------------- the model registry


class ModelRegistry:
    def __init__(self, repo):
        self.repo = repo
        self._file = f"{STORE}/registry.json"

    def _load(self):
        return _load_json(self.repo.root, self._file, {})

    def _save(self, models):
        _save_json(self.repo.root, self._file, models)

    def _entry(self, models, name, version):
        if name not in models:
            raise KeyError(f"no model named {name!r}")
        for entry in models[name]:
            if entry["version"] == version:
                return entry
        raise KeyError(f"model {name!r} has no version {version!r}")

    def register(self, name, model_bytes, data_path, metrics=None):
        state = self.repo.status()
        if data_path not in state:
            raise ValueError(f"{data_path} is not tracked: add it before registering a model trained on it")
        if state[data_path] != "unchanged":
            raise ValueError(f"{data_path} is {state[data_path]}: add it (or check it out) first")
        model_sha = self.repo._put(bytes(model_bytes))
        models = self._load()
        versions = models.setdefault(name, [])
        entry = {
            "name": name,
            "version": len(versions) + 1,
            "model_sha256": model_sha,
            "data_path": data_path,
            "data_sha256": self.repo.current(data_path),
            "stage": "none",
            "metrics": dict(metrics or {}),
        }
        versions.append(entry)
        self._save(models)
        return entry["version"]

    def get(self, name, version):
        return dict(self._entry(self._load(), name, version))

    def versions(self, name):
        models = self._load()
        if name not in models:
            raise KeyError(f"no model named {name!r}")
        return [dict(entry) for entry in models[name]]

    def transition(self, name, version, stage):
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; the stages are {', '.join(STAGES)}")
        models = self._load()
        entry = self._entry(models, name, version)
        entry["stage"] = stage
        self._save(models)

    def latest(self, name, stage):
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        matching = [entry for entry in self.versions(name) if entry["stage"] == stage]
        return matching[-1] if matching else None

    def load_model(self, name, version):
        return self.repo._get(self.get(name, version)["model_sha256"])
