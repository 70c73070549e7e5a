from django.apps import AppConfig


class ChatChannelConfig(AppConfig):
    name = "channels_chat"
    verbose_name = "Live chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channels_chat.adapter import ChatAdapter
        from hub.adapters import register

        register(ChatAdapter())
        # Settings → Chat widgets in the settings area (hub.settings_area).
        from channels_chat.settings_views import register_settings

        register_settings()
