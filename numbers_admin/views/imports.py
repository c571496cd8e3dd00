"""Import numbers hosted elsewhere: one at a time, or a previewed list run as a background job."""

import uuid

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from numbers_admin.actions import imports as actions
from numbers_admin.actions.purchase import _follow
from numbers_admin.forms.imports import (
    ALL_CAPABILITIES,
    BulkImportForm,
    ImportForm,
    check_rows,
    expand,
    import_accounts,
)
from numbers_admin.models import Account, Job, Operation, Provider
from numbers_admin.roles import permission_required
from numbers_admin.upstream import errors
from numbers_admin.views.jobs import to_job

PERM = "numbers_admin.import_phonenumber"


def _common(context):
    context.setdefault("title", "Import numbers")
    context["twilio_sentence"] = actions.TWILIO_IMPORT_SENTENCE
    context["has_twilio"] = Account.objects.filter(provider=Provider.TWILIO).exists()
    context["has_accounts"] = import_accounts().exists()
    return context


def _page(request, template, context, partial="page"):
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, _common(context))


@require_GET
@permission_required(PERM)
def start(request):
    form = ImportForm(initial={"key": uuid.uuid4(), "capabilities": ALL_CAPABILITIES})
    return _page(request, "imports/single.html", {"form": form})


@require_POST
@permission_required(PERM)
def single(request):
    form = ImportForm(request.POST)
    if not form.is_valid():
        return _page(request, "imports/single.html", {"form": form})
    data = form.cleaned_data
    try:
        actions.import_number(
            account=data["account"],
            number=data["number"],
            kind=data["kind"],
            capabilities=data["capabilities"],
            key=data["key"],
            user=request.user,
        )
    except errors.UpstreamError as error:  # e.g. the account's token cannot be read
        form.add_error(None, error.message)
        return _page(request, "imports/single.html", {"form": form})
    return redirect("imports:done", key=data["key"])


@require_GET
@permission_required(PERM)
def done(request, key):
    op = Operation.objects.filter(key=key, kind=Operation.Kind.IMPORT).first()
    if op is None:
        raise Http404("No import with this confirmation.")
    if op.state == Operation.State.UNKNOWN:
        op = _follow(op, user=request.user).operation
    return _page(request, "imports/single.html", {"operation": op}, partial="page")


@require_http_methods(["GET", "POST"])
@permission_required(PERM)
def bulk(request):
    """Step 1: the list. Step 2 (the preview) is ``bulk_preview``."""
    if request.method == "GET":
        form = BulkImportForm(initial={"capabilities": ALL_CAPABILITIES, "kind": "local"})
        return _page(request, "imports/bulk.html", {"form": form, "step": "list"})
    form = BulkImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, "imports/bulk.html", {"form": form, "step": "list"})
    rows = check_rows(expand(form.cleaned_data["lines"]))
    return _preview(request, form.cleaned_data["account"], form.cleaned_data["capabilities"], rows)


def _preview(request, account, capabilities, rows, *, key=None, message=""):
    bad = [r for r in rows if r["error"]]
    return _page(
        request,
        "imports/bulk.html",
        {
            "step": "preview",
            "account": account,
            "capabilities": capabilities,
            "rows": rows,
            "bad_count": len(bad),
            "good_count": len(rows) - len(bad),
            "key": key or uuid.uuid4(),
            "message": message,
            "kind_choices": [("local", "Local"), ("toll_free", "Toll-free")],
        },
    )


@require_POST
@permission_required(PERM)
def bulk_preview(request):
    """Check the edited rows again, or run the import when every kept row is fine."""
    data = request.POST
    account = import_accounts().filter(pk=data.get("account")).first()
    if account is None:
        return redirect("imports:bulk")
    capabilities = [c for c in data.getlist("capabilities") if c in ALL_CAPABILITIES]
    try:
        key = uuid.UUID(data.get("key", ""))
    except ValueError:
        key = uuid.uuid4()
    existing = Job.objects.filter(kind=Job.Kind.BULK_IMPORT, params__key=str(key)).first()
    if existing is not None:
        # The same preview submitted twice (double click, back and resubmit): one job.
        return to_job(request, existing.pk)
    count = min(int(data.get("rows", "0") or 0), 20000)
    lines = []
    for i in range(1, count + 1):
        if data.get(f"drop_{i}"):
            continue
        text = data.get(f"row_{i}", "")
        if not text.strip():
            continue
        lines.append({"text": text, "kind": data.get(f"kind_{i}", "local")})
    rows = check_rows(expand(lines))
    if not capabilities:
        return _preview(
            request, account, capabilities, rows, key=key,
            message="Choose at least one: voice calls, SMS, MMS or fax.",
        )  # fmt: skip
    if data.get("action") != "run":
        return _preview(request, account, capabilities, rows, key=key)
    bad = [r for r in rows if r["error"]]
    if bad or not rows:
        message = (
            f"Fix or drop the {len(bad)} row{'s' if len(bad) != 1 else ''} with a problem first."
            if bad
            else "There is nothing left to import."
        )
        return _preview(request, account, capabilities, rows, key=key, message=message)
    job = actions.create_bulk_import(
        account=account,
        rows=[{"number": r["number"], "kind": r["kind"]} for r in rows],
        capabilities=capabilities,
        user=request.user,
    )
    job.params = {**job.params, "key": str(key)}
    job.save(update_fields=["params"])
    actions.start_bulk_import(job)
    return to_job(request, job.pk)


urlpatterns = [
    path("", start, name="start"),
    path("single/", single, name="single"),
    path("done/<uuid:key>/", done, name="done"),
    path("bulk/", bulk, name="bulk"),
    path("bulk/preview/", bulk_preview, name="bulk_preview"),
]
