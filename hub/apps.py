from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Service hub")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import admin_labels, schedule

        # Fields labelled by their bare names speak German in the admin too (hub.admin_labels).
        admin_labels.translate_field_names()

        # Signing in puts an agent online when the hub, not they, set their presence.
        from hub import presence_signals

        presence_signals.connect()

        # Every process (web, worker, beat, runhub) knows every app's tasks, not only the worker.
        schedule.import_task_modules()
        # Re-queue what a lost task or a dead worker left behind (hub.tasks).
        schedule.periodic("sweep-inbound", "hub.tasks.sweep_inbound", every_seconds=60)
        schedule.periodic("sweep-deliveries", "hub.tasks.sweep_deliveries", every_seconds=60)
        # Webhook retries that are due, and deliveries past WEBHOOK_KEEP_DAYS (hub.webhooks.send).
        schedule.periodic("sweep-webhooks", "hub.tasks.sweep_webhooks", every_seconds=60)
        # Looks at tickets older than the unread horizon decide nothing (hub.models.seen).
        schedule.periodic("forget-old-looks", "hub.tasks.forget_old_looks", every_seconds=6 * 3600)
        # Survey mails some hours after a ticket was solved, when the account asks for them (hub.surveys).
        schedule.periodic("send-surveys", "hub.tasks.send_surveys", every_seconds=300)
        # Routing's timers (no reply for N business minutes …) and presence going away when quiet.
        from hub.routing.tasks import register_periodic

        register_periodic()
        # SLA warnings and breaches, once each, in business time (hub.sla.beat).
        from hub.sla.tasks import register_periodic as register_sla

        register_sla()
        # Snoozed tickets come back when their time is up (hub.actions.snooze).
        from hub.snooze import register_periodic as register_snooze

        register_snooze()
