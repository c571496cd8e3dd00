"""Operations on the owned numbers of a space, shared by the three APIs' views.

Validation and error bodies are per API (in the views); this module holds what is the same:
buying, importing, releasing with the cooldown, and keyset pages.
"""

import datetime as dt
import re
import uuid

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction

from numbers_admin.sandbox import stock
from numbers_admin.sandbox.models import SandboxNumber, keyset_after
from numbers_admin.sandbox.wire import default_name

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Taken(Exception):
    """The number is already in this space."""


def buy(space: str, info: stock.Available, now: dt.datetime, *, name="", config=None):
    """Add an in-stock number to the space (raises Taken if a concurrent buy won)."""
    number = SandboxNumber(
        space=space,
        number=info.e164,
        name=name or default_name(info.e164, info.national_format),
        number_type="toll-free" if info.kind == stock.TOLL_FREE else "longcode",
        kind=info.kind,
        country_code=info.country,
        capabilities=",".join(info.capabilities),
        origin="twilio" if space == "twilio" else "signalwire",
        config=config or {},
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            number.save()
    except IntegrityError:
        raise Taken(info.e164) from None
    return number


def import_number(space, e164, number_type, capabilities, now):
    """Add a number hosted elsewhere (origin "hosted"); raises Taken if present."""
    try:
        parsed = phonenumbers.parse(e164, None)
        country = phonenumbers.region_code_for_number(parsed) or ""
        mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        country, mobile, national = "", False, e164
    toll_free = number_type == "tollfree"
    number = SandboxNumber(
        space=space,
        number=e164,
        name=default_name(e164, national),
        number_type="toll-free" if toll_free else "longcode",
        kind="toll-free" if toll_free else ("mobile" if mobile else "local"),
        country_code=country,
        capabilities=",".join(capabilities),
        origin="hosted",
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            number.save()
    except IntegrityError:
        raise Taken(e164) from None
    return number


def release_blocked_until(number: SandboxNumber) -> dt.datetime | None:
    """When a bought number may be released, if that is still in the future."""
    if number.origin == "hosted":
        return None
    until = number.created_at + dt.timedelta(days=settings.SANDBOX_RELEASE_COOLDOWN_DAYS)
    from django.utils import timezone

    return until if until > timezone.now() else None


def cooldown_sentence(until: dt.datetime) -> str:
    stamp = until.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (
        "Number was purchased too recently to release. Please wait until "
        f"{stamp} UTC to release this number, or contact Support for assistance."
    )


def find(space: str, key: str) -> SandboxNumber | None:
    """The number with this uuid (or ``PN`` + hex for Twilio) in the space."""
    text = key[2:] if key.startswith("PN") and len(key) == 34 else key
    try:
        uid = uuid.UUID(text)
    except ValueError:
        return None
    return SandboxNumber.objects.filter(space=space, uid=uid).first()


# --- Page tokens: "PA"/"PB" + the uuid of the row the page continues after/before.


class BadToken(Exception):
    pass


def make_token(number: SandboxNumber, *, backward=False) -> str:
    return ("PB" if backward else "PA") + str(number.uid)


def page(queryset, space: str, size: int, token: str | None):
    """One keyset page, newest first: (rows, has_more_after, has_more_before).

    Never counts the table and never uses OFFSET: the token names the row to continue from.
    """
    queryset = queryset.order_by("-created_at", "-id")
    if not token:
        rows = list(queryset[: size + 1])
        return rows[:size], len(rows) > size, False
    if len(token) < 3 or token[:2] not in ("PA", "PB"):
        raise BadToken(token)
    try:
        uid = uuid.UUID(token[2:])
    except ValueError:
        raise BadToken(token) from None
    anchor = SandboxNumber.objects.filter(space=space, uid=uid).only("id", "created_at").first()
    if anchor is None:
        raise BadToken(token)
    if token[:2] == "PA":
        rows = list(keyset_after(queryset, anchor)[: size + 1])
        return rows[:size], len(rows) > size, True
    rows = list(keyset_after(queryset, anchor, newer=True).order_by("created_at", "id")[: size + 1])
    more_before = len(rows) > size
    rows = rows[:size]
    rows.reverse()
    return rows, True, more_before
