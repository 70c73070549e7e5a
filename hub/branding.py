"""The company's name and logo, as the workspace, the widget and the hosted forms show them.

Read on every page, so kept in the cache for a minute and dropped when the account changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse

from hub.models import Account

KEY = "hub:brand:v1"


@dataclass(frozen=True)
class Brand:
    name: str
    # The logo's URL on this hub (with a version, so browsers may cache it), or "".
    logo_url: str
    language: str
    time_zone: str


def brand() -> Brand:
    found = cache.get(KEY)
    if isinstance(found, Brand):
        return found
    account = Account.objects.defer("logo").filter(pk=1).first() or Account()
    logo_url = ""
    if account.logo_type:
        version = int(account.logo_updated_at.timestamp()) if account.logo_updated_at else 0
        logo_url = f"{reverse('brand_logo')}?v={version}"
    found = Brand(name=account.name, logo_url=logo_url, language=account.language, time_zone=account.time_zone)
    cache.set(KEY, found, 60)
    return found


def forget() -> None:
    cache.delete(KEY)
