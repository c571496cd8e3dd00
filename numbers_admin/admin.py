"""Django's admin, for superusers only: a raw view of the tables for when the pages are not enough.

It is also the yardstick of ``bench/bench_numbers.py``: a stock changelist searching numbers and
names with ``icontains`` and counting every match.
"""

from django.contrib import admin

from numbers_admin.models import Account, AuditEvent, PhoneNumber, SavedView, Tag


def _superusers_only(request) -> bool:
    # Roles (groups) are for the dashboard's own pages; the admin edits tables directly.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "numbers_admin tables"
admin.site.site_title = "numbers_admin tables"
admin.site.index_title = "Tables (superusers only)"


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "name",
        "account",
        "country",
        "kind",
        "call_handler",
        "e911_status",
        "released_at",
    ]
    list_filter = ["account", "kind", "country", "call_handler", "e911_status"]
    search_fields = ["number", "name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    filter_horizontal = ["tags"]
    readonly_fields = ["raw_payload", "created_at", "updated_at", "last_synced_at"]
    fieldsets = [
        (None, {"fields": ["account", "upstream_id", "number", "name", "tags", "notes"]}),
        (
            "Derived from the number",
            {
                "fields": [
                    "digits",
                    "national_digits",
                    "country",
                    "location",
                    "national_format",
                    "international_format",
                    "kind",
                    ("voice", "sms", "mms", "fax"),
                ]
            },
        ),
        (
            "Calls",
            {
                "classes": ["collapse"],
                "fields": [
                    "call_handler",
                    "call_request_url",
                    "call_request_method",
                    "call_fallback_url",
                    "call_fallback_method",
                    "call_status_callback_url",
                    "call_status_callback_method",
                    "call_laml_application_id",
                    "call_relay_script_url",
                    "call_relay_application",
                    "call_relay_topic",
                    "call_sip_endpoint_id",
                    "trunk_sid",
                ],
            },
        ),
        (
            "Messages",
            {
                "classes": ["collapse"],
                "fields": [
                    "message_handler",
                    "message_request_url",
                    "message_request_method",
                    "message_fallback_url",
                    "message_fallback_method",
                    "message_laml_application_id",
                ],
            },
        ),
        (
            "E911 and carrier",
            {
                "classes": ["collapse"],
                "fields": [
                    "e911_status",
                    "e911_address_id",
                    "emergency_status",
                    "sid",
                    "number_type",
                    "status",
                    "upstream_created_at",
                    "upstream_updated_at",
                ],
            },
        ),
        (
            "Local bookkeeping",
            {
                "classes": ["collapse"],
                "fields": [
                    "released_at",
                    "released_by_upstream",
                    "last_synced_at",
                    "created_at",
                    "updated_at",
                    "raw_payload",
                ],
            },
        ),
    ]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "api_root", "is_enabled"]
    # The token is write-only: it is set on the Accounts page, never shown here.
    exclude = ["token_encrypted"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "number", "outcome"]
    list_filter = ["action", "outcome"]
    search_fields = ["number", "actor_label"]
    raw_id_fields = ["actor", "account", "phone_number", "job"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "query"]
    raw_id_fields = ["user"]
