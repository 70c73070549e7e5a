"""What the composer's Cc and Bcc fields take: addresses as people type and paste them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from frontend.views.compose import _addresses


def test_addresses_pasted_with_names_from_a_mail_client_are_taken_without_the_names() -> None:
    typed = 'Bob Meier <Bob@Example.com>, "Meier, Anna" <anna@beispiel.de>; carl@x.de dora@y.de'

    assert _addresses(typed) == ["bob@example.com", "anna@beispiel.de", "carl@x.de", "dora@y.de"]


def test_a_name_without_an_address_is_refused_naming_what_was_typed() -> None:
    with pytest.raises(ValidationError, match="Bob"):
        _addresses("Bob, carl@x.de")
