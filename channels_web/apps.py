from django.apps import AppConfig


class WebChannelConfig(AppConfig):
    name = "channels_web"
    verbose_name = "Web forms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_web.adapter import WebFormAdapter
        from hub.adapters import register

        register(WebFormAdapter())
        # Settings → Web forms in the settings area (hub.settings_area).
        from channels_web.settings_views import register_settings

        register_settings()
