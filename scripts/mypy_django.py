"""django-stubs' mypy plugin, loaded the way manage.py runs the platform, so that a plain `mypy` works.

The plugin imports the settings (config.settings, named in pyproject.toml) and sets Django up: that needs
platform/ and the repository root on sys.path, and a SECRET_KEY, which the settings require and which
scripts/test exports; a placeholder stands in when none is set (mypy signs nothing).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mypy.plugin import Plugin
from mypy_django_plugin.main import plugin as django_plugin

ROOT = Path(__file__).resolve().parent.parent


def plugin(version: str) -> type[Plugin]:
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("SECRET_KEY", "mypy-only-placeholder")
    return django_plugin(version)
