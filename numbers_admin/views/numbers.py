"""The Numbers page (search, filters, keyset pages, saved views, CSV) and a number's own page."""

import csv
import hashlib
import html
import json
from functools import lru_cache
from itertools import batched
from typing import NamedTuple

from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from numbers_admin import numbering, routing
from numbers_admin.actions.numbers import NameNotSaved, edit_number
from numbers_admin.forms.numbers import (
    CAPABILITY_CHOICES,
    DetailEditForm,
    NumberFilterForm,
    RowEditForm,
    SavedViewForm,
    tag_names_text,
)
from numbers_admin.models import (
    Account,
    AuditEvent,
    CallHandler,
    E911Status,
    MessageHandler,
    NumberKind,
    PhoneNumber,
    SavedView,
    Tag,
)
from numbers_admin.roles import permission_required
from numbers_admin.search import (
    COUNT_CAP,
    PAGE_SIZE,
    SORT_KEYS,
    capped_count,
    get_page,
    ordering,
    query_string_without,
    search,
)

VIEW = "numbers_admin.view_phonenumber"
CHANGE = "numbers_admin.change_phonenumber"
RELEASE = "numbers_admin.release_phonenumber"

# Query-string names that are about the position in the list, not the filter.
POSITION = ("page", "after", "before")
FILTER_NAMES = (
    "q", "account", "country", "kind", "capability", "call_handler", "message_handler", "e911",
    "tag", "released",
)  # fmt: skip


def _is_filtered(params: QueryDict) -> bool:
    return any(params.get(name) for name in FILTER_NAMES)


def _with(query: str, **extra) -> str:
    params = QueryDict(query, mutable=True)
    for name, value in extra.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


SELECTS = ("account", "country", "kind", "call_handler", "message_handler", "e911", "tag", "sort")


@lru_cache(maxsize=2048)
def _static_options(name: str, current: str) -> str:
    """Options of a drop-down whose choices never change while the process runs (all but
    accounts and tags), rendered once per selected value."""
    return _options(NumberFilterForm.base_fields[name].choices, current)


def _options(choices, current: str) -> str:
    return "".join(
        f'<option value="{escape(value)}"{" selected" if value == current else ""}>'
        f"{escape(label)}</option>"
        for value, label in choices
    )


def _selects(form, accounts: dict, tag_names: list):
    """The filter drop-downs with their options rendered here: the country list alone has ~245
    options, which Django's widget templates render one template at a time (tens of ms).
    ``accounts`` ({pk: name}) and ``tag_names`` are read by the view, once for the whole page."""
    selects = []
    for name in SELECTS:
        bound = form[name]
        current = str(bound.value() or "")
        if name == "account":
            choices = [("", bound.field.empty_label), *((str(pk), n) for pk, n in accounts.items())]
            options = _options(choices, current)
        elif name == "tag":
            choices = [("", bound.field.empty_label), *((n, n) for n in tag_names)]
            options = _options(choices, current)
        else:
            options = _static_options(name, current)
        selects.append(
            {"name": name, "label": bound.label, "id": f"id_{name}", "options": mark_safe(options)}
        )
    return selects


def _capabilities_checked(form):
    """(value, label, id, ticked) of the "Can do" boxes, written out by the template: Django's
    widget templates took a template render per box."""
    ticked = {str(value) for value in form["capability"].value() or ()}
    return [
        (value, label, f"id_capability_{i}", value in ticked)
        for i, (value, label) in enumerate(CAPABILITY_CHOICES)
    ]


_E911_BADGES = {"active": "badge--ok", "failed": "badge--bad"}
_KIND_LABELS = {value: str(label) for value, label in NumberKind.choices}
_CALL_LABELS = {value: str(label) for value, label in CallHandler.choices}
_MESSAGE_LABELS = {value: str(label) for value, label in MessageHandler.choices}
_E911_LABELS = {value: str(label) for value, label in E911Status.choices}
_DASH = '<span class="muted">—</span>'


# The columns a row of the list shows. The page reads them as tuples: fifty model instances of
# some sixty columns each cost more to build than the query took.
LIST_FIELDS = (
    "pk", "account_id", "number", "name", "international_format", "national_format", "location",
    "country", "kind", "voice", "sms", "mms", "fax", "call_handler", "trunk_sid",
    "message_handler", "e911_status", "released_at",
)  # fmt: skip

# What a PhoneNumber says about itself, for a list row (a tuple of LIST_FIELDS) as for a model.
_label = PhoneNumber.__str__
_capabilities = PhoneNumber.capabilities.fget


def _name_cell(name: str, number: str) -> str:
    """The name, or a muted "No name" when it is only the number again (the carriers name a new
    number after itself, which would repeat the Number column)."""
    if not name:
        return "—"
    if not any(c.isalpha() for c in name):
        digits = numbering.digits_only(name)
        if len(digits) >= 7 and number.endswith(digits):
            return '<span class="muted">No name</span>'
    return html.escape(name)


def row_html(pn, *, account_name: str, tag_names, can_select: bool, can_change: bool):
    """One table row of the Numbers page, for a PhoneNumber or a row of LIST_FIELDS. Built here
    with ``escape`` rather than in the template: at 1M rows the queries take a few ms, and fifty
    rows of template tags took most of the rest."""
    e = html.escape  # what Django's escape does for a str, without its check for lazy strings
    pk = pn.pk
    detail = f"/numbers/{pk}/"  # reverse("numbers:detail"); checked by test_row_html_links
    label = e(_label(pn))
    cells = []
    if can_select:
        cells.append(
            f'<td><input type="checkbox" name="selected" value="{pk}" id="select-{pk}" '
            f'form="bulk"><label class="visually-hidden" for="select-{pk}">Select {label}'
            "</label></td>"
        )
    released = '<br><span class="badge badge--bad">Released</span>' if pn.released_at else ""
    cells.append(
        f'<th scope="row"><a href="{detail}" class="nowrap">{e(pn.national_format or pn.number)}'
        f'</a><br><span class="muted nowrap">{e(pn.number)}</span>{released}</th>'
    )
    cells.append(f"<td>{_name_cell(pn.name, pn.number)}</td>")
    tags = "".join(f'<span class="badge badge--brand">{e(name)}</span>' for name in tag_names)
    cells.append(f'<td><span class="chips">{tags}</span></td>' if tags else f"<td>{_DASH}</td>")
    cells.append(f'<td class="hide-narrow">{e(account_name)}</td>')
    cells.append(
        f'<td><abbr title="{e(pn.location or pn.country)}">{e(pn.country) or "—"}</abbr></td>'
    )
    cells.append(f"<td>{e(_KIND_LABELS.get(pn.kind, pn.kind))}</td>")
    capabilities = "".join(f'<span class="badge">{c.upper()}</span>' for c in _capabilities(pn))
    cells.append(f'<td class="hide-narrow"><span class="chips">{capabilities or _DASH}</span></td>')
    if pn.call_handler:
        calls = e(_CALL_LABELS.get(pn.call_handler, pn.call_handler))
    elif pn.trunk_sid:
        calls = "SIP trunk"
    else:
        calls = '<span class="badge badge--warn">Not routed</span>'
    cells.append(f"<td>{calls}</td>")
    if pn.message_handler:
        texts = e(_MESSAGE_LABELS.get(pn.message_handler, pn.message_handler))
    else:
        texts = '<span class="muted">Not routed</span>'
    cells.append(f'<td class="hide-narrow">{texts}</td>')
    if pn.e911_status:
        badge = _E911_BADGES.get(pn.e911_status, "badge--warn")
        status = e(_E911_LABELS.get(pn.e911_status, pn.e911_status))
        cells.append(f'<td><span class="badge {badge}">{status}</span></td>')
    else:
        cells.append(f"<td>{_DASH}</td>")
    if can_change:
        cells.append(
            f'<td><a class="button button--small" href="{detail}#edit" '
            f'hx-get="{detail}row/edit/" hx-target="#row-{pk}" hx-swap="outerHTML">Edit'
            f'<span class="visually-hidden"> name and tags of {label}</span></a></td>'
        )
    return mark_safe(f'<tr id="row-{pk}">\n  ' + "\n  ".join(cells) + "\n</tr>")


# A few small reads of the Numbers page are written as SQL (see _tag_names_of and _lists), with
# table and column names taken from the models.
def _sql_columns(model, *names: str) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(model._meta.get_field(name).column) for name in names)


def _sql_table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tag_names_of(page_rows, tags: dict[int, str]) -> dict[int, list[str]]:
    """{number id: its tags' names} for the page's rows, in the order of ``tags`` ({id: name},
    ordered by name). Written as SQL: built by the ORM, the list of fifty ids cost three times
    what the database took to answer (a millisecond on PostgreSQL, a tenth of the page)."""
    if not page_rows:
        return {}
    ids = [pn.pk for pn in page_rows]
    through = PhoneNumber.tags.through
    number = _sql_columns(through, "phonenumber")
    marks = ", ".join(["%s"] * len(ids))
    # Names from the model, values as parameters.
    sql = (
        f"SELECT {number}, {_sql_columns(through, 'tag')} FROM {_sql_table(through)}"  # noqa: S608
        f" WHERE {number} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        links = cursor.fetchall()
    position = {tag_id: i for i, tag_id in enumerate(tags)}
    found: dict[int, list[int]] = {}
    for pn_id, tag_id in links:
        if tag_id in position:  # not a tag deleted since the tag list was read
            found.setdefault(pn_id, []).append(tag_id)
    return {pn_id: [tags[t] for t in sorted(of, key=position.get)] for pn_id, of in found.items()}


def _rows_html(page_rows, accounts: dict, tags: dict, *, can_select=False, can_change=False):
    """The page's rows (tuples of LIST_FIELDS) as one piece of HTML. Accounts ({id: name}) and
    tags ({id: name}) are few, so they are read apart rather than joined: a join would stop the
    database walking the sort index."""
    tag_names = _tag_names_of(page_rows, tags)
    return mark_safe(
        "\n".join(
            row_html(
                pn,
                account_name=accounts.get(pn.account_id, ""),
                tag_names=tag_names.get(pn.pk, ()),
                can_select=can_select,
                can_change=can_change,
            )
            for pn in page_rows
        )
    )


class SavedViewLink(NamedTuple):
    pk: int
    name: str
    query: str


def _lists(user) -> tuple[dict[int, str], dict[int, str], list[SavedViewLink]]:
    """Accounts and tags ({id: name}, by name: for the drop-downs and the rows) and ``user``'s
    saved views, read in one query. Each is a handful of rows: as three ORM queries they took
    0.9 ms on PostgreSQL, a tenth of the page, nearly all of it building and sending queries."""
    columns, table = _sql_columns, _sql_table
    # Names from the models, the user as a parameter.
    sql = (
        f"SELECT 'account', {columns(Account, 'id', 'name')}, '' FROM {table(Account)}"  # noqa: S608
        f" UNION ALL SELECT 'tag', {columns(Tag, 'id', 'name')}, '' FROM {table(Tag)}"
        f" UNION ALL SELECT 'view', {columns(SavedView, 'id', 'name', 'query')}"
        f" FROM {table(SavedView)} WHERE {columns(SavedView, 'user')} = %s"
        " ORDER BY 1, 3"
    )
    accounts, tags, saved = {}, {}, []
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        for kind, pk, name, query in cursor.fetchall():
            if kind == "account":
                accounts[pk] = name
            elif kind == "tag":
                tags[pk] = name
            else:
                saved.append(SavedViewLink(pk, name, query))
    return accounts, tags, saved


@require_GET
@permission_required(VIEW)
def number_list(request):
    found = search(request.GET, request.user)
    qs = found.queryset
    form = found.form
    cleaned = getattr(form, "cleaned_data", {})
    key = SORT_KEYS[found.sort]
    page = get_page(
        qs.values_list(*LIST_FIELDS, *(() if key in LIST_FIELDS else (key,)), named=True),
        found.sort,
        found.descending,
        number=cleaned.get("page") or 1,
        after=cleaned.get("after") or "",
        before=cleaned.get("before") or "",
    )
    # Unfiltered, counting in the page's order lets the database read the narrow index of
    # numbers in service; filtered, it reads the filter's index, where an order would add a sort.
    filtered = _is_filtered(request.GET)
    count_qs = qs.order_by() if filtered else qs.order_by(*ordering(found.sort, found.descending))
    count, exact = capped_count(count_qs)
    filter_query = query_string_without(request.GET, *POSITION)
    last_page = max(1, -(-count // PAGE_SIZE)) if exact else None
    # Only pages known to exist: without an exact count, the next one at most.
    highest = last_page or (page.number + 1 if page.has_next else page.number)
    nearby = [p for p in range(page.number - 2, page.number + 3) if 1 <= p <= highest]
    # After the page: every account a row names exists by then (accounts are never deleted
    # while they have numbers).
    accounts, tags, saved_views = _lists(request.user)
    can_change = request.user.has_perm(CHANGE)
    can_release = request.user.has_perm(RELEASE)
    context = {
        "title": "Numbers",
        "form": form,
        "selects": _selects(form, accounts, list(tags.values())),
        "capabilities": _capabilities_checked(form),
        "capability_invalid": "capability" in form.errors,
        "list_url": reverse("numbers:list"),
        "found": found,
        "page": page,
        "rows_html": _rows_html(
            page.rows, accounts, tags, can_select=can_change or can_release, can_change=can_change
        ),
        "count": count,
        "count_exact": exact,
        "count_cap": COUNT_CAP,
        "last_page": last_page,
        "nearby_pages": [(p, _with(filter_query, page=p if p > 1 else None)) for p in nearby],
        "filter_query": filter_query,
        "filtered": filtered,
        "any_numbers": bool(count) or PhoneNumber.objects.exists(),
        "next_url": _with(filter_query, page=page.number + 1, after=page.next_cursor)
        if page.has_next
        else "",
        "previous_url": (
            _with(filter_query, page=page.number - 1, before=page.previous_cursor)
            if page.number > 2
            else _with(filter_query)
        )
        if page.has_previous
        else "",
        "last_url": _with(filter_query, page=last_page) if last_page and last_page > 1 else "",
        "anywhere_url": _with(filter_query, match="anywhere") if found.match == "start" else "",
        "count_url": reverse("numbers:count") + _with(filter_query),
        "export_url": reverse("numbers:export") + _with(filter_query),
        "saved_views": saved_views,
        "can_change": can_change,
        "can_release": can_release,
        "page_size": PAGE_SIZE,
    }
    if request.htmx and request.htmx.target == "results":
        response = render(request, "numbers/list.html#results", context)
    else:
        response = render(request, "numbers/list.html", context)
    # One URL, two answers (the page, or its results for htmx): caches and the browser's Back
    # must keep them apart, or Back after a live search shows a bare fragment.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _count_cache_key(query: str) -> str:
    return "numbers-count:" + hashlib.sha256(query.encode()).hexdigest()


@require_GET
@permission_required(VIEW)
def number_count(request):
    """The exact number of matches, asked for separately when there are more than COUNT_CAP,
    and kept for a minute (a million-row count is the one slow thing on this page)."""
    query = query_string_without(request.GET, *POSITION)
    key = _count_cache_key(query)
    count = cache.get(key)
    if count is None:
        count = search(request.GET, request.user).queryset.order_by().count()
        cache.set(key, count, 60)
    context = {"count": count, "last_page": max(1, -(-count // PAGE_SIZE))}
    return render(request, "numbers/list.html#exact_count", context)


class _Echo:
    """A file-like object for csv.writer that hands each line straight to the response."""

    def write(self, value):
        return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """Free text that a spreadsheet would run as a formula is prefixed with a quote."""
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


CSV_HEADER = [
    "Number", "National format", "Name", "Account", "Country", "Location", "Type",
    "Capabilities", "Call handler", "Calls go to", "Message handler", "Texts go to",
    "E911 status", "Tags", "Notes", "Bought", "Updated", "Released",
]  # fmt: skip


def _csv_lines(qs):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    through = PhoneNumber.tags.through
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    account_names = dict(Account.objects.values_list("pk", "name"))
    # No join: the rows stream straight off the sort index.
    rows = qs.defer("raw_payload").iterator(chunk_size=2000)
    for chunk in batched(rows, 2000):
        tags: dict[int, list[str]] = {}
        links = through.objects.filter(phonenumber_id__in=[pn.pk for pn in chunk])
        for pn_id, tag_id in links.values_list("phonenumber_id", "tag_id"):
            tags.setdefault(pn_id, []).append(tag_names.get(tag_id, ""))
        for pn in chunk:
            yield writer.writerow(
                [
                    pn.number,
                    pn.national_format,
                    _safe(pn.name),
                    _safe(account_names.get(pn.account_id, "")),
                    pn.country,
                    pn.location,
                    pn.get_kind_display(),
                    " ".join(pn.capabilities),
                    pn.call_handler,
                    _safe(routing.call_sentence(pn)),
                    pn.message_handler,
                    _safe(routing.message_sentence(pn)),
                    pn.e911_status,
                    _safe(", ".join(sorted(tags.get(pn.pk, [])))),
                    _safe(pn.notes),
                    pn.upstream_created_at.isoformat() if pn.upstream_created_at else "",
                    pn.updated_at.isoformat() if pn.updated_at else "",
                    pn.released_at.isoformat() if pn.released_at else "",
                ]
            )


@require_GET
@permission_required(VIEW)
def number_export(request):
    """Every number matching the current filter, in the page's order, streamed as CSV."""
    found = search(request.GET, request.user)
    qs = found.queryset.order_by(*ordering(found.sort, found.descending))
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="numbers-{stamp}.csv"'
    return response


# --- saved views ---------------------------------------------------------------------------------


@require_POST
@permission_required(VIEW)
def save_view(request):
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The view was not saved: " + " ".join(form.errors.get("name", [])))
        return redirect(reverse("numbers:list") + _with(request.POST.get("query", "")))
    name, query = form.cleaned_data["name"], form.cleaned_data["query"]
    _view, created = SavedView.objects.update_or_create(
        user=request.user, name=name, defaults={"query": query}
    )
    messages.success(request, f"Saved the view “{name}”." if created else f"Updated “{name}”.")
    return redirect(reverse("numbers:list") + _with(query))


@require_POST
@permission_required(VIEW)
def delete_view(request, pk):
    # Someone else's view is "not found", not "forbidden": its name is theirs too.
    view = get_object_or_404(SavedView, pk=pk, user=request.user)
    view.delete()
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect(reverse("numbers:list") + _with(request.POST.get("query", "")))


# --- inline row edit -----------------------------------------------------------------------------


def _row_context(request, pn, form=None):
    can_change = request.user.has_perm(CHANGE)
    pn.row_html = row_html(
        pn,
        account_name=pn.account.name,
        tag_names=[tag.name for tag in pn.tags.all()],  # Tag orders by name
        can_select=can_change or request.user.has_perm(RELEASE),
        can_change=can_change,
    )
    return {
        "pn": pn,
        "row_form": form,
        "can_change": request.user.has_perm(CHANGE),
        "can_release": request.user.has_perm(RELEASE),
        "filter_query": request.GET.get("filter", "") or request.POST.get("filter", ""),
    }


@require_GET
@permission_required(VIEW)
def row(request, pk):
    """One table row (the "Cancel" of an inline edit)."""
    pn = _number_or_404(pk)
    if not request.htmx:
        return redirect("numbers:detail", pk=pk)
    return render(request, "numbers/list.html#row", _row_context(request, pn))


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE)
def row_edit(request, pk):
    pn = _number_or_404(pk)
    if request.method == "GET":
        if not request.htmx:
            return redirect(reverse("numbers:detail", args=[pk]) + "#edit")
        form = RowEditForm(initial={"name": pn.name, "tags": tag_names_text(pn)})
        return render(request, "numbers/list.html#row_edit", _row_context(request, pn, form))
    form = RowEditForm(request.POST)
    changes = _save_edit(pn, form, request.user)
    if changes is not None:
        pn.refresh_from_db()
        if request.htmx:
            text = f"Saved {pn}." if changes else f"Nothing changed for {pn}."
            response = render(request, "numbers/list.html#row", _row_context(request, pn))
            response["HX-Trigger"] = _message_trigger(text)
            return response
        messages.success(request, f"Saved {pn}.")
        return redirect(reverse("numbers:list") + _with(request.POST.get("filter", "")))
    if request.htmx:
        return render(
            request, "numbers/list.html#row_edit", _row_context(request, pn, form), status=422
        )
    return _detail(request, pn, form, status=422)


def _number_or_404(pk) -> PhoneNumber:
    return get_object_or_404(PhoneNumber.objects.select_related("account"), pk=pk)


def _save_edit(pn: PhoneNumber, form, user, also: tuple[str, ...] = ()) -> dict | None:
    """Validate an edit form (row or page) and apply it: the changes made ({} for none), or None
    when nothing was saved and ``form`` now carries the errors to show.

    A released number keeps its name; a name the carrier refused is reported on the field."""
    if form.is_valid() and pn.is_released and form.cleaned_data["name"] != pn.name:
        form.add_error("name", "This number was released, so its name can't change any more.")
    if not form.is_valid():
        return None
    try:
        return edit_number(
            pn,
            user=user,
            name=form.cleaned_data["name"],
            tags=form.cleaned_data["tags"],
            **{field: form.cleaned_data[field] for field in also},
        )
    except NameNotSaved as failure:
        form.add_error("name", f"Not saved: {failure.error.message}")
        return None


def _message_trigger(text: str, level: str = "success") -> str:
    return json.dumps({"showMessage": {"text": text, "level": level}})


# --- a number's page -----------------------------------------------------------------------------

# Fields grouped for people: (heading, [(label, field name)]).
FIELD_GROUPS = [
    (
        "Calls",
        [
            ("Call handler", "call_handler"),
            ("Receive calls as", "call_receive_mode"),
            ("Webhook URL", "call_request_url"),
            ("Webhook method", "call_request_method"),
            ("Fallback URL", "call_fallback_url"),
            ("Fallback method", "call_fallback_method"),
            ("Status callback URL", "call_status_callback_url"),
            ("Status callback method", "call_status_callback_method"),
            ("cXML application", "call_laml_application_id"),
            ("Dialogflow agent", "call_dialogflow_agent_id"),
            ("Relay topic", "call_relay_topic"),
            ("Relay topic status callback", "call_relay_topic_status_callback_url"),
            ("SWML script URL", "call_relay_script_url"),
            ("Relay context", "call_relay_context"),
            ("Relay context status callback", "call_relay_context_status_callback_url"),
            ("Relay application", "call_relay_application"),
            ("Relay connector", "call_relay_connector_id"),
            ("SIP endpoint", "call_sip_endpoint_id"),
            ("Verto endpoint", "call_verto_resource"),
            ("Video room", "call_video_room_id"),
            ("Fabric resource", "calling_handler_resource_id"),
            ("SIP trunk", "trunk_sid"),
            ("Caller name lookup", "voice_caller_id_lookup"),
        ],
    ),
    (
        "Messages",
        [
            ("Message handler", "message_handler"),
            ("Webhook URL", "message_request_url"),
            ("Webhook method", "message_request_method"),
            ("Fallback URL", "message_fallback_url"),
            ("Fallback method", "message_fallback_method"),
            ("cXML application", "message_laml_application_id"),
            ("Relay topic", "message_relay_topic"),
            ("Relay context", "message_relay_context"),
            ("Relay application", "message_relay_application"),
            ("Fabric resource", "messaging_handler_resource_id"),
        ],
    ),
    (
        "Emergency (E911)",
        [
            ("E911 status", "e911_status"),
            ("E911 address", "e911_address_id"),
            ("Emergency calling", "emergency_status"),
            ("Emergency address status", "emergency_address_status"),
        ],
    ),
    (
        "Carrier details",
        [
            ("Account", "account"),
            ("Id at the carrier", "upstream_id"),
            ("SID", "sid"),
            ("Type as the carrier says it", "number_type"),
            ("Country code", "country_code"),
            ("Status", "status"),
            ("Origin", "origin"),
            ("Beta number", "beta"),
            ("Verification status", "verification_status"),
            ("Address requirements", "address_requirements"),
            ("Address", "address_sid"),
            ("Identity", "identity_sid"),
            ("Regulatory bundle", "bundle_sid"),
            ("API version", "api_version"),
        ],
    ),
    (
        "Billing and dates",
        [
            ("Bought", "upstream_created_at"),
            ("Changed at the carrier", "upstream_updated_at"),
            ("Next billed", "next_billed_at"),
            ("Last synced", "last_synced_at"),
            ("First seen here", "created_at"),
            ("Released", "released_at"),
        ],
    ),
]


def _display(pn, name):
    value = getattr(pn, name)
    display = getattr(pn, f"get_{name}_display", None)
    if display and value:
        return display()
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return value


def _field_groups(pn):
    groups = []
    for heading, fields in FIELD_GROUPS:
        rows = [(label, _display(pn, name), name) for label, name in fields]
        groups.append(
            {
                "heading": heading,
                "set": [r for r in rows if r[1] not in ("", None)],
                "unset": [r[0] for r in rows if r[1] in ("", None)],
            }
        )
    return groups


FIELD_LABELS = {name: label for _heading, fields in FIELD_GROUPS for label, name in fields}
FIELD_LABELS.update({"name": "Name", "tags": "Tags", "notes": "Notes", "number": "Number"})

ROLLBACK_ACTIONS = (AuditEvent.Action.CONFIGURE, AuditEvent.Action.SYNC_CHANGED)


def _timeline(pn):
    events = []
    for event in pn.events.select_related("actor")[:200]:
        changes = [
            {
                "field": FIELD_LABELS.get(field, field.replace("_", " ")),
                "before": pair[0],
                "after": pair[1],
            }
            for field, pair in sorted((event.changes or {}).items())
            if isinstance(pair, list | tuple) and len(pair) == 2
        ]
        events.append(
            {"event": event, "changes": changes, "can_rollback": event.action in ROLLBACK_ACTIONS}
        )
    return events


def _detail(request, pn, form=None, status=200):
    if form is None:
        form = DetailEditForm(
            initial={"name": pn.name, "tags": tag_names_text(pn), "notes": pn.notes}
        )
    context = {
        "title": str(pn),
        "pn": pn,
        "country_name": numbering.country_name(pn.country),
        "summary": routing.summarize(pn),
        "has_call_handler": routing.has_call_handler(pn),
        "plain_http": routing.uses_plain_http(pn),
        "groups": _field_groups(pn),
        "timeline": _timeline(pn),
        "form": form,
        "can_change": request.user.has_perm(CHANGE),
        "can_release": request.user.has_perm(RELEASE),
        "tags": list(pn.tags.order_by("name")),
        "raw_json": json.dumps(pn.raw_payload, indent=2, sort_keys=True, default=str),
    }
    return render(request, "numbers/detail.html", context, status=status)


@require_GET
@permission_required(VIEW)
def detail(request, pk):
    pn = _number_or_404(pk)
    return _detail(request, pn)


@require_POST
@permission_required(CHANGE)
def detail_edit(request, pk):
    pn = _number_or_404(pk)
    form = DetailEditForm(request.POST)
    changes = _save_edit(pn, form, request.user, also=("notes",))
    if changes is not None:
        if changes:
            messages.success(request, f"Saved {pn}.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("numbers:detail", pk=pk)
    return _detail(request, pn, form, status=422)


urlpatterns = [
    path("", number_list, name="list"),
    path("count/", number_count, name="count"),
    path("export.csv", number_export, name="export"),
    path("views/save/", save_view, name="save_view"),
    path("views/<int:pk>/delete/", delete_view, name="delete_view"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/edit/", detail_edit, name="edit"),
    path("<int:pk>/row/", row, name="row"),
    path("<int:pk>/row/edit/", row_edit, name="row_edit"),
]
