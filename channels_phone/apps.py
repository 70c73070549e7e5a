from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "channels_phone"
    verbose_name = "Phone and SMS"
    default_auto_field = "django.db.models.BigAutoField"
