"""The sandbox is a closed API: the platform imports the package ``sandbox`` and nothing below it (no Docker)."""

from __future__ import annotations

import ast
from pathlib import Path

import sandbox

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_api_is_closed_and_importing_it_does_not_load_docker() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sandbox; "
        "assert 'docker' not in sys.modules, 'importing sandbox loaded the docker SDK'; "
        "print(sorted(sandbox.__all__))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for name in (
        "SandboxConfig", "GradingJob", "Limits", "Outcome", "TestOutcome", "RunStatus", "TestResultOutcome",
        "STATUS_SENTENCES", "SandboxError", "SandboxUnavailable", "ImageMissing", "NotGradable", "run_job",
        "WarmPool", "load_submission", "LoadedSubmission", "notebook_to_module", "declared_tests",
        "grader_test_files", "GraderDefinitionError", "ensure_images",
    ):
        assert name in sandbox.__all__ and getattr(sandbox, name) is not None, name
    assert sandbox.WarmPool.__module__ == "sandbox.pool"


def test_the_platform_imports_only_the_package() -> None:
    """``from sandbox import X`` only: never ``sandbox.<module>`` (tests and bench/ may reach further)."""
    found = []
    for path in sorted((ROOT / "platform").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "sandbox"]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                top, _, rest = name.partition(".")
                if top == "sandbox" and rest and rest not in sandbox.__all__:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert found == []
