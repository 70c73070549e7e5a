"""Periodic tasks: each app registers its own, every process runs the same list.

The hub registers its sweeps and each channel app its own tasks (the email channel its IMAP
poll) in ``AppConfig.ready()``, so the hub names no channel task. Celery beat
(``BeatScheduler``) and the embedded scheduler of ``runhub`` both read this registry once
Django is set up; ``import_task_modules`` makes sure every app's tasks are registered with
Celery in every process, not only in a worker that autodiscovers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from celery.beat import PersistentScheduler
from django.apps import apps
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # the Celery task's registered name (its dotted path)
    every: float  # seconds between two runs


_registry: dict[str, Periodic] = {}


def periodic(name: str, task: str, every_seconds: float) -> Periodic:
    """Run ``task`` every ``every_seconds`` in every process that runs periodic tasks.

    Call from ``AppConfig.ready()``. A second registration under the same name replaces the
    first, so an app reloaded (tests) does not run its task twice.
    """
    if every_seconds <= 0:
        raise ValueError(f"periodic task {name!r}: the interval must be positive, not {every_seconds!r}")
    entry = Periodic(name=name, task=task, every=float(every_seconds))
    _registry[name] = entry
    return entry


def entries() -> list[Periodic]:
    """Every registered periodic task, in the order the apps registered them."""
    return list(_registry.values())


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The registry in the form of Celery's ``beat_schedule`` setting."""
    return {entry.name: {"task": entry.task, "schedule": entry.every} for entry in _registry.values()}


def import_task_modules() -> list[str]:
    """Import the ``tasks`` module of every installed app that has one; returns their names.

    A task is known to Celery only once its module is imported. A worker autodiscovers them,
    but a web process or ``runhub`` (tasks executed in-process) would otherwise know only the
    tasks that its code happened to import, and a periodic or named task of another app fails
    with NotRegistered there.
    """
    imported = []
    for config in apps.get_app_configs():
        if config.module is not None and module_has_submodule(config.module, "tasks"):
            import_module(f"{config.name}.tasks")
            imported.append(f"{config.name}.tasks")
    return imported


class BeatScheduler(PersistentScheduler):
    """Celery beat's default scheduler, with the registry as its schedule.

    Beat sets Django up (which fills the registry) before it makes its scheduler, so the
    schedule is read here rather than from a setting written before any app was loaded.
    """

    def setup_schedule(self) -> None:
        self.app.conf.beat_schedule = beat_schedule()
        super().setup_schedule()
