"""A customer's custom attributes: the company's own facts, checked the same way on every door in.

Names are short identifiers (``contract_no``, ``plan``), so a routing rule can name them as
``customer.attributes.plan``; values are texts, numbers or yes/no, so rules compare them and the
panel shows them without interpreting anything. ``None`` as a value removes the attribute.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_ATTRIBUTES = 50
MAX_TEXT = 500


def merged(current: dict[str, Any], changes: Any) -> dict[str, Any]:
    """``current`` with ``changes`` applied; ``ValueError`` naming the first wrong name or value."""
    if not isinstance(changes, dict):
        raise ValueError(_('attributes are an object of names and values, e.g. {"plan": "gold"}'))
    result = dict(current)
    for name, value in changes.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ValueError(
                _("%(name)r is not an attribute name: lower-case letters, digits and _, starting with a letter")
                % {"name": name}
            )
        if value is None:
            result.pop(name, None)
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
