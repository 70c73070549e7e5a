"""What the pipeline tells channel apps, without knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once per batch inside the transaction that stored them, with ``messages``: the inbound
# Messages just stored (saved, in the order their events arrived). Messages are inserted in bulk,
# so no post_save is sent for them; a channel applies its own effects here, ideally in bulk too.
inbound_stored = Signal()
