from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "channels_phone"
    verbose_name = "Phone and SMS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from channels_phone.adapter import PhoneAdapter, SmsAdapter
        from channels_phone.models import PhoneNumber
        from channels_phone.numbers import forget_numbers
        from hub import adapters, schedule
        from hub.models import BusinessCalendar, Team

        # Two channels: calls (answered by calling back, or by SMS) and texts (docs/phone.md).
        adapters.register(PhoneAdapter())
        adapters.register(SmsAdapter())
        # Webhooks keep our numbers for seconds; a change in this process drops them at once.
        post_save.connect(forget_numbers, sender=PhoneNumber, dispatch_uid="channels_phone.forget_numbers.save")
        post_delete.connect(forget_numbers, sender=PhoneNumber, dispatch_uid="channels_phone.forget_numbers.delete")
        # They are kept with their business hours and their team's: a change of either drops them too.
        for model in (BusinessCalendar, Team):
            name = model.__name__
            post_save.connect(forget_numbers, sender=model, dispatch_uid=f"channels_phone.forget_numbers.{name}")
            post_delete.connect(forget_numbers, sender=model, dispatch_uid=f"channels_phone.forget_numbers.{name}.del")
        # Calls whose message is behind, downloads due and delivery reports not shown yet.
        schedule.periodic("phone-sweep", "channels_phone.tasks.sweep", every_seconds=60)
        # Settings → Phone numbers in the settings area (hub.settings_area).
        from channels_phone.settings_views import register_settings

        register_settings()
