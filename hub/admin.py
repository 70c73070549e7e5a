"""Django admin for every hub model.

Built for a database with a million tickets: every foreign key to a big table is a raw id
field (a select box would load the whole table), list pages select their related rows in the
same query, and the paginator does not count huge tables exactly.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hub import admin_two_factor
from hub.actions.inbound import RETRYABLE, do_retry_inbound
from hub.models import (
    Agent,
    Attachment,
    ChannelSetting,
    Customer,
    CustomerMerge,
    Draft,
    Identity,
    InboundEvent,
    Message,
    Organization,
    Tag,
    Team,
    Ticket,
    TicketEvent,
)


class EstimatedCountPaginator(Paginator):
    """Uses PostgreSQL's row estimate for an unfiltered table instead of COUNT(*).

    COUNT(*) over a million tickets takes longer than the rest of the page; the admin only
    needs the count for its page links.
    """

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if connection.vendor == "postgresql" and query is not None and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],  # type: ignore[attr-defined]
                )
                row = cursor.fetchone()
            if row and row[0] > 10000:
                return int(row[0])
        return super().count


class BigTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "role", "language", "presence", "last_seen_at")
    list_filter = ("role", "presence", "language", "teams")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    filter_horizontal = ("teams",)


@admin.register(ChannelSetting)
class ChannelSettingAdmin(admin.ModelAdmin):
    list_display = ("channel", "default_team", "enabled")
    list_filter = ("enabled",)
    list_select_related = ("default_team",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "key_account", "key_account_manager", "created_at")
    list_filter = ("key_account", "tier")
    search_fields = ("name",)
    list_select_related = ("key_account_manager",)
    raw_id_fields = ("key_account_manager",)


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ("kind", "value", "verified", "bouncing", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Customer)
class CustomerAdmin(BigTableAdmin):
    list_display = ("id", "display_name", "organization", "language", "segment", "vip", "merged_into", "created_at")
    list_filter = ("vip", "language", "segment")
    search_fields = ("display_name", "=identities__value", "=id")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "merged_into")
    readonly_fields = ("created_at", "updated_at")
    inlines = (IdentityInline,)


@admin.register(Identity)
class IdentityAdmin(BigTableAdmin):
    list_display = ("kind", "value", "customer", "verified", "bouncing", "created_at")
    list_filter = ("kind", "verified", "bouncing")
    # Values are stored normalized; an exact or prefix search uses the unique index.
    search_fields = ("^value",)
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "target", "merged_by", "merged_at", "undone_at", "undone_by")
    list_filter = ("merged_at", "undone_at")
    list_select_related = ("source", "target", "merged_by", "undone_by")
    raw_id_fields = ("source", "target", "merged_by", "undone_by")
    # Merges are made and undone through hub.actions, which keeps tickets and identities in
    # step; editing the record by hand would desynchronize it.
    readonly_fields = ("identity_ids", "ticket_ids", "merged_at", "undone_at")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Ticket)
class TicketAdmin(BigTableAdmin):
    list_display = ("id", "subject", "status", "priority", "team", "assignee", "origin_channel", "last_activity_at")
    list_filter = ("status", "priority", "origin_channel", "team")
    search_fields = ("=id", "subject")
    list_select_related = ("team", "assignee__user", "customer")
    raw_id_fields = ("customer", "assignee", "team")
    filter_horizontal = ("tags",)
    readonly_fields = ("created_at", "updated_at", "version", "message_count", "history")
    ordering = ("-last_activity_at", "-id")


@admin.register(TicketEvent)
class TicketEventAdmin(BigTableAdmin):
    list_display = ("id", "ticket", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("=ticket__id",)
    list_select_related = ("ticket", "actor__user")
    raw_id_fields = ("ticket", "actor")
    ordering = ("-id",)

    # The timeline is append-only (hub.events is its only writer).
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("filename", "content_type", "size", "sha256", "inline")
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(BigTableAdmin):
    list_display = ("id", "ticket", "channel", "direction", "kind", "sender", "delivery_status", "created_at")
    list_filter = ("channel", "direction", "kind", "delivery_status")
    search_fields = ("=ticket__id", "=external_id")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket", "author_agent", "author_customer", "inbound_event")
    readonly_fields = ("created_at",)
    inlines = (AttachmentInline,)
    ordering = ("-id",)


@admin.register(Attachment)
class AttachmentAdmin(BigTableAdmin):
    list_display = ("id", "filename", "content_type", "size", "message")
    search_fields = ("=sha256", "filename")
    list_select_related = ("message",)
    raw_id_fields = ("message",)


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("ticket", "agent", "mode", "updated_at")
    list_select_related = ("ticket", "agent__user")
    raw_id_fields = ("ticket", "agent")


@admin.action(description=_("Retry the selected quarantined or failed events"))
def retry_events(modeladmin: InboundEventAdmin, request: HttpRequest, queryset: QuerySet[InboundEvent]) -> None:
    retried = sum(
        do_retry_inbound(event, actor=request.user, via="admin")  # type: ignore[arg-type]
        for event in queryset.filter(state__in=RETRYABLE)
    )
    skipped = queryset.count() - retried
    modeladmin.message_user(
        request,
        ngettext("%(n)d event queued again.", "%(n)d events queued again.", retried) % {"n": retried},
        messages.SUCCESS,
    )
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d event was not quarantined or failed and was left alone.",
                "%(n)d events were not quarantined or failed and were left alone.",
                skipped,
            )
            % {"n": skipped},
            messages.WARNING,
        )


@admin.register(InboundEvent)
class InboundEventAdmin(BigTableAdmin):
    list_display = ("id", "channel", "external_id", "state", "attempts", "outcome", "ticket", "received_at")
    list_filter = ("state", "channel", "outcome")
    search_fields = ("=external_id", "=id")
    raw_id_fields = ("ticket",)
    list_select_related = ("ticket",)
    actions = (retry_events,)
    ordering = ("-id",)
    fields = (
        "channel",
        "external_id",
        "state",
        "attempts",
        "outcome",
        "ticket",
        "received_at",
        "next_attempt_at",
        "processed_at",
        "error",
        "payload",
        "retries",
        "retry_button",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Events come only from channels (hub.pipeline.receive); a hand-made one has no source.
        return False

    @admin.display(description=_("Retry"))
    def retry_button(self, obj: InboundEvent) -> str:
        if obj.pk is None or obj.state not in RETRYABLE:
            return "–"
        url = reverse("admin:hub_inboundevent_retry", args=[obj.pk])
        # A POST form: a retry changes state, so a link (GET) must not trigger it. The admin's
        # change form is itself a form, so this one is submitted through the formaction.
        return format_html(
            '<button type="submit" formaction="{}" formmethod="post" class="button">{}</button>',
            url,
            _("Retry now"),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:event_id>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="hub_inboundevent_retry",
            )
        ]
        return own + super().get_urls()

    def retry_view(self, request: HttpRequest, event_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        event = get_object_or_404(InboundEvent, pk=event_id)
        if do_retry_inbound(event, actor=request.user, via="admin"):  # type: ignore[arg-type]
            self.message_user(request, _("The event was queued again."), messages.SUCCESS)
        else:
            self.message_user(request, _("Only quarantined or failed events can be retried."), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:hub_inboundevent_change", args=[event_id]))


# The two-factor devices, with German section titles and without the agents' keys.
admin_two_factor.register()
