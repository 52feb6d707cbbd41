from django.apps import AppConfig


class AblConfig(AppConfig):
    name = "abl"
    verbose_name = "Asset-based lending"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from config.middleware import mark_saved_at_login

        user_logged_in.connect(mark_saved_at_login, dispatch_uid="session-saved-at-login")
