from django.apps import AppConfig


class AblConfig(AppConfig):
    name = "abl"
    verbose_name = "Asset-based lending"
