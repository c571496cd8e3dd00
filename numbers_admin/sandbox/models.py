"""The sandbox's own records: owned numbers per space, the request log, fault knobs, settings.

A *space* is one simulated upstream: ``"signalwire"`` (served by both the REST API and the
Compatibility API, like a real Space) or ``"twilio"``. A number is stored once per space and shown
through each API's view of it, so a number bought through one API is visible through the other.
"""

import uuid

from django.db import models
from django.db.models import Q

SIGNALWIRE = "signalwire"
TWILIO = "twilio"
SPACES = (SIGNALWIRE, TWILIO)


class SandboxSpace(models.Model):
    """Per-space switches that a test or the demo page can flip."""

    class SearchShape(models.TextChoices):
        # What real consumers see today: e164 / national_number_formatted / capabilities as a list.
        OBSERVED = "observed", "Observed (e164, capabilities list)"
        # What the current TypeSpec describes: number / city / capabilities as an object.
        SPEC = "spec", "Specification (number, capabilities object)"

    name = models.CharField(max_length=16, primary_key=True)
    import_enabled = models.BooleanField(
        default=True, help_text="Whether the Partner API for importing numbers is switched on."
    )
    search_shape = models.CharField(
        max_length=16, choices=SearchShape.choices, default=SearchShape.OBSERVED
    )

    def __str__(self):
        return self.name

    @classmethod
    def get(cls, name: str) -> "SandboxSpace":
        space, _ = cls.objects.get_or_create(name=name)
        return space


class SandboxNumber(models.Model):
    """A number owned in a sandbox space. Handler settings use the REST API's field names."""

    space = models.CharField(max_length=16)
    uid = models.UUIDField(unique=True, default=uuid.uuid4)
    number = models.CharField(max_length=40)
    name = models.CharField(max_length=255)
    # Owned-number vocabulary of the REST API: "longcode" or "toll-free".
    number_type = models.CharField(max_length=16, default="longcode")
    # Twilio's `type`: "local", "mobile" or "toll-free".
    kind = models.CharField(max_length=16, default="local")
    country_code = models.CharField(max_length=2, blank=True)
    capabilities = models.CharField(max_length=32, default="voice,sms,mms,fax")
    # "signalwire" / "twilio" for bought numbers, "hosted" for imported ones.
    origin = models.CharField(max_length=16, default="signalwire")
    config = models.JSONField(default=dict, blank=True)
    e911_address_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "number"], name="sandbox_number_per_space"),
        ]
        indexes = [
            # Keyset paging in the APIs' order: newest first.
            models.Index(fields=["space", "created_at", "id"], name="sandbox_num_page"),
        ]

    def __str__(self):
        return self.number

    @property
    def capability_list(self) -> list[str]:
        return [c for c in self.capabilities.split(",") if c]

    def setting(self, key: str, default=None):
        return self.config.get(key, default)


def keyset_after(queryset, anchor: "SandboxNumber", *, newer: bool = False):
    """Rows after ``anchor`` in (created_at, id) descending order (or before it, if ``newer``).

    The redundant bound on created_at lets the database seek in the index instead of walking it
    from the top, so page 20,000 costs what page 1 costs.
    """
    c, i = anchor.created_at, anchor.id
    if newer:
        return queryset.filter(created_at__gte=c).filter(
            Q(created_at__gt=c) | Q(created_at=c, id__gt=i)
        )
    return queryset.filter(created_at__lte=c).filter(
        Q(created_at__lt=c) | Q(created_at=c, id__lt=i)
    )


class SandboxRequest(models.Model):
    """One request that reached the sandbox, for tests that count upstream calls."""

    space = models.CharField(max_length=16)
    api = models.CharField(max_length=16)  # "rest", "compat" or "twilio"
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    query = models.TextField(blank=True)
    body = models.TextField(blank=True)
    status = models.IntegerField(null=True)
    # What the sandbox did beyond answering: e.g. "drop", "latency", "commit_then_fail".
    fault = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["space", "created_at"], name="sandbox_req_rate")]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status}"


class SandboxFault(models.Model):
    """A fault armed for a space. ``remaining`` counts down per matching request; None = always."""

    class Kind(models.TextChoices):
        LATENCY = "latency", "Add latency"
        RATE_LIMIT = "rate_limit", "Answer 429 Too Many Requests"
        RATE_CAP = "rate_cap", "Answer 429 above a request rate"
        SERVER_ERROR = "server_error", "Answer 500, 502 or 503"
        DROP = "drop", "Drop the connection without an answer"
        SLOW = "slow", "Answer slower than the client waits"
        MALFORMED_JSON = "malformed_json", "Answer with broken JSON"
        COMMIT_THEN_FAIL = "commit_then_fail", "Do the change, then fail the answer"

    space = models.CharField(max_length=16)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    remaining = models.IntegerField(null=True, blank=True)
    # Only requests with this method / whose path contains this text are affected (blank = all).
    method = models.CharField(max_length=8, blank=True)
    path_contains = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.space}: {self.kind}"
