#!/usr/bin/env python
import os
import sys

DEVELOPMENT_COMMANDS = {"demo", "runsandbox"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "numbers_admin.settings")
    if len(sys.argv) > 1 and sys.argv[1] in DEVELOPMENT_COMMANDS:
        # The demo and the standalone sandbox are for a laptop: they need no SECRET_KEY and serve
        # the sandbox upstream, which only exists with DEBUG on.
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
