"""A customer's custom attributes: the company's own facts, checked the same way on every door in.

Names are short identifiers (``contract_no``, ``plan``), so a routing rule can name them as
``customer.attributes.plan``; values are texts, numbers or yes/no, so rules compare them and the
panel shows them without interpreting anything. ``None`` as a value removes the attribute.

An admin may define a field for a name (``hub.models.CustomerField``): then its values must fit
the field's type (a number, a date as YYYY-MM-DD, one of its choices), and the error names the
field's label. Names without an active field keep taking any text, number or yes/no.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from hub.models import CustomerField, FieldType

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_ATTRIBUTES = 50
MAX_TEXT = 500
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def defined_fields() -> dict[str, CustomerField]:
    """The active fields by key, in the order agents see them."""
    return {field.key: field for field in CustomerField.objects.filter(active=True)}


def checked(field: CustomerField, value: Any) -> Any:
    """``value`` if it fits ``field`` (texts stripped); ``ValueError`` naming the field's label."""
    label = field.label
    if field.type == FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(_("%(label)s: a number, e.g. 42 or 3.5") % {"label": label})
        return value
    if not isinstance(value, str):
        raise ValueError(_("%(label)s: a text") % {"label": label})
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(_("%(name)s: at most %(n)s characters") % {"name": label, "n": MAX_TEXT})
    if field.type == FieldType.DATE:
        try:
            valid = DATE.fullmatch(value) is not None and date.fromisoformat(value) is not None
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(_("%(label)s: a date as YYYY-MM-DD, e.g. 2026-03-31") % {"label": label})
    elif field.type == FieldType.CHOICE and value not in field.choices:
        raise ValueError(
            _("%(label)s: one of %(choices)s") % {"label": label, "choices": ", ".join(map(str, field.choices))}
        )
    return value


def from_text(field: CustomerField, text: str) -> Any:
    """What an agent typed into the field's control as its value: empty removes the attribute,
    a number field's text becomes a number; ``ValueError`` naming the label if it does not fit."""
    text = text.strip()
    if text == "":
        return None
    if field.type == FieldType.NUMBER:
        try:
            number = float(text.replace(",", ".")) if not text.lstrip("-").isdigit() else int(text)
        except ValueError:
            raise ValueError(_("%(label)s: a number, e.g. 42 or 3.5") % {"label": field.label}) from None
        return checked(field, number)
    return checked(field, text)


def merged(current: dict[str, Any], changes: Any) -> dict[str, Any]:
    """``current`` with ``changes`` applied; ``ValueError`` naming the first wrong name or value."""
    if not isinstance(changes, dict):
        raise ValueError(_('attributes are an object of names and values, e.g. {"plan": "gold"}'))
    result = dict(current)
    fields = defined_fields() if changes else {}
    for name, value in changes.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ValueError(
                _("%(name)r is not an attribute name: lower-case letters, digits and _, starting with a letter")
                % {"name": name}
            )
        if value is None:
            result.pop(name, None)
        elif name in fields:
            result[name] = checked(fields[name], value)
        elif isinstance(value, bool | int | float):
            result[name] = value
        elif isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValueError(_("%(name)s: at most %(n)s characters") % {"name": name, "n": MAX_TEXT})
            result[name] = value.strip()
        else:
            raise ValueError(_("%(name)s: a value is a text, a number or true/false") % {"name": name})
    if len(result) > MAX_ATTRIBUTES:
        raise ValueError(_("at most %(n)s attributes per customer") % {"n": MAX_ATTRIBUTES})
    return result
