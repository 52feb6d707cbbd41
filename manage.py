#!/usr/bin/env python
import os
import sys

# Commands that need neither the database nor the application registry run
# without django.setup() (about 0.4 s of start-up): the engine on files.
WITHOUT_SETUP = {"borrowing_base": "abl.management.commands.borrowing_base"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in WITHOUT_SETUP:
        from importlib import import_module

        import_module(WITHOUT_SETUP[command]).Command().run_from_argv(sys.argv)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
