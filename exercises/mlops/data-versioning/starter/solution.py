"""Data and model versioning by hand: a content-addressed store, pointer files, checkout and a model registry.

The five file helpers at the top are complete: keep them as they are (the grader uses them too).
Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
"""

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


# --------------------------------------------------------------------------- your code


def hash_bytes(data):
    """The SHA-256 hex digest of the bytes."""
    raise NotImplementedError("hash_bytes is not written yet")


class DataRepo:
    """A content-addressed store under root/.dvstore, with a pointer file `<path>.dv` per tracked path."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, STORE, "objects"), exist_ok=True)

    def object_path(self, digest):
        """'.dvstore/objects/' + digest[:2] + '/' + digest[2:]"""
        raise NotImplementedError("object_path is not written yet")

    def add(self, path):
        """Store the working file's bytes, write the pointer file, record a new version; return the digest."""
        raise NotImplementedError("add is not written yet")

    def status(self):
        """{path: 'unchanged' | 'modified' | 'deleted'} for every tracked path, by hashing the bytes."""
        raise NotImplementedError("status is not written yet")

    def history(self, path):
        """The digests recorded for path, oldest first (KeyError if never added)."""
        raise NotImplementedError("history is not written yet")

    def current(self, path):
        """The digest the pointer file records (KeyError if never added)."""
        raise NotImplementedError("current is not written yet")

    def checkout(self, path, version=None):
        """Rewrite the working file from the store (None: the pointer's version; int: history index; str:
        digest), point the pointer file at it, and return the digest."""
        raise NotImplementedError("checkout is not written yet")


class ModelRegistry:
    """Model versions with stages and lineage, kept under the repo's root."""

    def __init__(self, repo):
        self.repo = repo

    def register(self, name, model_bytes, data_path, metrics=None):
        """Store the model, record version 1, 2, ... of `name` with its data lineage; return the version."""
        raise NotImplementedError("register is not written yet")

    def get(self, name, version):
        raise NotImplementedError("get is not written yet")

    def versions(self, name):
        raise NotImplementedError("versions is not written yet")

    def transition(self, name, version, stage):
        """Move a version to a stage; a new production version archives the previous one."""
        raise NotImplementedError("transition is not written yet")

    def latest(self, name, stage):
        raise NotImplementedError("latest is not written yet")

    def load_model(self, name, version):
        raise NotImplementedError("load_model is not written yet")
