from django.contrib import admin

from channels_web.models import FormSubmission, WebForm


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "team", "enabled")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin):
    list_display = ("public_id", "form", "email", "spam_reason", "created_at", "confirmation_sent_at")
    list_filter = ("spam_reason", "form")
    readonly_fields = (
        "public_id",
        "form",
        "email",
        "spam_reason",
        "values",
        "language",
        "confirmation_sent_at",
        "created_at",
    )
