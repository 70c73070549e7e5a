"""The two-factor devices in the Django admin (the operator's back door: remove the app of an
agent who lost their phone), with German section titles and without the agents' keys.

django-otp's admin names its sections with plain strings, which gettext never sees; these
subclasses hand them to gettext. Registered in place of django-otp's own by ``hub.admin``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

# django-otp's section titles, for the catalogue: _("Identity"), _("Timestamps"),
# _("Configuration"), _("State"), _("Throttling").
_SECTIONS = {
    "Identity": _("Identity"),
    "Timestamps": _("Timestamps"),
    "Configuration": _("Configuration"),
    "State": _("State"),
    "Throttling": _("Throttling"),
}


def _translated(fieldsets: Any) -> list[tuple[Any, Any]]:
    return [(_SECTIONS.get(name, name) if name else name, options) for name, options in fieldsets]


class TranslatedTOTPDeviceAdmin(TOTPDeviceAdmin):
    # OTP_ADMIN_HIDE_SENSITIVE_DATA keeps the key and its QR code out of the pages.
    readonly_fields = ["created_at", "last_used_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, Any]]:
        return _translated(super().get_fieldsets(request, obj))


class TranslatedStaticDeviceAdmin(StaticDeviceAdmin):
    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[Any, Any]]:
        return _translated(super().get_fieldsets(request, obj))


def register() -> None:
    for model, model_admin in ((TOTPDevice, TranslatedTOTPDeviceAdmin), (StaticDevice, TranslatedStaticDeviceAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
