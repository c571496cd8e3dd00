"""Editing what people call a number: its name (kept by the carrier), tags and notes (kept here).

The name lives upstream, so it is saved there first and the mirror is refreshed from the carrier's
answer; if the carrier refuses, nothing local changes. Tags and notes never leave the dashboard.
Each edit is one audit event ("edit") with the field-by-field before → after.
"""

from numbers_admin import audit, mirror, upstream
from numbers_admin.models import AuditEvent, PhoneNumber, Tag
from numbers_admin.upstream.errors import OutcomeUnknown, UpstreamError


class NameNotSaved(Exception):
    """The carrier refused the new name; ``error`` is the UpstreamError (its ``message`` is a
    sentence for the name field)."""

    def __init__(self, error: UpstreamError):
        self.error = error
        super().__init__(error.message)


def edit_number(
    phone_number: PhoneNumber,
    *,
    user,
    name: str | None = None,
    tags: list[str] | None = None,
    notes: str | None = None,
) -> dict:
    """Apply the given edits (None = leave alone); returns {field: [before, after]}.

    Raises NameNotSaved when the carrier refuses the name: then tags and notes are not saved
    either, so the form can be corrected and sent again as a whole."""
    changes: dict = {}
    request_id = ""
    if name is not None and name != phone_number.name:
        # Looked up when called, like every action does (tests put a stand-in there).
        client = upstream.client_for(phone_number.account)
        try:
            result = client.update(phone_number.upstream_id, {"name": name})
        except OutcomeUnknown as error:
            # A rename is safe to check: read the number back and believe what the carrier has.
            result = _read_back(client, phone_number, name, error, user)
        except UpstreamError as error:
            _record_failure(phone_number, name, error, user, client)
            raise NameNotSaved(error) from error
        request_id = client.last_request_id
        before = phone_number.name
        refreshed, upstream_changes = mirror.save_from_upstream(phone_number.account, result)
        phone_number.refresh_from_db()
        changes.update(upstream_changes)
        changes.setdefault("name", [before, refreshed.name])
        if changes["name"][0] == changes["name"][1]:
            del changes["name"]
    if tags is not None:
        old = sorted(phone_number.tags.values_list("name", flat=True))
        if sorted(tags) != old:
            tag_objects = [Tag.objects.get_or_create(name=t)[0] for t in tags]
            phone_number.tags.set(tag_objects)
            changes["tags"] = [", ".join(old), ", ".join(sorted(tags))]
    if notes is not None and notes != phone_number.notes:
        changes["notes"] = [phone_number.notes, notes]
        phone_number.notes = notes
        phone_number.save(update_fields=["notes", "updated_at"])
    if changes:
        audit.record(
            action=AuditEvent.Action.EDIT,
            actor=user,
            phone_number=phone_number,
            changes=changes,
            request_id=request_id,
        )
    return changes


def _record_failure(phone_number, name, error, user, client, outcome=AuditEvent.Outcome.FAILED):
    audit.record(
        action=AuditEvent.Action.EDIT,
        actor=user,
        phone_number=phone_number,
        changes={"name": [phone_number.name, name]},
        outcome=outcome,
        message=error.message,
        request_id=error.request_id or getattr(client, "last_request_id", ""),
    )


def _read_back(client, phone_number, name, error, user) -> dict:
    """After an unclear answer to a rename: the number as the carrier now has it, if it took the
    new name; otherwise the mirror is refreshed and NameNotSaved raised with a plain reason."""
    try:
        current = client.get(phone_number.upstream_id)
    except UpstreamError:
        _record_failure(phone_number, name, error, user, client, AuditEvent.Outcome.UNKNOWN)
        raise NameNotSaved(error) from error
    if current.get("name") == name:
        return current
    mirror.save_from_upstream(phone_number.account, current)
    phone_number.refresh_from_db()
    refused = UpstreamError(
        "The carrier answered with an error and the number still has its old name there. "
        "Nothing was changed; try again in a few minutes.",
        request_id=error.request_id,
    )
    _record_failure(phone_number, name, refused, user, client)
    raise NameNotSaved(refused) from error
