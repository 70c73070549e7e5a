"""Two-factor sign-in as agents set it up, use it and switch it off, and as admins require it.

Every change is in the audit log; secrets (the app's key, recovery codes) never are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub import audit, two_factor
from hub.models import Account, Agent

for _action, _label in {
    "two_factor.enabled": _("Two-factor sign-in set up"),
    "two_factor.disabled": _("Two-factor sign-in switched off"),
    "two_factor.reset": _("Two-factor sign-in removed by an administrator"),
    "two_factor.recovery_code_used": _("Recovery code used to sign in"),
    "security.updated": _("Security settings changed"),
}.items():
    audit.describe(_action, _label)


def _agent_of(user: AbstractBaseUser) -> Agent | None:
    return Agent.objects.filter(user_id=user.pk).first()


@transaction.atomic
def do_begin_two_factor(user: AbstractBaseUser) -> TOTPDevice:
    """A new, unconfirmed authenticator app for ``user`` (any earlier unconfirmed one goes).

    It counts for nothing until ``do_confirm_two_factor`` saw a code from it.
    """
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=str(_("Authenticator app")), confirmed=False)


@transaction.atomic
def do_confirm_two_factor(user: AbstractBaseUser, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the unconfirmed app with a code it shows; returns it and new recovery codes
    (shown once: the caller displays them), or None when the code is wrong.

    Locks the user's devices; an app confirmed earlier and its recovery codes are replaced.
    """
    device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).order_by("-id").first()
    if device is None:
        return None
    if not device.verify_token(two_factor.normalized(code)):
        # django-otp pauses a device after a wrong code; an app not yet confirmed guards no
        # sign-in, and its owner, signed in, is only typing: no pause before the next try.
        device.throttle_reset()
        return None
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = two_factor.new_recovery_codes()
    static = StaticDevice.objects.create(user=user, name=str(_("Recovery codes")), confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    agent = _agent_of(user)
    audit.record(agent, "two_factor.enabled", target=agent, changes={"recovery_codes": two_factor.RECOVERY_CODES})
    return device, codes


@dataclass(frozen=True)
class Verified:
    device: Device
    recovery_code: bool
    recovery_codes_left: int = 0


@transaction.atomic
def do_verify_second_factor(user: AbstractBaseUser, code: str) -> Verified | None:
    """Check a code from the user's app, or one of their recovery codes (used up by this).

    A recovery code used is in the audit log with how many are left. None: wrong, or the app
    is still in django-otp's delay after wrong codes.
    """
    code = two_factor.normalized(code)
    if not code:
        return None
    if code.isdigit():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        if device is not None and device.verify_token(code):
            return Verified(device=device, recovery_code=False)
        return None
    static = StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
    if static is None or not static.verify_token(code):
        return None
    left = static.token_set.count()
    agent = _agent_of(user)
    audit.record(agent, "two_factor.recovery_code_used", target=agent, changes={"recovery_codes_left": left})
    return Verified(device=static, recovery_code=True, recovery_codes_left=left)


def _remove_devices(user: AbstractBaseUser) -> bool:
    totp = TOTPDevice.objects.filter(user_id=user.pk).delete()[0]
    static = StaticDevice.objects.filter(user_id=user.pk).delete()[0]
    return bool(totp or static)


@transaction.atomic
def do_disable_two_factor(user: AbstractBaseUser) -> bool:
    """Switch two-factor sign-in off for ``user`` (the caller checked password and code).
    False when there was nothing to switch off."""
    if not _remove_devices(user):
        return False
    agent = _agent_of(user)
    audit.record(agent, "two_factor.disabled", target=agent)
    return True


@transaction.atomic
def do_reset_two_factor(actor: Agent, agent: Agent) -> bool:
    """An administrator removes ``agent``'s app and recovery codes (a lost phone): their next
    sign-in is with the password alone, until they set it up again."""
    if not _remove_devices(agent.user):
        return False
    audit.record(actor, "two_factor.reset", target=agent)
    return True


@transaction.atomic
def do_set_two_factor_required(actor: Agent, *, required: bool) -> dict[str, list[object]]:
    """Require (or not) two-factor sign-in of administrators; returns what changed."""
    account = Account.objects.select_for_update().get(pk=Account.current().pk)
    changes = audit.diff(
        {"require_two_factor_for_admins": account.require_two_factor_for_admins},
        {"require_two_factor_for_admins": required},
    )
    if changes:
        account.require_two_factor_for_admins = required
        account.save(update_fields=["require_two_factor_for_admins", "updated_at"])
        audit.record(actor, "security.updated", target=account, changes=changes)
    return changes
