"""Keeping the local mirror true to the upstream: canonical dict → PhoneNumber fields.

Every path that learns what a number is upstream (sync, purchase, import, configure, a lookup
after an unknown outcome) goes through ``mirror_fields`` so that derived fields are computed the
same way everywhere.
"""

from typing import Any

from numbers_admin import numbering
from numbers_admin.models import Account, PhoneNumber
from numbers_admin.upstream.base import CANONICAL_FIELDS

# Fields compared when deciding whether the upstream changed a number (raw_payload and the
# upstream's own updated-at stamp are bookkeeping, not a change a person made).
TRACKED_FIELDS = tuple(
    f for f in CANONICAL_FIELDS if f not in {"raw_payload", "upstream_updated_at", "next_billed_at"}
)


_CANONICAL = frozenset(CANONICAL_FIELDS)


def canonical_values(canonical: dict[str, Any]) -> dict[str, Any]:
    """The canonical fields of an upstream number as column values (a null text is "")."""
    values = dict(canonical)
    for name in values.keys() - _CANONICAL:
        del values[name]
    for name in [name for name, value in values.items() if value is None]:
        if name in TEXT_FIELDS:
            values[name] = ""
    return values


def mirror_fields(canonical: dict[str, Any]) -> dict[str, Any]:
    """The PhoneNumber field values for a canonical upstream number, derived fields included."""
    values = canonical_values(canonical)
    values.update(numbering.describe(values["number"]))
    if values.get("number_type") in TOLL_FREE_TYPES:
        values["kind"] = "toll_free"
    if canonical.get("country_code"):
        values["country"] = canonical["country_code"]
    return values


# Text columns store unset as "" (a carrier's null becomes ""), so filters need one test only.
TEXT_FIELDS = frozenset(
    f.name
    for f in PhoneNumber._meta.concrete_fields
    if f.get_internal_type() in ("CharField", "TextField")
)
# The providers' three spellings of a toll-free number type (API.md §2.3).
TOLL_FREE_TYPES = ("toll-free", "tollfree", "toll_free")


def tracked_values(phone_number: PhoneNumber) -> dict[str, Any]:
    return {name: getattr(phone_number, name) for name in TRACKED_FIELDS}


def save_from_upstream(account: Account, canonical: dict[str, Any]) -> tuple[PhoneNumber, dict]:
    """Create or update the mirror row for ``canonical``; returns (row, {field: [before, after]})
    of tracked fields that changed (empty for a new row). A released row that reappears upstream
    is back in service."""
    from numbers_admin.audit import diff

    values = mirror_fields(canonical)
    row = PhoneNumber.objects.filter(account=account, upstream_id=values["upstream_id"]).first()
    if row is None:
        row = PhoneNumber.objects.create(account=account, **values)
        return row, {}
    before = tracked_values(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.released_at = None
    row.released_by_upstream = False
    row.save()
    return row, diff(before, {name: values[name] for name in TRACKED_FIELDS if name in values})
