from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_email"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"
