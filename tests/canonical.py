"""A canonical number with every field unset, shared by the fakes of several test areas.

Unset strings are "" and unset dates and booleans None (numbers_admin/upstream/base.py); the
fakes then fill in what their area needs (voice/sms/mms/fax are always set by them).
"""

from numbers_admin.upstream.base import CANONICAL_FIELDS

NULLABLE = {
    "upstream_created_at", "upstream_updated_at", "next_billed_at", "beta",
    "voice_caller_id_lookup",
}  # fmt: skip


def blank_canonical() -> dict:
    return {name: (None if name in NULLABLE else "") for name in CANONICAL_FIELDS}
