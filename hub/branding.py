"""The company's name and logo, as the workspace, the widget and the hosted forms show them.

One small query by primary key per page. Not cached: a cache warm in one process and cold in
another would make the cost of a page depend on what ran before it, and the workspace holds
its pages to a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from hub.models import Account


@dataclass(frozen=True)
class Brand:
    name: str
    # The logo's URL on this hub (with a version, so browsers may cache it), or "".
    logo_url: str
    language: str
    time_zone: str
    # Not the brand, but read with it for the workspace's shell: the email undo window.
    undo_send_seconds: int = 0


def brand() -> Brand:
    account = Account.objects.defer("logo").filter(pk=1).first() or Account()
    logo_url = ""
    if account.logo_type:
        version = int(account.logo_updated_at.timestamp()) if account.logo_updated_at else 0
        logo_url = f"{reverse('brand_logo')}?v={version}"
    return Brand(
        name=account.name,
        logo_url=logo_url,
        language=account.language,
        time_zone=account.time_zone,
        undo_send_seconds=account.undo_send_seconds,
    )
