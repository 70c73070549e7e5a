"""Secrets at rest: model fields whose column holds a Fernet token, never the plain value.

Keys come from ``FIELD_ENCRYPTION_KEYS`` (the first encrypts, all decrypt, so a new key is
put in front and ``manage.py reencrypt_secrets`` moves old values over). A key derived from
``SECRET_KEY`` with HKDF is always the last one: it encrypts when no key is configured, and it
keeps values written that way readable after keys are configured later.

The value read from the database is kept encrypted on the instance and decrypted only when
the attribute is read. Loading a row therefore never fails on a missing key (a mailbox whose
password no key opens still receives mail; only its login fails, with a message saying why),
costs nothing for code that never reads the secret, and saving an untouched instance writes
the same token back.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.dispatch import receiver


class UndecryptableSecret(ValueError):
    """A stored secret that none of the configured keys opens."""


class Ciphertext(str):
    """A value as stored: a Fernet token, to be decrypted when read and written back as is."""

    __slots__ = ()


def derived_key(secret_key: str) -> bytes:
    """The Fernet key that stands in for FIELD_ENCRYPTION_KEYS: HKDF-SHA256 over SECRET_KEY."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"servicehub", info=b"field-encryption")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys] + [Fernet(derived_key(secret_key))])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("FIELD_ENCRYPTION_KEYS", "SECRET_KEY"):
        _fernet.cache_clear()


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise UndecryptableSecret(
            "a stored secret cannot be decrypted: FIELD_ENCRYPTION_KEYS lacks the key it was written with "
            "(or SECRET_KEY changed while no keys were configured); enter the secret again"
        ) from exc


def rotate(token: str) -> str:
    """The same secret under the first key (raises UndecryptableSecret when no key opens it)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise UndecryptableSecret("a stored secret cannot be decrypted with any configured key") from exc


class _DecryptingAttribute(DeferredAttribute):
    """Holds the value as stored in ``instance.__dict__`` and decrypts it on reading.

    A data descriptor (it has ``__set__``), so it is consulted even though the instance's
    ``__dict__`` holds the attribute, which is where Django looks for loaded fields.
    """

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        value = super().__get__(instance, cls)
        if instance is None or not isinstance(value, Ciphertext):
            return value
        return decrypt(value)

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Text encrypted with Fernet in the database; reading the attribute gives the plain text.

    The empty string is stored as is (an unset password is not a secret, and the admin can
    tell "none" from "stored"). Lookups other than emptiness compare tokens and make no sense.
    Reading raises UndecryptableSecret when no configured key opens the stored token.
    """

    descriptor_class = _DecryptingAttribute

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return Ciphertext(value) if value else value

    def value_to_string(self, obj: models.Model) -> str:
        # Serialization (dumpdata, fixtures) writes the token as stored, never the plain text.
        return str(obj.__dict__.get(self.attname) or "")

    def to_python(self, value: Any) -> Any:
        # A serialized token read back (loaddata) stays the token it was, not encrypted twice.
        if isinstance(value, str) and value and not isinstance(value, Ciphertext):
            try:
                decrypt(value)
            except UndecryptableSecret:
                return value
            return Ciphertext(value)
        return value

    def formfield(self, **kwargs: Any) -> Any:
        # A form made from the model must not send the secret to the browser either.
        defaults: dict[str, Any] = {"form_class": forms.CharField, "widget": forms.PasswordInput(render_value=False)}
        return super().formfield(**(defaults | kwargs))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # The attribute would decrypt; what goes back to the column is the value as held.
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or isinstance(value, Ciphertext):
            return value
        return encrypt(str(value))


def is_stored(instance: models.Model, field_name: str) -> bool:
    """Whether the instance holds a non-empty value for the field, without decrypting it."""
    return bool(instance.__dict__.get(field_name))
