from django.contrib import admin

from numbers_admin.models import Account, AuditEvent, PhoneNumber


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "account", "country", "kind", "call_handler", "released_at"]
    list_filter = ["account", "kind", "country"]
    search_fields = ["number", "name"]
    raw_id_fields = ["account"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "api_root", "is_enabled"]
    exclude = ["token_encrypted"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "number", "outcome"]
    list_filter = ["action", "outcome"]
    search_fields = ["number"]
