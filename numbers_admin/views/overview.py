"""The overview (totals, things to fix, recent changes) and Activity (every audit event)."""

import csv
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from numbers_admin import numbering
from numbers_admin.forms.numbers import ActivityFilterForm
from numbers_admin.models import (
    Account,
    AuditEvent,
    CallHandler,
    NumberKind,
    PhoneNumber,
)
from numbers_admin.roles import permission_required
from numbers_admin.search import query_string_without

CHART_ROWS = 8  # bars per chart; the rest are summed into "Everything else"

WEBHOOK_FIELDS = (
    "call_request_url",
    "call_fallback_url",
    "call_status_callback_url",
    "message_request_url",
    "message_fallback_url",
    "call_relay_script_url",
)


def _plain_http_q() -> Q:
    q = Q()
    for name in WEBHOOK_FIELDS:
        q |= Q(**{f"{name}__istartswith": "http://"})
    return q


def _no_call_handler_q() -> Q:
    # As routing.has_call_handler and the Numbers page's "Calls: nothing" filter see it.
    return Q(call_handler="", trunk_sid="")


def _us_without_e911_q() -> Q:
    # Toll-free numbers can't take an E911 address, so they are not counted as missing one.
    return Q(country="US", voice=True, e911_address_id="") & ~Q(kind=NumberKind.TOLL_FREE)


# --- server-drawn charts -------------------------------------------------------------------------

BAR_HEIGHT = 22
LABEL_WIDTH = 210
CHART_WIDTH = 640
VALUE_WIDTH = 80


def chart(key: str, title: str, rows: list[tuple[str, int, str]], total: int) -> dict:
    """A horizontal bar chart drawn as SVG attributes (no inline style), with its table.

    ``rows`` are (label, count, link) sorted by count; bars beyond CHART_ROWS are summed."""
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))
    if len(rows) > CHART_ROWS:
        rest = sum(r[1] for r in rows[CHART_ROWS - 1 :])
        rows = [*rows[: CHART_ROWS - 1], ("Everything else", rest, "")]
    biggest = max((r[1] for r in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, count, link) in enumerate(rows):
        width = round(room * count / biggest) if count else 0
        y = index * BAR_HEIGHT
        bars.append(
            {
                "label": label,
                "count": count,
                "link": link,
                "share": round(100 * count / total) if total else 0,
                "y": y,
                "text_y": y + BAR_HEIGHT - 7,
                "width": max(width, 1 if count else 0),
                "value_x": LABEL_WIDTH + max(width, 1) + 6,
            }
        )
    return {
        "key": key,
        "title": title,
        "bars": bars,
        "height": max(1, len(bars)) * BAR_HEIGHT,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "bar_height": BAR_HEIGHT - 6,
    }


@lru_cache(maxsize=512)
def _country_name(code: str) -> str:
    return numbering.country_name(code)


def _link(**params) -> str:
    from urllib.parse import urlencode

    return reverse("numbers:list") + "?" + urlencode(params)


TOTAL_COLUMNS = ("account_id", "country", "kind", "call_handler")


def _figures(in_service):
    """({total, no_call_handler, plain_http, us_without_e911}, {column: Counter}) for the numbers
    in service, in as few passes over a million rows as each database allows."""
    flag_counts = {
        "no_call_handler": Count("id", filter=_no_call_handler_q()),
        "plain_http": Count("id", filter=_plain_http_q()),
        "us_without_e911": Count("id", filter=_us_without_e911_q()),
    }
    totals = {column: Counter() for column in TOTAL_COLUMNS}
    if connection.vendor != "sqlite":
        # PostgreSQL: one parallel pass, grouped by the four columns, flags counted alongside.
        flags = {"total": 0, **dict.fromkeys(flag_counts, 0)}
        for row in in_service.values(*TOTAL_COLUMNS).annotate(n=Count("id"), **flag_counts):
            flags["total"] += row["n"]
            for name in flag_counts:
                flags[name] += row[name]
            for column, counter in totals.items():
                counter[row[column]] += row["n"]
        return flags, totals
    # SQLite groups by sorting: grouping the table by four columns sorts a million rows. So the
    # flags take one plain pass, and each total is read from its (column, number) index alone,
    # over every row, minus the few released rows (found through their own small index).
    flags = in_service.aggregate(total=Count("id"), **flag_counts)
    released = list(
        PhoneNumber.objects.filter(released_at__isnull=False)
        .order_by()
        .values(*TOTAL_COLUMNS)
        .annotate(n=Count("id"))
    )
    for column, counter in totals.items():
        for row in PhoneNumber.objects.order_by().values(column).annotate(n=Count("id")):
            counter[row[column]] += row["n"]
        for row in released:
            counter[row[column]] -= row["n"]
        totals[column] = +counter  # drops values left with no number in service
    return flags, totals


@require_GET
@permission_required("numbers_admin.view_phonenumber")
def overview(request):
    """Totals, things to fix and recent changes; see _figures for how the counting is done."""
    in_service = PhoneNumber.objects.in_service().order_by()
    flags, totals = _figures(in_service)
    total = flags["total"]
    account_names = dict(Account.objects.values_list("pk", "name"))
    by_account = [
        (account_names.get(pk, "?"), n, _link(account=pk)) for pk, n in totals["account_id"].items()
    ]
    by_country = [
        (_country_name(code) or "Unknown", n, _link(country=code) if code else "")
        for code, n in totals["country"].items()
    ]
    kinds = dict(NumberKind.choices)
    by_kind = [(kinds.get(k, k), n, _link(kind=k)) for k, n in totals["kind"].items()]
    handlers = dict(CallHandler.choices)
    by_handler = [
        (handlers.get(h, h) or "No call handler", n, _link(call_handler=h or "none"))
        for h, n in totals["call_handler"].items()
    ]
    context = {
        "title": "Overview",
        "total": total,
        "released": PhoneNumber.objects.filter(released_at__isnull=False).count(),
        "flags": flags,
        "charts": [
            chart("account", "Numbers by account", by_account, total),
            chart("country", "Numbers by country", by_country, total),
            chart("kind", "Numbers by type", by_kind, total),
            chart("handler", "Numbers by call handling", by_handler, total),
        ],
        "plain_http_examples": in_service.filter(_plain_http_q()).order_by("number")[:5],
        "links": {
            "no_call_handler": _link(call_handler="none"),
            "us_without_e911": _link(country="US", e911="none"),
        },
        "recent": AuditEvent.objects.select_related("phone_number")[:10],
    }
    return render(request, "overview/overview.html", context)


# --- activity ------------------------------------------------------------------------------------

ACTIVITY_PAGE_SIZE = 50


def filter_events(params):
    """(form, queryset) for the Activity page's query string; invalid fields are left out."""
    form = ActivityFilterForm(params)
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    qs = AuditEvent.objects.select_related("account", "phone_number")
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("outcome"):
        qs = qs.filter(outcome=data["outcome"])
    if data.get("actor"):
        qs = qs.filter(actor_label__iexact=data["actor"].strip())
    if data.get("account"):
        qs = qs.filter(account=data["account"])
    if data.get("number"):
        qs = qs.filter(number__contains=data["number"])
    tz = timezone.get_current_timezone()
    if data.get("since"):
        qs = qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=tz))
    if data.get("until"):
        end = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz)
        qs = qs.filter(at__lt=end)
    return form, qs.order_by("-at", "-id")


def _change_pairs(event):
    return [
        {"field": field.replace("_", " "), "before": pair[0], "after": pair[1]}
        for field, pair in sorted((event.changes or {}).items())
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


@require_GET
@permission_required("numbers_admin.view_auditevent")
def activity(request):
    form, qs = filter_events(request.GET)
    paginator = Paginator(qs, ACTIVITY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    filter_query = query_string_without(request.GET, "page")
    context = {
        "title": "Activity",
        "form": form,
        "page": page,
        "events": [{"event": e, "changes": _change_pairs(e)} for e in page.object_list],
        "filter_query": filter_query,
        "filtered": bool(filter_query),
        "export_url": reverse("activity_export") + ("?" + filter_query if filter_query else ""),
    }
    if request.htmx and request.htmx.target == "activity-results":
        response = render(request, "activity/list.html#results", context)
    else:
        response = render(request, "activity/list.html", context)
    # Same URL, page or fragment: keep them apart in caches (and for the Back button).
    patch_vary_headers(response, ["HX-Request"])
    return response


class _Echo:
    def write(self, value):
        return value


def _safe(text) -> str:
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _activity_lines(qs):
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "When (UTC)",
            "Who",
            "What",
            "Outcome",
            "Number",
            "Account",
            "Changes",
            "Message",
            "Request id",
        ]
    )
    for event in qs.iterator(chunk_size=2000):
        changes = "; ".join(
            f"{field}: {pair[0]!s} → {pair[1]!s}"
            for field, pair in sorted((event.changes or {}).items())
            if isinstance(pair, list | tuple) and len(pair) == 2
        )
        yield writer.writerow(
            [
                event.at.astimezone(UTC).isoformat(),
                _safe(event.actor_label),
                event.get_action_display(),
                event.get_outcome_display(),
                event.number,  # E.164: a leading + is part of the number, not a formula
                _safe(event.account.name if event.account else ""),
                _safe(changes),
                _safe(event.message),
                event.request_id,
            ]
        )


@require_GET
@permission_required("numbers_admin.view_auditevent")
def activity_export(request):
    _form, qs = filter_events(request.GET)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_activity_lines(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{stamp}.csv"'
    return response


urlpatterns = [
    path("", overview, name="overview"),
    path("activity/", activity, name="activity"),
    path("activity/export.csv", activity_export, name="activity_export"),
]
