from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for ``make run`` and the benchmarks; outside the core domain on purpose."""

    name = "demo"
    verbose_name = "Demo data"
    default_auto_field = "django.db.models.BigAutoField"
