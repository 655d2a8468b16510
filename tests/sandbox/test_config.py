"""The sandbox's settings come from the environment in one place, SandboxConfig.from_env (no Docker)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sandbox import SandboxConfig


def test_defaults_when_nothing_is_set() -> None:
    config = SandboxConfig.from_env({})
    assert config == SandboxConfig()
    assert config.work_dir == Path("/tmp/gradient-runs")
    assert config.max_upload_bytes == config.max_notebook_bytes == 5 * 1024 * 1024
    assert (config.runtime, config.docker_timeout_s, config.image_prefix) == ("runc", 60, "gradient-sandbox")
    assert dict(config.image_overrides) == {}
    assert config.grader_server is True  # a run's grader is a grader server's child (sandbox/grader_server.py)
    assert SandboxConfig.from_env({"SANDBOX_RUNTIME": "", "SANDBOX_WORK_DIR": "  "}) == config  # empty = unset


def test_every_variable_is_read() -> None:
    config = SandboxConfig.from_env({
        "SANDBOX_WORK_DIR": "/var/lib/gradient/runs",
        "GRADIENT_MAX_UPLOAD_BYTES": "8_388_608",
        "SANDBOX_RUNTIME": "runsc",
        "SANDBOX_DOCKER_TIMEOUT": "120",
        "SANDBOX_IMAGE_PREFIX": "registry.local/gradient",
        "SANDBOX_IMAGE_PYTHON": "registry.local/sandbox-python:2024",
        "SANDBOX_IMAGE_ML": "",  # empty: no override
        "SANDBOX_GRADER_SERVER": "0",
        "UNRELATED": "x",
    })
    assert config.grader_server is False
    assert config.work_dir == Path("/var/lib/gradient/runs")
    assert config.max_upload_bytes == config.max_notebook_bytes == 8 * 1024 * 1024
    assert config.runtime == "runsc" and config.docker_timeout_s == 120
    assert config.image_prefix == "registry.local/gradient"
    assert dict(config.image_overrides) == {"python": "registry.local/sandbox-python:2024"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRADIENT_MAX_UPLOAD_BYTES", "5MiB"),
        ("GRADIENT_MAX_UPLOAD_BYTES", "0"),
        ("GRADIENT_MAX_UPLOAD_BYTES", "-1"),
        ("GRADIENT_MAX_UPLOAD_BYTES", "1e6"),
        ("SANDBOX_DOCKER_TIMEOUT", "soon"),
        ("SANDBOX_DOCKER_TIMEOUT", "0"),
        ("SANDBOX_WORK_DIR", "relative/runs"),
        ("SANDBOX_RUNTIME", "runsc --debug"),
        ("SANDBOX_IMAGE_PREFIX", "Upper Case"),
        ("SANDBOX_IMAGE_PYTHON", "a tag with spaces"),
        ("SANDBOX_GRADER_SERVER", "yes"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable) as caught:
        SandboxConfig.from_env({variable: value})
    assert repr(value.strip()) in str(caught.value)


def test_it_is_frozen_and_hashable() -> None:
    config = SandboxConfig.from_env({"SANDBOX_IMAGE_PYTHON": "x:1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.runtime = "runsc"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.image_overrides["ml"] = "y:2"  # type: ignore[index]
    assert hash(config) == hash(SandboxConfig.from_env({"SANDBOX_IMAGE_PYTHON": "x:1"}))
