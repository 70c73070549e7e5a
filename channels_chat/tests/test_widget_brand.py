"""The widget's header carries the company's name and logo: its settings answer says them, with
the logo's address on the hub (the widget runs on the customer's site)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from channels_chat.models import Widget
from channels_chat.tests.conftest import ORIGIN
from hub.models import Account

pytestmark = pytest.mark.django_db


def started(widget: Widget) -> dict:
    response = Client().post(
        f"/chat/api/{widget.key}/start", json.dumps({}), content_type="application/json", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_widget_hears_the_company_name_and_the_logos_address_on_the_hub(widget: Widget, settings) -> None:
    settings.SITE_URL = "https://help.example.com"
    settings.SITE_URL_CONFIGURED = True
    when = timezone.now()
    Account.objects.update_or_create(
        pk=1, defaults={"name": "Muster GmbH", "logo": b"\x89PNG", "logo_type": "image/png", "logo_updated_at": when}
    )

    brand = started(widget)["widget"]["brand"]

    assert brand == {"name": "Muster GmbH", "logo": f"https://help.example.com/brand/logo?v={int(when.timestamp())}"}
    assert Client().get(brand["logo"].removeprefix("https://help.example.com")).status_code == 200


def test_without_a_logo_the_widget_gets_none(widget: Widget) -> None:
    Account.objects.update_or_create(pk=1, defaults={"name": "Muster GmbH"})

    assert started(widget)["widget"]["brand"] == {"name": "Muster GmbH", "logo": ""}
