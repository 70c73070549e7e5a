"""Indexes for the leads' reports (frontend.report_figures), built without holding up writes.

On PostgreSQL each is built CONCURRENTLY (hence ``atomic = False``): a plain build locks its
table against writes until the migration commits, and at a million tickets mail would stop
landing meanwhile.
"""

from django.db import migrations, models

from hub.migration_ops import AddIndexWithoutLock


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('hub', '0042_chat_sound_rings_calls'),
    ]

    operations = [
        AddIndexWithoutLock(
            model_name='slaclock',
            index=models.Index(condition=models.Q(('met_at__isnull', False)), fields=['met_at'], name='slaclock_met'),
        ),
        AddIndexWithoutLock(
            model_name='ticket',
            index=models.Index(fields=['created_at'], include=('id', 'customer', 'team', 'origin_channel', 'assignee', 'first_response_at'), name='ticket_created'),
        ),
        AddIndexWithoutLock(
            model_name='ticket',
            index=models.Index(condition=models.Q(('solved_at__isnull', False)), fields=['solved_at'], include=('created_at', 'team', 'origin_channel', 'assignee'), name='ticket_solved_at'),
        ),
        AddIndexWithoutLock(
            model_name='ticketevent',
            index=models.Index(condition=models.Q(('kind', 'survey_answered')), fields=['created_at'], name='ticketevent_survey_time'),
        ),
    ]
