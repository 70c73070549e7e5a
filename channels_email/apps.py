from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_email"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_email import signals
        from channels_email.adapter import EmailAdapter
        from hub import adapters

        adapters.register(EmailAdapter())
        signals.connect()
