"""Fault injection for the sandbox, stored in the database.

Faults live in the DB so that the process running the tests and the live-server thread (or a
separate ``runsandbox`` process) agree on them. Use from tests::

    from numbers_admin.sandbox import faults
    faults.inject("signalwire", "server_error", count=1, status=503)
    faults.inject("twilio", "commit_then_fail", count=1, method="POST", then="drop")
    faults.clear("signalwire")

Kinds and their parameters (``count`` = how many matching requests it affects; None = all):

- ``latency``: ``ms`` fixed, or ``ms_min`` and ``ms_max`` for a random delay.
- ``rate_limit``: 429 for the next ``count`` requests; ``retry_after`` seconds (omit for none).
- ``rate_cap``: 429 once the space gets more than ``rps`` requests per second; ``retry_after``.
- ``server_error``: ``status`` 500 (JSON body), 502 or 503 (an HTML page from "the gateway").
- ``drop``: the socket is closed without any response.
- ``slow``: wait ``seconds`` (default 30) before answering normally; exceeds a client's timeout.
- ``malformed_json``: status 200 with a truncated JSON body.
- ``commit_then_fail``: the change is made (purchase, import, update, release), then the answer
  is ``then`` = "error" (a 500, default), "drop" (no answer) or "slow" (``seconds`` late).
"""

from django.db.models import F, Q

from numbers_admin.sandbox.models import SPACES, SandboxFault, SandboxSpace

Kind = SandboxFault.Kind

# Faults that replace the answer before the request is handled at all.
BEFORE = (Kind.RATE_LIMIT, Kind.RATE_CAP, Kind.SERVER_ERROR, Kind.DROP)
# Faults applied to the answer after the request was handled.
AFTER = (Kind.SLOW, Kind.MALFORMED_JSON, Kind.COMMIT_THEN_FAIL)

_PARAMS = {
    Kind.LATENCY: {"ms", "ms_min", "ms_max"},
    Kind.RATE_LIMIT: {"retry_after"},
    Kind.RATE_CAP: {"rps", "retry_after"},
    Kind.SERVER_ERROR: {"status"},
    Kind.DROP: set(),
    Kind.SLOW: {"seconds"},
    Kind.MALFORMED_JSON: set(),
    Kind.COMMIT_THEN_FAIL: {"then", "status", "seconds"},
}


def inject(
    space: str,
    kind: str,
    *,
    count: int | None = None,
    method: str = "",
    path_contains: str = "",
    **params,
) -> SandboxFault:
    """Arm a fault for ``space`` ("signalwire" or "twilio"). See the module doc for kinds."""
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}, not {space!r}")
    kind = Kind(kind)
    unknown = set(params) - _PARAMS[kind]
    if unknown:
        allowed = sorted(_PARAMS[kind])
        raise ValueError(f"{kind} does not take {sorted(unknown)}; it takes {allowed}")
    if kind == Kind.SERVER_ERROR and params.get("status", 500) not in (500, 502, 503):
        raise ValueError("server_error status must be 500, 502 or 503")
    if kind == Kind.RATE_CAP and not params.get("rps"):
        raise ValueError("rate_cap needs rps (requests per second)")
    then = params.get("then", "error")
    if kind == Kind.COMMIT_THEN_FAIL and then not in ("error", "drop", "slow"):
        raise ValueError("commit_then_fail then must be 'error', 'drop' or 'slow'")
    return SandboxFault.objects.create(
        space=space,
        kind=kind,
        remaining=count,
        method=method.upper(),
        path_contains=path_contains,
        params=params,
    )


def clear(space: str | None = None) -> None:
    """Disarm every fault (of one space, or of all) and switch imports back on."""
    faults = SandboxFault.objects.all()
    spaces = SandboxSpace.objects.all()
    if space:
        faults = faults.filter(space=space)
        spaces = spaces.filter(name=space)
    faults.delete()
    spaces.update(import_enabled=True, search_shape=SandboxSpace.SearchShape.OBSERVED)


def set_import_enabled(space: str, enabled: bool) -> None:
    """Switch the Partner import API on or off (off answers with its real "not enabled" error)."""
    s = SandboxSpace.get(space)
    s.import_enabled = enabled
    s.save(update_fields=["import_enabled"])


def set_search_shape(space: str, shape: str) -> None:
    """Pick the REST search result shape: "observed" (e164, list) or "spec" (number, object)."""
    s = SandboxSpace.get(space)
    s.search_shape = SandboxSpace.SearchShape(shape)
    s.save(update_fields=["search_shape"])


def armed(space: str, method: str, path: str, kinds) -> list[SandboxFault]:
    """Faults of these kinds that apply to this request, oldest first (not yet consumed)."""
    return [
        f
        for f in SandboxFault.objects.filter(space=space, kind__in=kinds).filter(
            Q(remaining__isnull=True) | Q(remaining__gt=0)
        )
        if (not f.method or f.method == method) and f.path_contains in path
    ]


def consume(fault: SandboxFault) -> bool:
    """Use one shot of ``fault``; False if another request took the last one first."""
    if fault.remaining is None:
        return True
    # A conditional UPDATE is atomic, so two concurrent requests cannot both take the last shot.
    return bool(
        SandboxFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
    )
