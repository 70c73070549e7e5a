from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # Mail domains that belong to this organisation; a new customer from one of them joins it.
    domains = models.JSONField(_("domains"), default=list, blank=True)
    tier = models.CharField(_("tier"), max_length=40, blank=True)
    key_account = models.BooleanField(_("key account"), default=False)
    key_account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The service level contracted with this organization: it applies to its customers' tickets
    # before any other policy.
    sla_policy = models.ForeignKey(
        "hub.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    segment = models.CharField(_("segment"), max_length=40, blank=True)
    vip = models.BooleanField(_("VIP"), default=False)
    # The company's own facts about the customer (contract number, plan, region …): names of
    # lower-case letters, digits and _, values texts, numbers or yes/no (``hub.customer_attributes``).
    # Shown beside the conversation; routing rules read them as ``customer.attributes.<name>``.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Set when this customer was merged into another; its identities and tickets moved there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"

    @property
    def is_key_account(self) -> bool:
        return self.vip or bool(self.organization and self.organization.key_account)


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat visitor")
    EXTERNAL = "external", _("External ID")


class Identity(models.Model):
    """One way to reach or recognize a customer; the value is normalized (see hub.identity)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    verified = models.BooleanField(default=False)
    bouncing = models.BooleanField(default=False)
    # Given without proof (an address typed into the chat's pre-form): kept so an agent can answer
    # by mail, but it joins no interaction to this customer, and it goes to whoever then writes
    # from it (``hub.pipeline.batch``): a stranger's claim never captures the owner's mail.
    claimed = models.BooleanField(_("claimed, not proven"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class CustomerMerge(models.Model):
    """A recorded merge of ``source`` into ``target``, with what moved, so it can be undone."""

    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_source")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_target")
    identity_ids = models.JSONField(default=list)
    ticket_ids = models.JSONField(default=list)
    # Messages the source wrote, wherever they are (also on other customers' tickets).
    message_ids = models.JSONField(default=list)
    # What the target took over from the source because it had none of its own: field names
    # ({"fields": [...], "attributes": [...]}), given back on undo while still unchanged; and
    # "conflicts" ([{"name", "kept", "dropped"}]), where the target kept its own value.
    filled = models.JSONField(_("taken over"), default=dict, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"#{self.source_id} → #{self.target_id}"
