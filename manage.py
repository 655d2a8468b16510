#!/usr/bin/env python3
"""Django's command-line utility. platform/ is a plain folder on sys.path, never a package."""

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Commands that sign nothing and touch no database: they run on a fresh machine without a SECRET_KEY.
OFFLINE_COMMANDS = {"grade", "check_exercises", "build_images", "import_otter", "import_nbgrader"}


def main() -> None:
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
