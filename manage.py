#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    from django.core.management import execute_from_command_line

    from hub.config import SettingError

    try:
        execute_from_command_line(sys.argv)
    except SettingError as exc:
        # A bad setting is the operator's to fix: say which and how, without a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
