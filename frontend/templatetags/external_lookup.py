"""``{% external_lookup customer as external %}``: what the company's CRM or shop said about them."""

from __future__ import annotations

from typing import Any

from django import template

from hub.models import Customer
from hub.routing import lookup

register = template.Library()
# Fields shown at most; nested objects flattened one level ("orders.open").
SHOWN = 12


def _rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            rows.extend((f"{key}.{k}", _text(v)) for k, v in value.items() if not isinstance(v, dict | list))
        else:
            rows.append((str(key), _text(value)))
    return rows[:SHOWN]


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:119] + "…"


@register.simple_tag
def external_lookup(customer: Customer) -> dict[str, Any] | None:
    """The rows of the lookup's kept answer, or why there are none; None when nothing is kept
    (no connector, or not asked yet). Reads the cache only: the panel costs no query more."""
    answer = lookup.cached(customer.pk)
    if answer.pending:
        return None
    return {"rows": _rows(answer.data) if answer.data else [], "error": answer.error}
