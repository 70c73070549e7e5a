from django.apps import AppConfig


class WebChannelConfig(AppConfig):
    name = "channels_web"
    verbose_name = "Web forms"
    default_auto_field = "django.db.models.BigAutoField"
