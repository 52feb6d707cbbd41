from django.apps import AppConfig


class AblConfig(AppConfig):
    name = "abl"
    verbose_name = "Asset-based lending"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from abl import checks  # noqa: F401 - registers the system checks
        from config.middleware import mark_saved_at_login

        user_logged_in.connect(mark_saved_at_login, dispatch_uid="session-saved-at-login")
