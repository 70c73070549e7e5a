from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "channels_email"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from channels_email.adapter import EmailAdapter
        from channels_email.mailboxes import forget_mailboxes
        from channels_email.models import Mailbox
        from hub import adapters, schedule

        adapters.register(EmailAdapter())
        # The hot path keeps mailboxes for seconds; a change in this process drops them at once.
        post_save.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.save")
        post_delete.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.delete")
        # Mailboxes with IMAP configured are fetched by this task in every process that runs
        # periodic tasks: beat, or runhub's own scheduler.
        schedule.periodic("email-poll-imap", "channels_email.tasks.poll_mailboxes", settings.EMAIL_IMAP_POLL_SECONDS)
        # Settings → Mailboxes in the settings area (hub.settings_area).
        from channels_email.settings_views import register_settings

        register_settings()
