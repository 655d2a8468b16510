"""An exercise's extra Python requirements, and the names of the derived images that carry them.

An exercise may ask for a few packages its image lacks (``requirements = ["tqdm==4.67.1"]`` in exercise.toml).
It is then graded in a *derived* image: the base image (``python``, ``ml``) plus one layer with those wheels
(sandbox/images.py builds it). The job's image name says both, normalised and sorted, so that one list means
one name: ``python[tabulate==0.9.0,tqdm==4.67.1]``. A plain ``python`` is the base image itself.

Only exact pins (``name==version``) are accepted: a derived image is tagged by a hash of its inputs, and only
an exact pin makes the same inputs mean the same image (``tqdm>=4`` could fetch another release tomorrow and
put it under the same tag, so two workers would grade the same version differently). No extras, markers, URLs
or files: a package's extra dependencies are listed by name, like the rest.

Pure functions, no Docker: the platform calls :func:`image_with` when it reads an exercise (so a malformed or
conflicting requirement stops ``sync_exercises`` and ``check_exercises``), and the worker's :func:`parse_image`
reads the name a grader version stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MAX_REQUIREMENTS = 20
# The longest image name (the platform stores it: catalog.GraderSnapshot.image has room for this many).
MAX_IMAGE_NAME = 1000
_BASE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$")
# A PEP 440 version in its normal form (what `pip download name==version` matches exactly), no wildcard.
_VERSION = re.compile(
    r"^(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
    r"(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?$"
)
_IMAGE = re.compile(r"^(?P<base>[^\[\]]+)(?:\[(?P<requirements>[^\[\]]*)\])?$")


class RequirementError(ValueError):
    """A requirement, or a derived image name, that is not accepted; the message says why and what to write."""


def normalise_name(name: str) -> str:
    """A distribution's name as package indexes compare it (PEP 503): ``Typing_Extensions`` is ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: object) -> tuple[str, str]:
    """``(normalised name, version)`` of a pinned ``name==version``; RequirementError otherwise."""
    if not isinstance(text, str):
        raise RequirementError(f"a requirement must be a string such as \"tqdm==4.67.1\", not {text!r}")
    name, sep, version = text.strip().partition("==")
    name, version = name.strip(), version.strip()
    if not sep or not _NAME.match(name) or version.startswith("="):
        raise RequirementError(
            f"requirement {text[:120]!r} must be pinned as name==version (for example \"tqdm==4.67.1\"): a "
            "derived image is tagged by a hash of its requirements, and only an exact pin means the same "
            "packages every time; no ranges, extras, markers or URLs"
        )
    if not _VERSION.match(version.lower()):
        raise RequirementError(
            f"requirement {text[:120]!r}: {version[:60]!r} is not an exact version in its normal form "
            "(such as 4.67.1, 2.0rc1, 1.0.post2; no wildcards)"
        )
    return normalise_name(name), version.lower()


def image_with(base: str, requirements: Iterable[object], *, pins: Mapping[str, str] | None = None) -> str:
    """The name of ``base`` plus ``requirements`` (``base`` alone when there are none), checked and normalised.

    ``pins``: the packages the base image pins, ``{normalised name: version}``; a requirement of one of them
    at another version is refused (it would replace, under the grader and the runners, what the base image
    was built and checked with); at the same version it is kept (harmless). Raises RequirementError."""
    if not isinstance(base, str) or not _BASE.match(base):
        raise RequirementError(f"image {base!r} is not an image name such as \"python\" or \"ml\"")
    requirements = list(requirements)
    if not requirements:
        return base
    if len(requirements) > MAX_REQUIREMENTS:
        raise RequirementError(f"at most {MAX_REQUIREMENTS} requirements, not {len(requirements)}")
    found: dict[str, str] = {}
    for text in requirements:
        name, version = parse_requirement(text)
        if name in found:
            raise RequirementError(f"requirement {name} is listed twice")
        pinned = (pins or {}).get(name)
        if pinned is not None and pinned != version:
            raise RequirementError(
                f"requirement {name}=={version} conflicts with the {base} image, which has {name}=={pinned} "
                f"(the grader and the runners use it too): leave {name} out, or ask for {name}=={pinned}"
            )
        found[name] = version
    name = f"{base}[{','.join(f'{n}=={v}' for n, v in sorted(found.items()))}]"
    if len(name) > MAX_IMAGE_NAME:
        raise RequirementError(f"the requirements are too long together (at most {MAX_IMAGE_NAME} characters)")
    return name


def parse_image(name: str) -> tuple[str, tuple[str, ...]]:
    """``(base, requirements)`` of an image name such as ``python[tqdm==4.67.1]`` (``("python", ())`` for
    ``python``), only if the name is exactly what :func:`image_with` makes; RequirementError otherwise."""
    match = _IMAGE.match(name) if isinstance(name, str) and len(name) <= MAX_IMAGE_NAME else None
    if match is None:
        raise RequirementError(f"image {str(name)[:120]!r} is not an image name such as \"python\" or "
                               "\"python[tqdm==4.67.1]\"")
    base, listed = match["base"], match["requirements"]
    requirements = tuple(listed.split(",")) if listed is not None else ()
    if image_with(base, requirements) != name:
        raise RequirementError(f"image {name[:120]!r} is not in its normal form ({image_with(base, requirements)!r})")
    return base, requirements


def base_pins(requirements: Iterable[str]) -> dict[str, str]:
    """``{normalised name: version}`` of a base spec's ``name==version`` requirements."""
    return dict(parse_requirement(text) for text in requirements)
