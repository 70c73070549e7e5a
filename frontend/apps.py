from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = "Agent workspace"
    default_auto_field = "django.db.models.BigAutoField"
