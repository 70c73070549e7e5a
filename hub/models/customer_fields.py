"""Customer fields: the custom attributes an admin defines, with a label and a type.

A field names an attribute (``key``, the name ``hub.customer_attributes`` stores it under) and
says what its values are: a text, a number, a date (YYYY-MM-DD) or one of a list of choices.
Agents see the label and the matching control; the API and the edit form refuse a value that
does not fit. Attributes without an active field stay free-form, as before fields existed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomerField(models.Model):
    # The attribute's name: lower-case letters, digits and _ (``hub.customer_attributes.NAME``).
    key = models.CharField(_("key"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    # For a choice field: the values agents pick from, in this order, e.g. ["gold", "silver"].
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer field")
        verbose_name_plural = _("customer fields")
        ordering = ["position", "label", "pk"]

    def __str__(self) -> str:
        return self.label
