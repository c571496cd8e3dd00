"""What every sandbox endpoint does around its own work: log, faults, auth.

``endpoint(api)`` wraps a view so that each request is written to the request log, armed faults
are applied before (429, 5xx, dropped connection, latency) or after the work (commit then fail,
slow answer, broken JSON), and Basic auth is checked with each API's own 401 body.
"""

import base64
import binascii
import contextlib
import hmac
import random
import socket
import socketserver
import sys
import time
import uuid
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from numbers_admin.sandbox import faults
from numbers_admin.sandbox.models import SIGNALWIRE, TWILIO, SandboxFault, SandboxRequest
from numbers_admin.sandbox.wire import compat_error, rest_error, rest_status, twilio_error

Kind = SandboxFault.Kind
REST, COMPAT, TWILIO_API = "rest", "compat", "twilio"

# The request log is for tests and the demo, not an archive: every PRUNE_EVERY requests, rows
# older than the newest LOG_KEEP are deleted, so a long demo does not grow the table forever.
LOG_KEEP = 50_000
PRUNE_EVERY = 1_000


class ConnectionDropped(ConnectionError):
    """Raised where no socket can be closed (Django's test Client): the request got no answer."""


@dataclass
class Ctx:
    """What a sandbox view needs besides the request."""

    api: str
    space: str
    prefix: str  # the path before "/api/relay/rest", "/api/laml" or "/2010-04-01"
    now: object


def _prefix(path: str, api: str) -> str:
    marker = {REST: "/api/relay/rest", COMPAT: "/api/laml", TWILIO_API: "/2010-04-01"}[api]
    head, found, _ = path.partition(marker)
    base = head if found else path
    return base + ("/api/laml" if api == COMPAT else "")


# --- Bodies per API


def unauthorized(api: str, *, missing: bool) -> HttpResponse:
    if api == REST:
        response = rest_status(401)
    elif api == COMPAT:
        why = "No credentials provided" if missing else "invalid username or token"
        response = compat_error(401, "20003", f"Authentication Error - {why}")
    else:
        response = twilio_error(
            401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect."
        )
    response["WWW-Authenticate"] = 'Basic realm="Sandbox"'
    return response


def not_found(api: str, path: str) -> HttpResponse:
    if api == REST:
        return rest_status(404)
    if api == COMPAT:
        return compat_error(404, "20404", "The requested resource was not found")
    return twilio_error(404, 20404, f"The requested resource {path} was not found")


def method_not_allowed(api: str) -> HttpResponse:
    if api == REST:
        return HttpResponse(
            b'{"error":"Method Not Allowed"}', status=405, content_type="application/json"
        )
    if api == COMPAT:
        return compat_error(405, "20004", "Method not allowed")
    return twilio_error(405, 20004, "Method not allowed")


def too_many(api: str, retry_after) -> HttpResponse:
    if api == REST:
        response = rest_error(
            429, "You have exceeded a rate limit. Back off and retry.", "Too Many Requests"
        )
    elif api == COMPAT:
        response = compat_error(
            429, "20429", "There were too many requests or throughput was exceeded"
        )
    else:
        response = twilio_error(429, 20429, "Too Many Requests")
    if retry_after is not None:
        response["Retry-After"] = str(int(retry_after))
    return response


def server_error(api: str, status: int = 500) -> HttpResponse:
    if status in (502, 503):
        # Gateways in front of the API answer with an HTML page, not the API's JSON.
        reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[status]
        html = f"<html><head><title>{status} {reason}</title></head><body><center><h1>{status} "
        html += f"{reason}</h1></center><hr><center>nginx</center></body></html>\n"
        return HttpResponse(html, status=status, content_type="text/html")
    if api == REST:
        return rest_status(500)
    if api == COMPAT:
        return compat_error(500, "20500", "Internal Server Error")
    return twilio_error(500, 20500, "An internal server error has occurred")


def drop_connection(request) -> HttpResponse:
    """Close the client's socket without sending a byte, as a crashed upstream would.

    Django's development server (runserver and the test live_server) runs the view on the
    thread of a socketserver request handler; find it on the stack and shut its socket. The
    response returned afterwards cannot be sent; the server treats that as a broken pipe.
    """
    frame = sys._getframe()
    while frame is not None:
        handler = frame.f_locals.get("self")
        if isinstance(handler, socketserver.StreamRequestHandler):
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            # Never sent; 499 ("client closed request" in nginx) keeps Django's log quiet-ish.
            return HttpResponse(status=499)
        frame = frame.f_back
    raise ConnectionDropped("The sandbox dropped the connection without answering.")


def _check_auth(request, api: str) -> bool | None:
    """True if the Basic credentials match the space; None if there were none."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    if api == TWILIO_API:
        want = (settings.SANDBOX_TWILIO_ACCOUNT_SID, settings.SANDBOX_TWILIO_AUTH_TOKEN)
    else:
        want = (settings.SANDBOX_SIGNALWIRE_PROJECT_ID, settings.SANDBOX_SIGNALWIRE_TOKEN)
    return hmac.compare_digest(user, want[0]) & hmac.compare_digest(password, want[1])


def _delay_for(fault: SandboxFault) -> float:
    p = fault.params
    if "ms_min" in p or "ms_max" in p:
        low, high = int(p.get("ms_min", 0)), int(p.get("ms_max", p.get("ms_min", 0)))
        return random.uniform(low, max(low, high)) / 1000  # noqa: S311 - jitter, not secrets
    return int(p.get("ms", 0)) / 1000


def _before(request, ctx: Ctx, log: SandboxRequest):
    """Faults that answer instead of the API; returns (response or None, fault name)."""
    path, method = request.path, request.method
    for fault in faults.armed(ctx.space, method, path, [Kind.LATENCY]):
        if faults.consume(fault):
            time.sleep(_delay_for(fault))
    for fault in faults.armed(ctx.space, method, path, faults.BEFORE):
        if fault.kind == Kind.RATE_CAP:
            window = timezone.now() - timezone.timedelta(seconds=1)
            recent = SandboxRequest.objects.filter(
                space=ctx.space, created_at__gte=window, id__lte=log.id
            ).count()
            if recent <= float(fault.params["rps"]) or not faults.consume(fault):
                continue
            return too_many(ctx.api, fault.params.get("retry_after")), fault.kind
        if not faults.consume(fault):
            continue
        if fault.kind == Kind.RATE_LIMIT:
            return too_many(ctx.api, fault.params.get("retry_after")), fault.kind
        if fault.kind == Kind.SERVER_ERROR:
            return server_error(ctx.api, int(fault.params.get("status", 500))), fault.kind
        if fault.kind == Kind.DROP:
            return drop_connection(request), fault.kind
    return None, ""


def _after(request, ctx: Ctx, response: HttpResponse):
    """Faults applied to a computed answer; returns (response, fault name)."""
    path, method = request.path, request.method
    changed = method in ("POST", "PUT", "DELETE") and response.status_code < 300
    for fault in faults.armed(ctx.space, method, path, faults.AFTER):
        if fault.kind == Kind.COMMIT_THEN_FAIL and not changed:
            continue
        if not faults.consume(fault):
            continue
        if fault.kind == Kind.COMMIT_THEN_FAIL:
            then = fault.params.get("then", "error")
            if then == "drop":
                return drop_connection(request), "commit_then_drop"
            if then == "slow":
                time.sleep(float(fault.params.get("seconds", 30)))
                return response, "commit_then_slow"
            status = int(fault.params.get("status", 500))
            return server_error(ctx.api, status), "commit_then_fail"
        if fault.kind == Kind.SLOW:
            time.sleep(float(fault.params.get("seconds", 30)))
            return response, fault.kind
        if fault.kind == Kind.MALFORMED_JSON:
            content = response.content or b'{"data": []}'
            broken = HttpResponse(
                content[: max(1, len(content) // 2)],
                status=200,
                content_type="application/json",
            )
            return broken, fault.kind
    return response, ""


def _request_id_header(api: str) -> tuple[str, str]:
    """Twilio says Twilio-Request-Id: RQ + 32 hex; SignalWire's APIs say X-Request-Id: a uuid."""
    if api == TWILIO_API:
        return "Twilio-Request-Id", "RQ" + uuid.uuid4().hex
    return "X-Request-Id", str(uuid.uuid4())


def endpoint(api: str):
    """Decorate a sandbox API view: ``view(request, ctx, **kwargs)`` → HttpResponse."""
    space = TWILIO if api == TWILIO_API else SIGNALWIRE

    def decorate(view):
        @csrf_exempt
        @login_not_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            body = request.body.decode("utf-8", errors="replace")
            log = SandboxRequest.objects.create(
                space=space,
                api=api,
                method=request.method,
                path=request.path[:500],
                query=request.META.get("QUERY_STRING", ""),
                body=body[:20000],
            )
            ctx = Ctx(api=api, space=space, prefix=_prefix(request.path, api), now=timezone.now())
            response, fault = _before(request, ctx, log)
            if response is None:
                authorized = _check_auth(request, api)
                account = kwargs.pop("account_sid", None)
                if not authorized:
                    response = unauthorized(api, missing=authorized is None)
                elif account is not None and account != (
                    settings.SANDBOX_TWILIO_ACCOUNT_SID
                    if api == TWILIO_API
                    else settings.SANDBOX_SIGNALWIRE_PROJECT_ID
                ):
                    response = unauthorized(api, missing=False)
                else:
                    response = view(request, ctx, *args, **kwargs)
                    response, fault = _after(request, ctx, response)
            # Like the real APIs, every answer carries a request id for support tickets.
            header, request_id = _request_id_header(api)
            response[header] = request_id
            SandboxRequest.objects.filter(pk=log.pk).update(
                status=response.status_code if fault not in ("drop", "commit_then_drop") else None,
                fault=fault,
            )
            if log.pk % PRUNE_EVERY == 0:
                SandboxRequest.objects.filter(pk__lte=log.pk - LOG_KEEP).delete()
            return response

        return wrapper

    return decorate
