"""python manage.py grant_app_role

Run after `manage.py migrate --database owner`: as the owner role
(DATABASE_OWNER_URL), grants the application's role (the user of DATABASE_URL)
what it needs, and on the audit trail only SELECT and INSERT
(abl.services.database_roles).
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abl.services.database_roles import grant_app_role


class Command(BaseCommand):
    help = "Grant the application's database role its privileges (run as the owner after migrate)."

    def handle(self, *args: Any, **options: Any) -> None:
        if "owner" not in settings.DATABASES:
            raise CommandError(
                "DATABASE_OWNER_URL is not set: there is no owner role to grant from"
            )
        if settings.DATABASES["owner"]["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("database roles need PostgreSQL")
        app_role = settings.DATABASES["default"]["USER"]
        if app_role == settings.DATABASES["owner"]["USER"]:
            raise CommandError(
                f"DATABASE_URL and DATABASE_OWNER_URL are the same role ({app_role}): "
                "the application would own the audit trail"
            )
        for statement in grant_app_role(using="owner", app_role=app_role):
            self.stdout.write(statement)
