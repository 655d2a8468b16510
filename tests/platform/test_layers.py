"""The platform's shape holds: apps import downward only, models point downward only, the sandbox is used
through its package alone, and the platform's run statuses are the sandbox's plus its own two."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

from grading.models import RunStatus
from sandbox import RunStatus as SandboxStatus
from tests.support.layers import RANK, violations

PLATFORM = Path(__file__).resolve().parents[2] / "platform"


def test_apps_import_downward_only_and_use_the_sandbox_api() -> None:
    assert violations(PLATFORM) == []


def test_models_point_downward_only() -> None:
    upward = []
    for model in apps.get_models():
        app = model._meta.app_label
        if app not in RANK:
            continue  # Django's own apps
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if field.is_relation and field.concrete and target is not None:
                other = target._meta.app_label
                if other in RANK and RANK[other] > RANK[app]:
                    upward.append(f"{model.__name__}.{field.name} -> {other}.{target.__name__}")
    assert upward == []


def test_the_platform_knows_every_status_the_sandbox_ends_a_run_with() -> None:
    assert {s.value for s in RunStatus} == {"queued", "running"} | {s.value for s in SandboxStatus}


@pytest.mark.parametrize(
    ("app", "source", "complaint"),
    [
        ("courses", "from grading.models import Submission\n", "a layer above it"),
        ("catalog", "import web.api\n", "a layer above it"),
        ("grading", "def f():\n    from courses.models import Assignment\n", "inside a function"),
        ("web", "from sandbox.pool import WarmPool\n", "use the sandbox's API"),
        ("grading", "import sandbox.docker_backend\n", "use the sandbox's API"),
    ],
)
def test_the_check_catches_each_kind_of_breach(tmp_path: Path, app: str, source: str, complaint: str) -> None:
    (tmp_path / app).mkdir()
    (tmp_path / app / "module.py").write_text(source)
    # Downward and sideways imports, and migrations, are fine.
    (tmp_path / app / "fine.py").write_text(f"from core.errors import UserError\nfrom {app}.models import X\nimport sandbox\n")
    (tmp_path / app / "migrations").mkdir()
    (tmp_path / app / "migrations" / "0001.py").write_text("from web import api\n")
    found = violations(tmp_path)
    assert len(found) == 1 and complaint in found[0] and found[0].startswith(f"{app}/module.py:"), found
