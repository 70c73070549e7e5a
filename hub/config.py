"""Strict, typed parsing of the environment for ``hub.settings``.

A bad value must stop start-up with a message that names the variable, what it got and what
it accepts, instead of silently falling back to a default (``DEBUG=ture`` is not false).
Every variable ``X`` may instead be given as ``X_FILE``, a path whose contents are the value,
which is how Docker and Kubernetes hand out secrets.
"""

from __future__ import annotations

import base64
import importlib.util
import ipaddress
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING: Any = object()


def _masked(value: str) -> str:
    """The value with a URL's password replaced, so a start-up error never prints a secret."""
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    if not password:
        return value
    return value.replace(f":{password}@", ":***@", 1)


# Env's methods are named after what they parse (env.str, env.int …), which shadows the
# builtins inside its class body; annotations there use these aliases.
_Str = str
_Int = int
_Bool = bool
_Strings = list[str]


class SettingError(ImproperlyConfigured):
    """A setting from the environment that cannot be used; the message says how to fix it."""


class Env:
    def __init__(self, base_dir: Path, environ: Mapping[str, str] | None = None) -> None:
        self.base_dir = base_dir
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        """The value of ``name``, or the contents of the file named by ``name_FILE``."""
        file_name = self.environ.get(f"{name}_FILE")
        if name in self.environ and file_name:
            raise SettingError(f"{name} and {name}_FILE are both set: set only one of them.")
        if file_name:
            try:
                return Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingError(f"{name}_FILE={file_name!r} cannot be read: {exc}.") from exc
        return self.environ.get(name)

    def _get(self, name: str, default: Any, accepts: str) -> str | None:
        value = self.raw(name)
        if value is None:
            if default is _MISSING:
                raise SettingError(f"{name} is not set: it must be {accepts}.")
            return None
        return value

    @staticmethod
    def _bad(name: str, value: str, accepts: str) -> SettingError:
        return SettingError(f"{name}={_masked(value)!r} is invalid: it must be {accepts}.")

    def str(self, name: _Str, default: Any = _MISSING) -> Any:
        value = self._get(name, default, "a string")
        return default if value is None else value

    def secret(self, name: _Str, default: Any = _MISSING, *, min_length: _Int = 0) -> Any:
        """A secret; with ``min_length``, one that long and not a few characters repeated.

        A short or repetitive value is refused with the command that makes a good one; the
        message never shows the value.
        """
        accepts = f"a non-empty secret (or {name}_FILE naming a file that holds it)"
        value = self._get(name, default, accepts)
        if value is None:
            if default is None:
                raise SettingError(
                    f"{name} is not set: it must be {accepts}. Set DEBUG=true for a development default."
                )
            return default
        if not value:
            raise self._bad(name, value, accepts)
        if min_length and (len(value) < min_length or len(set(value)) < 5):
            raise SettingError(
                f"{name} is too weak ({len(value)} characters, {len(set(value))} different): it must be at least "
                f"{min_length} random characters. Make one with: "
                f'python -c "import secrets; print(secrets.token_urlsafe(50))"'
            )
        return value

    def bool(self, name: _Str, default: Any = _MISSING) -> Any:
        accepts = "one of true, false, 1, 0, yes, no, on, off"
        value = self._get(name, default, accepts)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self._bad(name, value, accepts)

    def int(
        self,
        name: _Str,
        default: Any = _MISSING,
        validate: Callable[[_Int], _Bool] | None = None,
        *,
        min_value: _Int | None = None,
        max_value: _Int | None = None,
    ) -> Any:
        accepts = "a whole number"
        if min_value is not None and max_value is not None:
            accepts += f" from {min_value} to {max_value}"
        elif min_value is not None:
            accepts += f" of at least {min_value}"
        elif max_value is not None:
            accepts += f" of at most {max_value}"
        elif validate is not None:
            accepts += " in the allowed range"
        value = self._get(name, default, accepts)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise self._bad(name, value, accepts) from None
        too_small = min_value is not None and number < min_value
        too_big = max_value is not None and number > max_value
        if too_small or too_big or (validate is not None and not validate(number)):
            raise self._bad(name, value, accepts)
        return number

    def list(self, name: _Str, default: Any = _MISSING) -> Any:
        value = self._get(name, default, "a comma-separated list")
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def fernet_keys(self, name: _Str) -> _Strings:
        """Comma-separated Fernet keys (url-safe base64 of 32 bytes); empty when unset.

        Errors name the position of a bad key, never the key itself.
        """
        accepts = (
            "comma-separated Fernet keys, each 32 url-safe base64-encoded bytes "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
        keys = [item.strip() for item in (self.raw(name) or "").split(",") if item.strip()]
        for position, key in enumerate(keys, start=1):
            try:
                ok = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
            except (ValueError, UnicodeError):
                ok = False
            if not ok:
                raise SettingError(f"{name}: key {position} of {len(keys)} is invalid: it must be {accepts}.")
        return keys

    def networks(self, name: _Str) -> _Strings:
        """Comma-separated IP addresses or CIDR networks, normalized (``10.0.0.1`` → ``10.0.0.1/32``)."""
        accepts = "comma-separated IP addresses or networks such as 10.0.0.0/8, 2001:db8::/32"
        value = self.raw(name) or ""
        try:
            return [str(ipaddress.ip_network(item.strip(), strict=False)) for item in value.split(",") if item.strip()]
        except ValueError:
            raise self._bad(name, value, accepts) from None

    def choice(self, name: _Str, *, choices: Sequence[_Str], default: Any = _MISSING) -> Any:
        accepts = "one of " + ", ".join(choices)
        value = self._get(name, default, accepts)
        if value is None:
            return default
        if value not in choices:
            raise self._bad(name, value, accepts)
        return value

    def path(self, name: _Str, default: Any = _MISSING) -> Path:
        value = self._get(name, default, "a file system path")
        return Path(default) if value is None else Path(value)

    def url(self, name: _Str, default: Any = _MISSING, schemes: Sequence[_Str] = ("http", "https")) -> Any:
        accepts = "a URL starting with " + " or ".join(f"{s}://" for s in schemes)
        value = self._get(name, default, accepts)
        if value is None:
            return default
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            raise self._bad(name, value, accepts) from None
        where = parts.path if parts.scheme == "unix" else parts.netloc
        if parts.scheme not in schemes or not where:
            raise self._bad(name, value, accepts)
        return value.rstrip("/")

    def redis_url(self, name: _Str, default: Any = _MISSING) -> Any:
        schemes = ("redis", "rediss", "unix")
        value = self._get(name, default, "a URL starting with redis://, rediss:// or unix://")
        if value is None or value == "":
            return default
        return self.url(name, schemes=schemes)

    def database(self, name: _Str, default: _Str, conn_max_age: _Int = 0) -> dict[_Str, Any]:
        accepts = "a postgres:// or sqlite:/// URL"
        value = self.raw(name) or default
        scheme = urlsplit(value).scheme
        if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
            raise self._bad(name, value, accepts)
        try:
            config: dict[_Str, Any] = dict(dj_database_url.parse(value, conn_max_age=conn_max_age))
        except ValueError as exc:
            raise SettingError(f"{name}={_masked(value)!r} is invalid: {exc}; it must be {accepts}.") from exc
        if scheme == "sqlite":
            config["CONN_MAX_AGE"] = 0
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        else:
            config["CONN_HEALTH_CHECKS"] = True
        return config


def app_settings(base_dir: Path, installed_apps: Iterable[str], env: Env, defined: Collection[str]) -> dict[str, Any]:
    """The settings the project's own apps contribute, for the settings module to take in.

    An app of this project (a package directly in ``base_dir``) may have a ``conf`` module with
    ``settings(env) -> dict``: its settings, parsed from the environment as strictly as the
    hub's. Read while the settings module runs, they are settings like any other from the first
    import on (``settings.X``, ``override_settings``). A ``conf`` module therefore must not read
    Django's settings. Third-party apps are not asked (django-filter has a ``conf`` of its own).
    A name that two apps, or an app and ``defined`` (the settings module's own), both set is a
    mistake that would otherwise pass silently, so it stops start-up.
    """
    found: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for app in installed_apps:
        package = app.split(".")[0]
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None or Path(spec.origin).parent != base_dir / package:
            continue
        if not (base_dir / package / "conf.py").is_file():
            continue
        contributed: dict[str, Any] = import_module(f"{package}.conf").settings(env)
        for name, value in contributed.items():
            if name in defined or name in found:
                where = f"the app {owner[name]}" if name in owner else "the settings module"
                raise SettingError(f"{name} is set by the app {package} and by {where}: keep one of them.")
            found[name] = value
            owner[name] = package
    return found
