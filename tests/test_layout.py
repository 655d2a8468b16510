"""The layout promises of ARCHITECTURE.md: platform/ is a folder on sys.path, never a package."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_platform_folder_is_not_a_package() -> None:
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_is_the_standard_library_module() -> None:
    import platform

    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(platform.__file__).resolve().parent == stdlib
    assert platform.python_version().startswith(f"{sys.version_info.major}.")


def test_manage_py_keeps_the_standard_library_platform(tmp_path: Path) -> None:
    """Django's own start-up imports `platform`; with the project's paths first it must still be stdlib."""
    paths = [str(ROOT), str(ROOT / "platform")]
    code = f"import sys; sys.path[:0] = {paths!r}; import platform, django; print(platform.__file__); print(platform.system())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, system = result.stdout.splitlines()
    assert not first.startswith(str(ROOT)), first
    assert system == "Linux"


def test_top_level_folders_exist() -> None:
    for name in ("platform", "graders", "exercises", "sandbox", "deploy", "tests", "manage.py"):
        assert (ROOT / name).exists(), name


def test_no_app_is_named_after_a_stdlib_module() -> None:
    apps = [p.name for p in (ROOT / "platform").iterdir() if (p / "apps.py").exists()]
    assert apps, "no Django apps found"
    clashes = [name for name in apps if name in sys.stdlib_module_names]
    assert clashes == []


def test_nothing_students_see_imports_the_graders() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "exercises").rglob("*.py")
        if "graders" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
