from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_email"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import channels

        from channels_email import signals
        from channels_email.adapter import EmailAdapter

        channels.register(EmailAdapter())
        signals.connect()
