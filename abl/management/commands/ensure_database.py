"""python manage.py ensure_database

Creates the PostgreSQL database that DATABASE_URL names when it does not exist
yet, so `DATABASE_URL=postgres://…/name make demo` works on a server where only
the role exists. On SQLite it does nothing (the file is made on first use).
When the role may not create databases it says, in one line, what to run.
"""

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql


class Command(BaseCommand):
    help = "Create the database DATABASE_URL names when it is missing (PostgreSQL)."

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return
        name, user = connection.settings_dict["NAME"], connection.settings_dict["USER"]
        params = {**connection.get_connection_params(), "dbname": "postgres"}
        params.pop("cursor_factory", None)
        try:
            with psycopg.connect(**params, autocommit=True) as server:
                if server.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone():
                    return
                server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            raise CommandError(
                f"the database {name} does not exist and the role {user} may not create it: "
                f"run `sudo -u postgres createdb -O {user} {name}` once"
            ) from None
        except psycopg.Error as error:  # the server is down, the password is wrong, …
            cause = str(error).strip().splitlines()[0]
            raise CommandError(f"cannot reach PostgreSQL for {name}: {cause}") from None
        self.stdout.write(f"Created the database {name}.")
