"""Buying numbers, and the idempotency record every money-moving action shares.

The rule (issue 5): a confirmation carries a key; an ``Operation`` with that key is *committed*
before anything is sent upstream. Whoever fails to create it (same key: a double click, refresh or
second tab; same number with another key: a second admin or app server, stopped by the partial
unique constraint ``one_open_operation_per_number``) never sends: they wait briefly for the first
request to settle and report its outcome. An answer we could not read (``OutcomeUnknown``) is
settled by looking the number up upstream before anyone is told anything or may retry.

``begin`` / ``send`` / ``settle_unknown`` are shared with ``imports`` and ``release``.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from numbers_admin import audit, mirror
from numbers_admin.models import Account, AuditEvent, Operation, PhoneNumber
from numbers_admin.upstream import errors

# How long a second requester waits for the first one's upstream call before showing
# "still in progress" (the upstream read timeout is longer; the result page then polls).
SETTLE_WAIT_SECONDS = 8.0
# An operation still pending/sending after this long belongs to a process that died (the
# upstream read timeout is far shorter), so a follower may close or settle it.
STALE_SECONDS = 120
_POLL_SECONDS = 0.1

_ACTION_FOR_KIND = {
    Operation.Kind.PURCHASE: AuditEvent.Action.PURCHASE,
    Operation.Kind.IMPORT: AuditEvent.Action.IMPORT,
    Operation.Kind.RELEASE: AuditEvent.Action.RELEASE,
}


@dataclass
class Outcome:
    """What one requester is told about one number."""

    operation: Operation
    # True when this requester's own request was the one sent upstream.
    sent_by_us: bool

    @property
    def state(self) -> str:
        return self.operation.state

    @property
    def message(self) -> str:
        return self.operation.message

    @property
    def is_open(self) -> bool:
        return self.operation.state in Operation.OPEN_STATES


# --- The shared Operation machinery ---------------------------------------------------------------


def key_for(base: uuid.UUID | str, number: str) -> uuid.UUID:
    """One key per number from one confirmation form that covers several numbers: the same form
    submitted again derives the same keys."""
    return uuid.uuid5(uuid.UUID(str(base)), number)


def begin(
    *,
    kind: str,
    account: Account,
    number: str,
    key: uuid.UUID | str,
    params: dict | None = None,
    user=None,
    phone_number: PhoneNumber | None = None,
) -> tuple[Operation, bool]:
    """Record the intent and commit it. Returns (operation, created). When ``created`` is False
    the returned operation is the earlier one (same key, or the open one for the same number):
    the caller must not send anything."""
    try:
        with transaction.atomic():
            op = Operation.objects.create(
                key=key,
                kind=kind,
                account=account,
                number=number,
                params=params or {},
                state=Operation.State.PENDING,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                phone_number=phone_number,
            )
        return op, True
    except IntegrityError:
        pass
    existing = Operation.objects.filter(key=key).first()
    if existing is None:
        existing = Operation.objects.filter(
            account=account, kind=kind, number=number, state__in=Operation.OPEN_STATES
        ).first()
    if existing is None:
        # The other operation settled between our insert and our look: try once more.
        return begin(
            kind=kind,
            account=account,
            number=number,
            key=key,
            params=params,
            user=user,
            phone_number=phone_number,
        )
    return existing, False


def mark(op: Operation, state: str, message: str = "", **fields) -> Operation:
    op.state = state
    op.message = message
    for name, value in fields.items():
        setattr(op, name, value)
    op.save(update_fields=["state", "message", "updated_at", *fields.keys()])
    return op


def wait_for_settle(op: Operation, timeout: float = SETTLE_WAIT_SECONDS) -> Operation:
    """Poll an operation someone else is sending until it is no longer pending/sending."""
    deadline = time.monotonic() + timeout
    while op.state in (Operation.State.PENDING, Operation.State.SENDING):
        if time.monotonic() >= deadline:
            break
        time.sleep(_POLL_SECONDS)
        op.refresh_from_db()
    return op


def _record(op: Operation, outcome: str, message: str, *, user=None, job=None, changes=None):
    return audit.record(
        action=_ACTION_FOR_KIND[op.kind],
        actor=user,
        account=op.account,
        phone_number=op.phone_number,
        number=op.number,
        outcome=outcome,
        message=message,
        request_id=op.request_id,
        job=job,
        changes=changes,
    )


def send(
    op: Operation,
    call: Callable[[], Any],
    *,
    on_success: Callable[[Operation, Any], str],
    settle: Callable[[Operation], str | None],
    client,
    user=None,
    job=None,
    call_wrapper: Callable[[Callable[[], Any]], Any] | None = None,
) -> Operation:
    """Send ``op`` upstream exactly once and record what happened.

    ``on_success(op, response)`` updates the mirror and returns the sentence for the user;
    ``settle(op)`` looks the number up after an unknown outcome and returns the success sentence
    if it went through, None if it did not (it may raise UpstreamError when the lookup fails).
    ``call_wrapper`` lets bulk work pace the call (``Pacer.call``), retrying 429s that were never
    processed.
    """
    # Claim the send: only the requester that moves PENDING → SENDING calls upstream (a resumed
    # job item or a racing duplicate finds it already SENDING and settles instead).
    claimed = Operation.objects.filter(pk=op.pk, state=Operation.State.PENDING).update(
        state=Operation.State.SENDING
    )
    if not claimed:
        op.refresh_from_db()
        if op.state == Operation.State.SENDING and job is not None:
            age = (timezone.now() - op.updated_at).total_seconds()
            if age <= STALE_SECONDS:
                # Another runner of this job is sending it right now: wait for its answer.
                op = wait_for_settle(op)
            if op.state == Operation.State.SENDING:
                # A worker died mid-call: nobody knows whether it reached the carrier. Look first.
                mark(
                    op,
                    Operation.State.UNKNOWN,
                    "The request was interrupted; checking the account.",
                )
        if op.state == Operation.State.UNKNOWN:
            return settle_unknown(op, settle=settle, client=client, user=user, job=job)
        return op
    op.state = Operation.State.SENDING
    try:
        response = call_wrapper(call) if call_wrapper else call()
    except errors.OutcomeUnknown as error:
        op.request_id = error.request_id or getattr(client, "last_request_id", "") or ""
        mark(op, Operation.State.UNKNOWN, error.message, request_id=op.request_id)
        _record(op, AuditEvent.Outcome.UNKNOWN, error.message, user=user, job=job)
        return settle_unknown(op, settle=settle, client=client, user=user, job=job)
    except errors.UpstreamError as error:
        op.request_id = error.request_id or getattr(client, "last_request_id", "") or ""
        message = failure_sentence(op, error)
        mark(op, Operation.State.FAILED, message, request_id=op.request_id)
        _record(op, AuditEvent.Outcome.FAILED, message, user=user, job=job)
        return op
    except Exception:
        # A bug or a lost database connection after sending: keep the record honest ("unknown")
        # so nobody retries blindly; the next look settles it.
        mark(op, Operation.State.UNKNOWN, errors.OutcomeUnknown.default_message)
        raise
    op.request_id = getattr(client, "last_request_id", "") or ""
    message = on_success(op, response)
    mark(
        op,
        Operation.State.SUCCEEDED,
        message,
        request_id=op.request_id,
        phone_number=op.phone_number,
    )
    _record(op, AuditEvent.Outcome.SUCCESS, message, user=user, job=job)
    return op


def settle_unknown(op, *, settle, client, user=None, job=None) -> Operation:
    """Look the number up upstream and turn "unknown" into succeeded or failed, recording it."""
    try:
        found = settle(op)
    except errors.UpstreamError as error:
        message = (
            "We could not tell whether this went through, and checking the account failed too "
            f"({error.message}) Nothing will be sent again until the account has been checked: "
            "refresh this page in a minute."
        )
        mark(op, Operation.State.UNKNOWN, message)
        return op
    if found:
        mark(op, Operation.State.SUCCEEDED, found, phone_number=op.phone_number)
        outcome = AuditEvent.Outcome.SUCCESS
    else:
        found = not_found_sentence(op)
        mark(op, Operation.State.FAILED, found)
        outcome = AuditEvent.Outcome.FAILED
    _record(
        op,
        outcome,
        "The carrier's answer was lost; we checked the account: " + found,
        user=user,
        job=job,
        changes={"outcome": [AuditEvent.Outcome.UNKNOWN, outcome]},
    )
    return op


def not_found_sentence(op: Operation) -> str:
    if op.kind == Operation.Kind.RELEASE:
        return (
            "The carrier's answer was lost, and the number is still on the account, so it was not "
            "released. You can try again."
        )
    return (
        "The carrier's answer was lost; we checked the account and the number is not on it, so "
        "nothing was bought and nothing was charged. You can try again."
        if op.kind == Operation.Kind.PURCHASE
        else "The carrier's answer was lost; we checked the account and the number is not on "
        "it, so it was not imported. You can try again."
    )


def failure_sentence(op: Operation, error: errors.UpstreamError) -> str:
    if isinstance(error, errors.TooSoonToRelease) and error.possible_at:
        when = error.possible_at
        text = when.strftime("%-d %B %Y") if hasattr(when, "strftime") else str(when)
        return f"This number was bought too recently to release. The carrier allows it from {text}."
    if isinstance(error, errors.FeatureNotEnabled):
        return (
            "Importing numbers is not switched on for this SignalWire Space. It is a partner "
            "feature: ask SignalWire support or your account manager to enable it, then try again."
        )
    if isinstance(error, errors.RateLimited):
        return "The carrier asked us to slow down and did not process this request. Try again."
    message = error.message
    if error.field_errors:
        details = "; ".join(m for msgs in error.field_errors.values() for m in msgs)
        if details and details not in message:
            message = f"{message} ({details})"
    return message


# --- Purchase ---------------------------------------------------------------------------------


def client_for(account: Account, **http_options):
    from numbers_admin import upstream

    return upstream.client_for(account, **http_options)


def bulk_client_for(account: Account):
    """A client for paced bulk work: it does not retry a 429 by itself (an unpaced retry adds to
    the very burst the carrier refused); the job's pacer retries it in a paced slot instead."""
    return client_for(account, max_retries=0)


def _mirror_success(op: Operation, canonical: dict, user=None) -> str:
    canonical = dict(canonical)
    # SignalWire REST buys first and configures after: a failed configuration is not a failed
    # purchase (the number is ours and billed), so it is said beside the success.
    config_error = canonical.pop("config_error", None)
    row, _ = mirror.save_from_upstream(op.account, canonical)
    op.phone_number = row
    verb = {"purchase": "Bought", "import": "Imported"}[op.kind]
    sentence = f"{verb} {row.international_format or row.number} on {op.account.name}."
    if config_error is not None:
        sentence += (
            f" Its initial configuration could not be set ({config_error}); set it on the "
            "number's page."
        )
    return sentence


def purchase(
    *,
    account: Account,
    number: str = "",
    area_code: str = "",
    config: dict | None = None,
    key: uuid.UUID | str,
    batch: str = "",
    user=None,
    client=None,
) -> Outcome:
    """Buy ``number`` (E.164) or, on Twilio, any number in ``area_code``; at most once per key and
    never while another purchase of the same number is open."""
    target = number or area_code
    config = dict(config or {})
    owned = (
        PhoneNumber.objects.in_service().filter(account=account, number=number).first()
        if number
        else None
    )
    earlier = Operation.objects.filter(key=key).first()
    if earlier is None and owned is not None:
        # Bought already (by someone else, or by an earlier confirmation that settled): sending
        # again could only fail upstream, or worse, on a provider that re-sells it to us.
        earlier = (
            Operation.objects.filter(
                account=account, kind=Operation.Kind.PURCHASE, number=number,
                state=Operation.State.SUCCEEDED,
            ).first()
        )  # fmt: skip
        if earlier is not None:
            return Outcome(earlier, sent_by_us=False)
    op, created = begin(
        kind=Operation.Kind.PURCHASE,
        account=account,
        number=target,
        key=key,
        params={"config": config, "area_code": area_code, "batch": str(batch or key)},
        user=user,
    )
    if not created:
        return _follow(op, client=client, user=user)
    client = client or client_for(account)
    if owned is not None:
        message = f"{owned.international_format or owned.number} is already on {account.name}."
        mark(op, Operation.State.FAILED, message, phone_number=owned)
        _record(op, AuditEvent.Outcome.FAILED, message, user=user)
        return Outcome(op, sent_by_us=False)

    def call():
        return client.purchase(number, area_code=area_code, config=config)

    op = send(
        op,
        call,
        on_success=lambda op, canonical: _mirror_success(op, canonical),
        settle=lambda op: settle_purchase(op, client),
        client=client,
        user=user,
    )
    return Outcome(op, sent_by_us=True)


def _follow(op: Operation, *, client=None, user=None) -> Outcome:
    """A repeat of someone's confirmation: report the first one's outcome, never send."""
    age = (timezone.now() - op.updated_at).total_seconds()
    if age <= STALE_SECONDS:
        op = wait_for_settle(op)
        age = (timezone.now() - op.updated_at).total_seconds()
    if op.state == Operation.State.PENDING and age > STALE_SECONDS:
        # Recorded but never claimed for sending (the process died in between): nothing reached
        # the carrier, so it is closed as not sent and a new confirmation may try again.
        claimed = Operation.objects.filter(pk=op.pk, state=Operation.State.PENDING).update(
            state=Operation.State.FAILED,
            message="This request was interrupted before it reached the carrier. Nothing was "
            "sent; you can try again.",
        )
        op.refresh_from_db()
        if claimed:
            _record(op, AuditEvent.Outcome.FAILED, op.message, user=user)
    elif op.state == Operation.State.SENDING and age > STALE_SECONDS:
        # Sent by a process that died before recording the answer: look before anything else.
        mark(op, Operation.State.UNKNOWN, "The request was interrupted; checking the account.")
    if op.state == Operation.State.UNKNOWN:
        client = client or client_for(op.account)
        settle = {
            Operation.Kind.PURCHASE: lambda o: settle_purchase(o, client),
        }.get(op.kind)
        if settle is None:
            from numbers_admin.actions import imports, release

            settle = {
                Operation.Kind.IMPORT: lambda o: imports.settle_import(o, client),
                Operation.Kind.RELEASE: lambda o: release.settle_release(o, client),
            }[op.kind]
        op = settle_unknown(op, settle=settle, client=client, user=user)
    return Outcome(op, sent_by_us=False)


def resume_or_follow(
    op: Operation, key: uuid.UUID | str, *, job, client, user, resume: Callable[[], Operation]
) -> Outcome:
    """For a job item's operation that already existed (``begin`` did not create it).

    The job's own item resumed after a restart (same key) finishes what it started: ``resume``
    sends if it was only recorded, or looks it up if it was interrupted mid-call. Anything else
    is a repeat of someone's request: followed, never sent."""
    if job is not None and op.key == uuid.UUID(str(key)):
        return Outcome(resume(), sent_by_us=True)
    return _follow(op, client=client, user=user)


def settle_purchase(op: Operation, client) -> str | None:
    """After a lost answer: is the number on the account now? (Raises UpstreamError if the
    lookup fails.)"""
    area_code = (op.params or {}).get("area_code")
    if area_code:
        return _settle_area_code(op, client, area_code)
    found = client.find_by_number(op.number)
    if not found:
        return None
    return _mirror_success(op, found)


def _settle_area_code(op: Operation, client, area_code: str) -> str | None:
    # "Any number in area code" has no number to look up: a number in that area code that the
    # account holds but the mirror did not know before this operation is the one we bought.
    known = set(PhoneNumber.objects.filter(account=op.account).values_list("number", flat=True))
    prefix = "+1" + area_code
    for canonical in client.iter_numbers():
        if canonical["number"].startswith(prefix) and canonical["number"] not in known:
            return _mirror_success(op, canonical)
    return None


def batch_operations(batch_key: str):
    """The operations one confirmation form started (several numbers share its key)."""
    return Operation.objects.filter(params__batch=str(batch_key)).select_related(
        "phone_number", "account"
    )
