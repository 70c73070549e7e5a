"""Canned replies (Textbausteine): saved answers an agent inserts in the composer.

A reply belongs to one scope: *personal* (its owner alone sees and uses it), *team* (the
team's members) or *global* (every agent). Its text comes in language variants, ``{"de": …,
"en": …}``, and may hold placeholders (``{{customer.first_name}}``) that ``hub.canned``
fills in for the ticket at hand, as plain text and never as template code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.teams import Agent, Team

# The languages a reply has variants in; the customer's language picks one.
LANGUAGES = ("de", "en")


class CannedScope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    TEAM = "team", _("Team")
    GLOBAL = "global", _("Everyone")


# Exactly the owner the scope names: a personal reply has an agent, a team reply a team, a
# global one neither, so no query can miss or double-count one. Macros are scoped the same way.
SCOPE_OWNER = (
    models.Q(scope="personal", owner__isnull=False, team__isnull=True)
    | models.Q(scope="team", owner__isnull=True, team__isnull=False)
    | models.Q(scope="global", owner__isnull=True, team__isnull=True)
)


class CannedReply(models.Model):
    title = models.CharField(_("title"), max_length=120)
    # Lower-case letters, digits, "-" and "_" (``hub.canned.SHORTCUT``); typed after "/" or "::".
    shortcut = models.CharField(_("shortcut"), max_length=40, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=CannedScope.choices)
    owner = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies")
    # {"de": "Hallo {{customer.first_name}}, …", "en": "Hi {{customer.first_name}}, …"}
    texts = models.JSONField(_("texts"), default=dict)
    usage_count = models.PositiveIntegerField(_("used"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=SCOPE_OWNER, name="canned_reply_scope_owner"),
            # A shortcut means one reply wherever it is typed within its owner's scope.
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=models.Q(scope="personal") & ~models.Q(shortcut=""),
                name="canned_reply_personal_shortcut",
            ),
            models.UniqueConstraint(
                fields=["team", "shortcut"],
                condition=models.Q(scope="team") & ~models.Q(shortcut=""),
                name="canned_reply_team_shortcut",
            ),
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=models.Q(scope="global") & ~models.Q(shortcut=""),
                name="canned_reply_global_shortcut",
            ),
        ]

    def __str__(self) -> str:
        return self.title
