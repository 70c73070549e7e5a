from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from channels_chat.models import ChatMessage, ChatSession, SurveyResponse, Widget


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "team", "enabled")
    readonly_fields = ("key", "snippet")
    fields = (
        "name",
        "key",
        "snippet",
        "secret",
        "team",
        "allowed_origins",
        "brand_colour",
        "greeting_de",
        "greeting_en",
        "prechat_fields",
        "enabled",
    )

    @admin.display(description=_("Snippet"))
    def snippet(self, obj: Widget) -> str:
        from django.conf import settings

        return f'<script src="{settings.SITE_URL}/static/chatwidget/widget.js" data-widget="{obj.key}" async></script>'


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    extra = 0
    fields = ("seq", "sender", "agent_name", "text", "filename", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("public_id", "widget", "name", "email", "offline", "ticket_id", "created_at", "ended_at")
    list_filter = ("widget", "offline")
    readonly_fields = ("public_id", "visitor_id", "last_seq", "ticket_id")
    inlines = [ChatMessageInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("ticket", "scale", "rating", "created_at")
    list_filter = ("scale",)
    raw_id_fields = ("ticket", "session")
