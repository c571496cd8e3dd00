"""Configure where calls and messages go: one number, many numbers, find and replace, roll back."""

import uuid
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from numbers_admin import mirror
from numbers_admin.actions import configure as actions
from numbers_admin.forms.configure import (
    CALL_HANDLER_HELP,
    MESSAGE_HANDLER_HELP,
    METHOD_FOR_URL,
    URL_FIELDS,
    BulkChangesForm,
    ConfigureForm,
    ReplaceForm,
    WebhookCheckForm,
    display_field,
    label_for,
    normalize,
    sign_state,
    unsign_state,
    values_equal,
)
from numbers_admin.models import (
    AuditEvent,
    CallHandler,
    PhoneNumber,
    Provider,
)
from numbers_admin.roles import permission_required
from numbers_admin.routing import summarize
from numbers_admin.upstream.errors import UpstreamError
from numbers_admin.webhook_check import check_webhook

CHANGE = "numbers_admin.change_phonenumber"
PLAN_SESSION_KEY = "configure_plan"
PREVIEW_PAGE_SIZE = 50


def _number_or_404(pk) -> PhoneNumber:
    return get_object_or_404(PhoneNumber.objects.in_service().select_related("account"), pk=pk)


def _number_url(number: PhoneNumber) -> str:
    """The number's own page when the Numbers area provides one, else this form."""
    try:
        return reverse("numbers:detail", args=[number.pk])
    except NoReverseMatch:
        return reverse("configure:edit", args=[number.pk])


# --- One number ---------------------------------------------------------------------------------


def _wire_htmx(form: ConfigureForm, number: PhoneNumber) -> None:
    """Handler selects fetch the chosen handler's fields (htmx); the page works without it."""
    url = reverse("configure:fields", args=[number.pk])
    for name, which in (("call_handler", "call"), ("message_handler", "message")):
        if name in form.fields:
            form.fields[name].widget.attrs.update(
                {
                    "hx-get": f"{url}?which={which}",
                    "hx-target": f"#{which}-fields",
                    "hx-swap": "innerHTML",
                    "hx-trigger": "change",
                }
            )


def _edit_context(number, form, **extra) -> dict[str, Any]:
    _wire_htmx(form, number)
    events = (
        number.events.filter(
            action__in=[
                AuditEvent.Action.CONFIGURE,
                AuditEvent.Action.ROLLBACK,
                AuditEvent.Action.SYNC_CHANGED,
            ],
            outcome=AuditEvent.Outcome.SUCCESS,
        )
        .exclude(changes={})
        .order_by("-at", "-id")[:5]
    )
    context = {
        "title": f"Configure {number}",
        "number": number,
        "form": form,
        "summary": summarize(number),
        "number_url": _number_url(number),
        "is_rest": number.account.provider == Provider.SIGNALWIRE_REST,
        "fabric_label": CallHandler(form.fabric_handler).label if form.fabric_handler else "",
        "call_handler_help": CALL_HANDLER_HELP.get(form.call_handler, ""),
        "message_handler_help": MESSAGE_HANDLER_HELP.get(form.message_handler, ""),
        "handler_help": [(h.label, CALL_HANDLER_HELP[h]) for h in CALL_HANDLER_HELP],
        "url_fields": URL_FIELDS,
        "method_for_url": METHOD_FOR_URL,
        "recent_events": events,
        "upstream_error": "",
        "conflict": None,
    }
    context.update(extra)
    return context


def _fill_missing(data: QueryDict, current: dict[str, Any]) -> QueryDict:
    """A field the page did not show (another handler's) keeps its upstream value."""
    data = data.copy()
    for name, value in current.items():
        if name not in data and isinstance(value, str | bool):
            data[name] = normalize(name, value)
    return data


def _render_edit(request, number, form, *, status=200, **extra):
    context = _edit_context(number, form, **extra)
    if request.htmx:
        html = render_to_string("configure/edit.html#form", context, request=request)
        if request.method == "POST":
            # The number was just read from the carrier: the summary beside the form follows.
            html += render_to_string("configure/edit.html#summary_oob", context, request=request)
        return HttpResponse(html, status=status)
    return render(request, "configure/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE)
def edit(request, pk):
    number = _number_or_404(pk)
    provider = number.account.provider
    if request.method == "GET":
        warning = ""
        try:
            current = actions.fetch(number)
        except UpstreamError as error:
            current = mirror.tracked_values(number)
            warning = (
                f"{error.message} The form shows the values last seen at the carrier; saving "
                "will check them again first."
            )
        form = ConfigureForm(provider=provider, current=current)
        return _render_edit(request, number, form, warning=warning)

    # A re-render for another handler, or a webhook check, without JavaScript: nothing is saved,
    # what the person typed stays, and the original loaded_state is kept for the stale check.
    if "refresh" in request.POST or "check" in request.POST:
        form = ConfigureForm(
            provider=provider, current=mirror.tracked_values(number), overrides=request.POST
        )
        field = request.POST.get("check", "")
        if field in URL_FIELDS and field in form.fields:
            form.fields[field].check_result = _check_field(request.POST, field)
        return _render_edit(request, number, form)

    try:
        fresh = actions.fetch(number)
    except UpstreamError as error:
        form = ConfigureForm(
            _fill_missing(request.POST, mirror.tracked_values(number)),
            provider=provider,
            current=mirror.tracked_values(number),
        )
        return _render_edit(
            request, number, form, upstream_error=f"{error.message} Nothing was changed."
        )

    data = _fill_missing(request.POST, fresh)
    resolution = request.POST.get("resolve", "")
    if resolution == "theirs":
        for name in unsign_state(request.POST.get("conflict_fields", "")) or []:
            data[name] = normalize(name, fresh.get(name))
    form = ConfigureForm(data, provider=provider, current=fresh)
    if not form.is_valid():
        return _render_edit(request, number, form)
    loaded = form.loaded_values()
    if loaded is None:
        form.add_error(None, "This form could not be checked against the carrier; reload it.")
        return _render_edit(request, number, form)

    # Fields the person saw: those shown now, and those posted (a handler that was swapped out
    # from under them at the carrier is still theirs to decide about).
    seen = set(form.shown_fields()) | (set(request.POST) & set(loaded))
    conflicts = [f for f in loaded if f in seen and not values_equal(f, loaded[f], fresh.get(f))]
    if conflicts:
        # Someone (or something) changed the number since the form was loaded: show what, and
        # let the person choose. The form now carries the new state, so a choice saves.
        data = data.copy()
        data["loaded_state"] = sign_state(
            {f: fresh.get(f) for f in form.initial if f != "loaded_state"}
        )
        form = ConfigureForm(data, provider=provider, current=fresh)
        form.is_valid()
        rows = [
            {
                "label": label_for(f),
                "loaded": display_field(f, loaded.get(f)),
                "now": display_field(f, fresh.get(f)),
                "yours": display_field(f, form.cleaned_data.get(f, data.get(f))),
            }
            for f in conflicts
        ]
        conflict = {"rows": rows, "fields": sign_state(conflicts)}
        return _render_edit(request, number, form, conflict=conflict)

    changes = form.changes(against=fresh)
    if not changes:
        messages.info(request, "Nothing to save: the number already has these settings.")
        return _after_save(request, number)
    try:
        event = actions.apply_changes(number, changes, before=fresh, user=request.user)
    except UpstreamError as error:
        for name, problems in (error.field_errors or {}).items():
            target = name if name in form.fields else None
            for problem in problems:
                form.add_error(target, problem if target else f"{label_for(name)}: {problem}")
        number.refresh_from_db()
        return _render_edit(request, number, form, upstream_error=error.message)
    words = "; ".join(
        f"{label_for(f)}: {display_field(f, b)} → {display_field(f, a)}"
        for f, (b, a) in event.changes.items()
    )
    messages.success(request, f"Saved {number}. {words}".strip())
    return _after_save(request, number)


def _after_save(request, number):
    if not request.htmx:
        return redirect("configure:edit", pk=number.pk)
    number.refresh_from_db()
    form = ConfigureForm(provider=number.account.provider, current=mirror.tracked_values(number))
    context = _edit_context(number, form)
    # The form, the routing summary and the message region, in one response (htmx OOB swaps).
    html = render_to_string("configure/edit.html#form", context, request=request)
    html += render_to_string("configure/edit.html#summary_oob", context, request=request)
    html += render_to_string("configure/edit.html#messages_oob", context, request=request)
    return HttpResponse(html)


@require_GET
@permission_required(CHANGE)
def fields(request, pk):
    """The fields of the chosen handler (htmx swaps them in when the choice changes)."""
    number = _number_or_404(pk)
    which = request.GET.get("which", "call")
    if which not in ("call", "message"):
        raise Http404
    form = ConfigureForm(
        provider=number.account.provider,
        current=mirror.tracked_values(number),
        overrides=request.GET,
    )
    return render(request, f"configure/edit.html#{which}_fields", _edit_context(number, form))


def _check_field(data, field: str, url: str = "", method: str = ""):
    """Check the webhook typed in ``field`` with the method chosen beside it."""
    url = url or data.get(field, "")
    method = method or data.get(METHOD_FOR_URL.get(field, ""), "") or "POST"
    form = WebhookCheckForm({"url": url, "method": method})
    if not form.is_valid():
        return {"ok": False, "message": form.errors["url"][0]}
    return check_webhook(form.cleaned_data["url"], form.cleaned_data["method"] or "POST")


@require_POST
@permission_required(CHANGE)
def check(request):
    """Check one webhook (htmx button next to each URL field)."""
    field = request.POST.get("field", "")
    result = _check_field(
        request.POST, field, request.POST.get("url", ""), request.POST.get("method", "")
    )
    return render(request, "configure/edit.html#check_result", {"result": result, "name": field})


# --- Roll back ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE)
def rollback(request, pk, event_id):
    number = _number_or_404(pk)
    event = get_object_or_404(AuditEvent, pk=event_id, phone_number=number)
    error_message = ""
    warning = ""
    if request.method == "POST":
        try:
            planned = signing.loads(request.POST.get("plan", ""), salt="configure.rollback")
        except signing.BadSignature:
            raise Http404 from None
        try:
            result = actions.apply_planned(
                number,
                planned["restore"],
                expected=planned["expected"],
                user=request.user,
                action=AuditEvent.Action.ROLLBACK,
                message=(
                    f"Restored the settings from before the change of "
                    f"{event.at:%Y-%m-%d %H:%M} UTC (event {event.pk})."
                ),
            )
        except actions.ChangedSincePreview:
            warning = (
                "The number changed at the carrier since this preview. Here is the preview "
                "again, with the values it has now."
            )
        except UpstreamError as error:
            error_message = f"{error.message} Nothing was restored."
        else:
            if result is None:
                messages.info(request, "Nothing to restore: the number already has these settings.")
            else:
                messages.success(
                    request, f"Restored the settings of {number} from before this change."
                )
            return redirect("configure:edit", pk=number.pk)
    try:
        current = actions.fetch(number)
    except UpstreamError as error:
        current = mirror.tracked_values(number)
        error_message = error_message or f"{error.message} The preview uses the last known values."
    restore = actions.rollback_changes(event, current)
    plan = signing.dumps(
        {"restore": restore, "expected": {f: current.get(f) for f in restore}},
        salt="configure.rollback",
    )
    rows = [
        (label_for(f), display_field(f, current.get(f)), display_field(f, v))
        for f, v in restore.items()
    ]
    context = {
        "title": f"Restore settings of {number}",
        "number": number,
        "event": event,
        "rows": rows,
        "plan": plan,
        "before_summary": summarize(current),
        "after_summary": summarize({**current, **restore}),
        "error_message": error_message,
        "warning": warning,
        "number_url": _number_url(number),
    }
    return render(request, "configure/rollback.html", context)


# --- Many numbers -------------------------------------------------------------------------------


def _selection(params: QueryDict, user):
    """The numbers the Numbers page sent: ``selected`` pks, or ``all_matching`` + ``filter``."""
    if params.get("all_matching") == "1":
        from numbers_admin.search import filter_numbers

        numbers = filter_numbers(QueryDict(params.get("filter", "")), user)
        hidden = [("all_matching", "1"), ("filter", params.get("filter", ""))]
    else:
        pks = [int(v) for v in params.getlist("selected") if v.isdigit()]
        numbers = PhoneNumber.objects.filter(pk__in=pks)
        hidden = [("selected", str(pk)) for pk in pks]
    numbers = numbers.filter(released_at__isnull=True).select_related("account").order_by("number")
    return numbers, hidden


def _store_plan(request, *, kind: str, description: str, plans) -> str:
    token = uuid.uuid4().hex
    request.session[PLAN_SESSION_KEY] = {
        "token": token,
        "kind": kind,
        "description": description,
        "plans": [p.as_dict() for p in plans],
    }
    return token


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE)
def bulk(request):
    params = request.POST if request.method == "POST" else request.GET
    numbers, hidden = _selection(params, request.user)
    count = numbers.count()
    form = BulkChangesForm(request.POST if request.method == "POST" else None)
    field = request.POST.get("check", "")
    if request.method == "POST" and field in URL_FIELDS:
        # "Check this webhook" without JavaScript: nothing is previewed, what was typed stays.
        form = BulkChangesForm(initial=request.POST.dict())
        form.fields[field].check_result = _check_field(request.POST, field)
    elif request.method == "POST" and count and form.is_valid():
        changes = form.changes()
        plans = [actions.plan_number(n, changes) for n in numbers]
        description = "Set " + "; ".join(
            f"{label_for(f)} to {display_field(f, v)}" for f, v in changes.items()
        )
        token = _store_plan(request, kind="bulk", description=description, plans=plans)
        return redirect("configure:preview", token=token)
    context = {
        "title": "Change many numbers",
        "form": form,
        "count": count,
        "sample": numbers[:10],
        "hidden": hidden,
        "url_fields": URL_FIELDS,
    }
    return render(request, "configure/bulk.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(CHANGE)
def replace(request):
    params = request.POST if request.method == "POST" else request.GET
    has_selection = bool(params.getlist("selected")) or params.get("all_matching") == "1"
    if has_selection:
        numbers, hidden = _selection(params, request.user)
    else:
        numbers = PhoneNumber.objects.in_service().select_related("account").order_by("number")
        hidden = []
    form = ReplaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        find, new = form.cleaned_data["find"], form.cleaned_data["replace"]
        chosen = form.cleaned_data["fields_to_search"]
        plans = []
        for n in numbers.iterator(chunk_size=500):
            plan = actions.plan_replace(n, chosen, find, new)
            if plan is not None:
                plans.append(plan)
        if not plans:
            form.add_error("find", f"No number has “{find}” in the addresses chosen.")
        else:
            description = f"Replace “{find}” with “{new}” in " + ", ".join(
                label_for(f) for f in chosen
            )
            token = _store_plan(request, kind="replace", description=description, plans=plans)
            return redirect("configure:preview", token=token)
    context = {
        "title": "Find and replace in webhook addresses",
        "form": form,
        "count": numbers.count(),
        "has_selection": has_selection,
        "hidden": hidden,
    }
    return render(request, "configure/replace.html", context)


def _plan_or_404(request, token):
    plan = request.session.get(PLAN_SESSION_KEY)
    if not plan or plan.get("token") != token:
        return None
    return plan


@require_GET
@permission_required(CHANGE)
def preview(request, token):
    plan = _plan_or_404(request, token)
    if plan is None:
        return render(request, "configure/preview_gone.html", {"title": "Preview"}, status=404)
    plans = plan["plans"]
    counts = {s: sum(1 for p in plans if p["status"] == s) for s in ("change", "unchanged", "skip")}
    page = Paginator(plans, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            **p,
            "rows": [
                (label_for(f), display_field(f, p["before"].get(f)), display_field(f, v))
                for f, v in p["changes"].items()
            ],
        }
        for p in page.object_list
    ]
    context = {
        "title": "Preview the changes",
        "plan": plan,
        "token": token,
        "page": page,
        "rows": rows,
        "counts": counts,
        "total": len(plans),
        "back_url": reverse("configure:replace" if plan["kind"] == "replace" else "configure:bulk"),
    }
    return render(request, "configure/preview.html", context)


@require_POST
@permission_required(CHANGE)
def apply(request, token):
    plan = _plan_or_404(request, token)
    if plan is None:
        return render(request, "configure/preview_gone.html", {"title": "Preview"}, status=404)
    # Taken out of the session first: a second click finds nothing to apply.
    del request.session[PLAN_SESSION_KEY]
    job = actions.create_bulk_job(plan["plans"], user=request.user, description=plan["description"])
    result = actions.run_bulk_configure.enqueue(job.pk)
    job.__class__.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    messages.success(
        request, f"Started: {plan['description']}. This page shows each number as it is done."
    )
    return redirect("jobs:detail", pk=job.pk)


urlpatterns = [
    path("<int:pk>/configure/", edit, name="edit"),
    path("<int:pk>/configure/fields/", fields, name="fields"),
    path("configure/check-webhook/", check, name="check_webhook"),
    path("<int:pk>/rollback/<int:event_id>/", rollback, name="rollback"),
    path("bulk/configure/", bulk, name="bulk"),
    path("bulk/replace/", replace, name="replace"),
    path("bulk/preview/<str:token>/", preview, name="preview"),
    path("bulk/preview/<str:token>/apply/", apply, name="apply"),
]
