from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def acknowledge(message_id: int) -> bool:
    from channels_email.actions import do_acknowledge

    return do_acknowledge(message_id) is not None


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Beat: fetch new mail of every mailbox with IMAP configured."""
    from channels_email.imap import poll_all

    return poll_all()
