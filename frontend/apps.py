from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = "Agent workspace"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from frontend.settings.sections import register_core_sections

        register_core_sections()
