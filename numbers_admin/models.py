"""The dashboard's own records: upstream accounts, the mirror of their numbers, and history.

The upstream account is the source of truth for what a number *is*; ``PhoneNumber`` is a mirror
kept for fast search and review. Field names follow SignalWire's Space REST resource (API.md §1.5);
Compatibility and Twilio payloads are mapped onto the same names by ``numbers_admin.upstream``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from numbers_admin import crypto
from numbers_admin.fields import PayloadField


class Provider(models.TextChoices):
    SIGNALWIRE_REST = "signalwire_rest", "SignalWire (Space REST API)"
    SIGNALWIRE_COMPAT = "signalwire_compat", "SignalWire (Compatibility API)"
    TWILIO = "twilio", "Twilio"


class Account(models.Model):
    """One connection to an upstream API: where it is, who we are there, and the secret."""

    provider = models.CharField(max_length=32, choices=Provider.choices)
    name = models.CharField(max_length=100, unique=True)
    api_root = models.URLField(
        "API root",
        help_text="A Space URL such as https://example.signalwire.com, https://api.twilio.com, "
        "or the sandbox.",
    )
    project_id = models.CharField(
        "project or account id",
        max_length=64,
        help_text="The SignalWire Project ID (a uuid) or the Twilio Account SID (AC…).",
    )
    token_encrypted = models.TextField(editable=False)
    is_enabled = models.BooleanField("enabled", default=True)
    requests_per_second = models.FloatField(
        default=5.0, help_text="How fast bulk work may call this account's API."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True)
    last_check_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    # The token is write-only: views set it, only the upstream client reads it.
    def set_token(self, plain: str) -> None:
        self.token_encrypted = crypto.encrypt_token(plain)

    def get_token(self) -> str:
        return crypto.decrypt_token(self.token_encrypted)

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)

    @property
    def is_signalwire(self) -> bool:
        return self.provider in (Provider.SIGNALWIRE_REST, Provider.SIGNALWIRE_COMPAT)


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CallHandler(models.TextChoices):
    # Settable through PUT /phone_numbers/{id} (PhoneNumberCallHandlerRequest).
    LAML_WEBHOOKS = "laml_webhooks", "Send calls to a webhook (cXML)"
    LAML_APPLICATION = "laml_application", "Run a cXML application"
    RELAY_SCRIPT = "relay_script", "Run a SWML script"
    RELAY_APPLICATION = "relay_application", "Run a Relay application"
    RELAY_TOPIC = "relay_topic", "Send calls to a Relay topic"
    RELAY_CONTEXT = "relay_context", "Send calls to a Relay context (deprecated)"
    RELAY_CONNECTOR = "relay_connector", "Send calls to a Relay connector"
    RELAY_SIP_ENDPOINT = "relay_sip_endpoint", "Ring a SIP endpoint"
    RELAY_VERTO_ENDPOINT = "relay_verto_endpoint", "Ring a Verto endpoint"
    DIALOGFLOW = "dialogflow", "Answer with a Dialogflow agent"
    VIDEO_ROOM = "video_room", "Join a video room"
    # Set only through Fabric phone routes; shown read-only.
    CALL_FLOW = "call_flow", "Run a call flow (Fabric)"
    AI_AGENT = "ai_agent", "Answer with an AI agent (Fabric)"
    FABRIC_SUBSCRIBER = "fabric_subscriber", "Ring a Fabric subscriber"
    SIP_GATEWAY = "sip_gateway", "Send calls to a SIP gateway (Fabric)"
    CALL_QUEUE = "call_queue", "Put calls in a queue (Fabric)"


FABRIC_ONLY_CALL_HANDLERS = frozenset(
    {
        CallHandler.CALL_FLOW,
        CallHandler.AI_AGENT,
        CallHandler.FABRIC_SUBSCRIBER,
        CallHandler.SIP_GATEWAY,
        CallHandler.CALL_QUEUE,
    }
)


class MessageHandler(models.TextChoices):
    LAML_WEBHOOKS = "laml_webhooks", "Send messages to a webhook (cXML)"
    LAML_APPLICATION = "laml_application", "Run a cXML application"
    RELAY_APPLICATION = "relay_application", "Run a Relay application"
    RELAY_TOPIC = "relay_topic", "Send messages to a Relay topic"
    RELAY_CONTEXT = "relay_context", "Send messages to a Relay context (deprecated)"


class NumberKind(models.TextChoices):
    """What kind of number it is, in one vocabulary across providers (derived with phonenumbers
    and the provider's own type)."""

    LOCAL = "local", "Local"
    MOBILE = "mobile", "Mobile"
    TOLL_FREE = "toll_free", "Toll-free"
    OTHER = "other", "Other"


class E911Status(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    FAILED = "failed", "Failed"
    PENDING_REMOVAL = "pending_removal", "Pending removal"
    UNREGISTERED = "unregistered", "Unregistered"


class PhoneNumberQuerySet(models.QuerySet):
    def in_service(self):
        return self.filter(released_at__isnull=True)


class PhoneNumber(models.Model):
    """A number held at an upstream account, as last seen there, plus what only we keep."""

    # Not indexed alone: the unique (account, upstream_id) index starts with it. Every index
    # here is paid for on each insert, which is most of a first sync's time on PostgreSQL.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="numbers", db_index=False
    )
    upstream_id = models.CharField(max_length=64, help_text="uuid (SignalWire) or PN… (Twilio)")
    number = models.CharField(max_length=32, help_text="E.164")
    # Digits only, for search by any run of digits: E.164 without "+" and the national number.
    # Indexed in Meta (plain b-trees: the search asks for ranges, never LIKE, so PostgreSQL's
    # extra pattern index that db_index would add is not needed).
    digits = models.CharField(max_length=32)
    national_digits = models.CharField(max_length=32)
    name = models.CharField(max_length=255, blank=True)

    # Derived with phonenumbers.
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1")
    location = models.CharField(max_length=120, blank=True)
    national_format = models.CharField(max_length=40, blank=True)
    international_format = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=16, choices=NumberKind.choices)

    # Capabilities, one flag each so that filters can use an index.
    voice = models.BooleanField(default=False)
    sms = models.BooleanField(default=False)
    mms = models.BooleanField(default=False)
    fax = models.BooleanField(default=False)

    # --- SignalWire REST resource (API.md §1.5) -------------------------------------------------
    number_type = models.CharField(max_length=20, blank=True, help_text="as the provider says it")
    country_code = models.CharField(max_length=2, blank=True)
    e911_address_id = models.CharField(max_length=64, blank=True)
    e911_status = models.CharField(max_length=20, blank=True, choices=E911Status.choices)
    upstream_created_at = models.DateTimeField(null=True, blank=True)
    upstream_updated_at = models.DateTimeField(null=True, blank=True)
    next_billed_at = models.DateTimeField(null=True, blank=True)

    call_handler = models.CharField(max_length=32, blank=True, choices=CallHandler.choices)
    calling_handler_resource_id = models.CharField(max_length=64, blank=True)
    call_receive_mode = models.CharField(max_length=8, blank=True)
    call_request_url = models.CharField(max_length=1000, blank=True)
    call_request_method = models.CharField(max_length=8, blank=True)
    call_fallback_url = models.CharField(max_length=1000, blank=True)
    call_fallback_method = models.CharField(max_length=8, blank=True)
    call_status_callback_url = models.CharField(max_length=1000, blank=True)
    call_status_callback_method = models.CharField(max_length=8, blank=True)
    call_laml_application_id = models.CharField(max_length=64, blank=True)
    call_dialogflow_agent_id = models.CharField(max_length=255, blank=True)
    call_relay_topic = models.CharField(max_length=255, blank=True)
    call_relay_topic_status_callback_url = models.CharField(max_length=1000, blank=True)
    call_relay_script_url = models.CharField(max_length=1000, blank=True)
    call_relay_context = models.CharField(max_length=255, blank=True)
    call_relay_context_status_callback_url = models.CharField(max_length=1000, blank=True)
    call_relay_application = models.CharField(max_length=255, blank=True)
    call_relay_connector_id = models.CharField(max_length=255, blank=True)
    call_sip_endpoint_id = models.CharField(max_length=64, blank=True)
    call_verto_resource = models.CharField(max_length=255, blank=True)
    call_video_room_id = models.CharField(max_length=64, blank=True)

    message_handler = models.CharField(max_length=32, blank=True, choices=MessageHandler.choices)
    messaging_handler_resource_id = models.CharField(max_length=64, blank=True)
    message_request_url = models.CharField(max_length=1000, blank=True)
    message_request_method = models.CharField(max_length=8, blank=True)
    message_fallback_url = models.CharField(max_length=1000, blank=True)
    message_fallback_method = models.CharField(max_length=8, blank=True)
    message_laml_application_id = models.CharField(max_length=64, blank=True)
    message_relay_topic = models.CharField(max_length=255, blank=True)
    message_relay_context = models.CharField(max_length=255, blank=True)
    message_relay_application = models.CharField(max_length=255, blank=True)

    # --- Compatibility / Twilio fields the REST resource lacks (API.md §3.4, §4.4) ---------------
    sid = models.CharField(max_length=64, blank=True)
    emergency_status = models.CharField(max_length=16, blank=True)
    emergency_address_status = models.CharField(max_length=32, blank=True)
    trunk_sid = models.CharField(max_length=64, blank=True)
    bundle_sid = models.CharField(max_length=64, blank=True)
    address_sid = models.CharField(max_length=64, blank=True)
    identity_sid = models.CharField(max_length=64, blank=True)
    address_requirements = models.CharField(max_length=16, blank=True)
    origin = models.CharField(max_length=16, blank=True)
    beta = models.BooleanField(null=True)
    verification_status = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=32, blank=True)
    voice_caller_id_lookup = models.BooleanField(null=True)
    api_version = models.CharField(max_length=16, blank=True)

    raw_payload = PayloadField(default=dict, blank=True)

    # --- Local only -------------------------------------------------------------------------------
    tags = models.ManyToManyField(Tag, blank=True, related_name="numbers")
    notes = models.TextField(blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by_upstream = models.BooleanField(
        default=False, help_text="Gone from the carrier without a release from this dashboard."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Fingerprint of the upstream number as the last sync wrote it (numbers_admin.actions.sync): a
    # re-sync skips rows whose fingerprint matches and that nothing has saved since.
    mirror_hash = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = PhoneNumberQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "upstream_id"], name="phone_number_unique_per_account"
            )
        ]
        indexes = [
            models.Index(fields=["number"], name="pn_number"),
            models.Index(fields=["digits"], name="pn_digits"),
            models.Index(fields=["national_digits"], name="pn_national_digits"),
            models.Index(fields=["name"], name="pn_name"),
            models.Index(fields=["upstream_created_at"], name="pn_created"),
            models.Index(fields=["account", "number"], name="pn_account_number"),
            # The Numbers page (numbers_admin.search): each filter column is indexed together
            # with the default sort, so a filtered page is read in order from one index instead
            # of sorting every match; numbers in service have their own index in sort order.
            models.Index(
                fields=["number", "id"],
                condition=Q(released_at__isnull=True),
                name="pn_live_number",
            ),
            models.Index(fields=["call_handler", "number"], name="pn_call_handler"),
            models.Index(fields=["message_handler", "number"], name="pn_message_handler"),
            models.Index(fields=["e911_status", "number"], name="pn_e911_status"),
            models.Index(fields=["country", "number"], name="pn_country_number"),
            models.Index(fields=["kind", "number"], name="pn_kind_number"),
            # Only released numbers: a full index on a column that is NULL for nearly every row
            # makes SQLite's planner read "released_at IS NULL" through it (it has no
            # histogram to know better), which turns a 50-row page into a million-row sort.
            models.Index(
                fields=["released_at"],
                condition=Q(released_at__isnull=False),
                name="pn_released",
            ),
        ]
        permissions = [
            ("buy_phonenumber", "Can buy numbers"),
            ("import_phonenumber", "Can import numbers hosted elsewhere"),
            ("release_phonenumber", "Can release numbers"),
        ]

    def __str__(self):
        return self.international_format or self.number

    @property
    def is_released(self) -> bool:
        return self.released_at is not None

    @property
    def capabilities(self) -> list[str]:
        return [name for name in ("voice", "sms", "mms", "fax") if getattr(self, name)]


class AuditEvent(models.Model):
    """One change we made or discovered, with who, what, before → after and how it ended."""

    class Action(models.TextChoices):
        PURCHASE = "purchase", "Bought"
        IMPORT = "import", "Imported"
        RELEASE = "release", "Released"
        CONFIGURE = "configure", "Configured"
        ROLLBACK = "rollback", "Rolled back"
        EDIT = "edit", "Edited name, tags or notes"
        SYNC_NEW = "sync_new", "Found at the carrier"
        SYNC_CHANGED = "sync_changed", "Changed at the carrier"
        SYNC_GONE = "sync_gone", "Gone from the carrier"
        ACCOUNT = "account", "Account changed"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # "upstream" when a sync finds a change made elsewhere, "system" for the dashboard itself.
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL)
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    number = models.CharField(max_length=32, blank=True, db_index=True, help_text="E.164")
    # {"field": [before, after], ...}
    changes = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    job = models.ForeignKey("Job", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["phone_number", "-at"], name="audit_number_at")]

    def __str__(self):
        return f"{self.get_action_display()} {self.number} by {self.actor_label}"


class Job(models.Model):
    """Long work (sync, bulk import, bulk release, bulk configure) that a page shows progress of.

    Each unit of work is a ``JobItem``; a worker that restarts picks up the items still pending.
    """

    class Kind(models.TextChoices):
        SYNC = "sync", "Sync"
        BULK_IMPORT = "bulk_import", "Bulk import"
        BULK_RELEASE = "bulk_release", "Bulk release"
        BULK_CONFIGURE = "bulk_configure", "Bulk configure"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    params = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one sync of an account at a time.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(kind="sync", status__in=["queued", "running"]),
                name="one_active_sync_per_account",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class JobItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SUCCEEDED = "succeeded", "Done"
        UNCHANGED = "unchanged", "Unchanged"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    number = models.CharField(max_length=32, blank=True)
    phone_number = models.ForeignKey(PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_item_position_unique")
        ]
        indexes = [models.Index(fields=["job", "status"], name="job_item_status")]


class Operation(models.Model):
    """A money-moving request (purchase, import, release), recorded *before* it is sent upstream.

    The idempotency key comes from the confirmation form; a repeat of the same key finds this row
    instead of sending again. The partial unique constraint stops two different keys (two admins,
    two tabs) from having the same number in flight at once.
    """

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        IMPORT = "import", "Import"
        RELEASE = "release", "Release"

    class State(models.TextChoices):
        PENDING = "pending", "Recorded, not yet sent"
        SENDING = "sending", "Sent, waiting for the answer"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"

    OPEN_STATES = ("pending", "sending", "unknown")

    key = models.UUIDField(unique=True, default=uuid.uuid4)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT)
    number = models.CharField(max_length=32, help_text="E.164, or the area code for Twilio")
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    phone_number = models.ForeignKey(PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "number"],
                condition=Q(state__in=["pending", "sending", "unknown"]),
                name="one_open_operation_per_number",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.get_state_display()})"


class SavedView(models.Model):
    """A named Numbers-page filter ("toll-free without a handler"), per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=2000, help_text="The Numbers page's query string")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_per_user")
        ]

    def __str__(self):
        return self.name
