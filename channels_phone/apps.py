from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "channels_phone"
    verbose_name = "Phone and SMS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_phone.adapter import PhoneAdapter, SmsAdapter
        from hub import adapters, schedule

        # Two channels: calls (answered by calling back, or by SMS) and texts (docs/phone.md).
        adapters.register(PhoneAdapter())
        adapters.register(SmsAdapter())
        # Calls whose message is behind, downloads due and delivery reports not shown yet.
        schedule.periodic("phone-sweep", "channels_phone.tasks.sweep", every_seconds=60)
