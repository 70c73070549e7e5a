"""Outcomes of SLA clock runs, kept for the reports when a clock starts again; the clocks decided
so far are their first outcomes (earlier runs were overwritten and cannot be recovered)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0044_new_agents_presence_held_by_hub"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlaOutcome",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "target",
                    models.CharField(
                        choices=[
                            ("first_response", "First response"),
                            ("next_response", "Next response"),
                            ("resolution", "Resolution"),
                        ],
                        max_length=20,
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("met_at", models.DateTimeField(blank=True, null=True)),
                ("breached_at", models.DateTimeField(blank=True, null=True)),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="sla_outcomes", to="hub.ticket"
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA outcome",
                "verbose_name_plural": "SLA outcomes",
                "indexes": [
                    models.Index(
                        condition=models.Q(("breached_at__isnull", False)),
                        fields=["breached_at"],
                        name="slaoutcome_breached",
                    ),
                    models.Index(
                        condition=models.Q(("breached_at__isnull", True), ("met_at__isnull", False)),
                        fields=["met_at"],
                        name="slaoutcome_met",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("ticket", "target", "started_at"), name="slaoutcome_one_per_run")
                ],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO hub_slaoutcome (ticket_id, target, started_at, met_at, breached_at) "
            "SELECT ticket_id, target, started_at, met_at, breached_at FROM hub_slaclock "
            "WHERE met_at IS NOT NULL OR breached_at IS NOT NULL",
            migrations.RunSQL.noop,
        ),
    ]
