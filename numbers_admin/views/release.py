"""Release one number (type it to confirm) or several (type how many) as a background job.

The local record stays, marked released, with its history.
"""

import uuid

from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from numbers_admin.actions import release as actions
from numbers_admin.actions.purchase import _follow
from numbers_admin.forms.release import BulkReleaseForm, ReleaseForm
from numbers_admin.models import Job, Operation, PhoneNumber
from numbers_admin.roles import permission_required
from numbers_admin.upstream import errors
from numbers_admin.views.jobs import to_job

PERM = "numbers_admin.release_phonenumber"
BULK_CAP = 5000


def _page(request, template, context, partial="page"):
    context.setdefault("title", "Release numbers")
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context)


def _one_context(number, form):
    return {
        "number": number,
        "form": form,
        "warnings": actions.warnings_for(number) if not number.is_released else [],
        "history": number.events.select_related("actor")[:10],
        "title": f"Release {number}",
    }


@require_http_methods(["GET", "POST"])
@permission_required(PERM)
def confirm(request, pk):
    number = get_object_or_404(PhoneNumber.objects.select_related("account"), pk=pk)
    if request.method == "GET":
        form = ReleaseForm(
            initial={"key": uuid.uuid4()}, number=number.number, shown=number.national_format
        )
        return _page(request, "release/confirm.html", _one_context(number, form))
    form = ReleaseForm(request.POST, number=number.number, shown=number.national_format)
    if not form.is_valid():
        return _page(request, "release/confirm.html", _one_context(number, form))
    key = form.cleaned_data["key"]
    try:
        actions.release(phone_number=number, key=key, user=request.user)
    except errors.UpstreamError as error:
        form.add_error(None, error.message)
        return _page(request, "release/confirm.html", _one_context(number, form))
    return redirect("release:done", key=key)


@require_GET
@permission_required(PERM)
def done(request, key):
    op = (
        Operation.objects.filter(key=key, kind=Operation.Kind.RELEASE)
        .select_related("phone_number", "account")
        .first()
    )
    if op is None:
        raise Http404("No release with this confirmation.")
    if op.state == Operation.State.UNKNOWN:
        op = _follow(op, user=request.user).operation
    return _page(request, "release/done.html", {"operation": op, "number": op.phone_number})


def _selection(request, data):
    """The numbers chosen on the Numbers page: ``selected`` pks, or every match of a filter."""
    queryset = PhoneNumber.objects.in_service().select_related("account")
    if data.get("all_matching") == "1":
        from numbers_admin.search import filter_numbers

        matching = filter_numbers(QueryDict(data.get("filter", "")), request.user)
        queryset = queryset.filter(pk__in=matching.values("pk"))
    else:
        pks = [int(v) for v in data.getlist("selected") if v.isdigit()]
        queryset = queryset.filter(pk__in=pks)
    return list(queryset.order_by("number")[: BULK_CAP + 1])


@require_http_methods(["GET", "POST"])
@permission_required(PERM)
def bulk(request):
    data = request.GET if request.method == "GET" else request.POST
    numbers = _selection(request, data)
    too_many = len(numbers) > BULK_CAP
    numbers = numbers[:BULK_CAP]
    for n in numbers:
        n.release_warnings = actions.warnings_for(n)
    context = {
        "numbers": numbers,
        "count": len(numbers),
        "too_many": too_many,
        "cap": BULK_CAP,
        "with_warnings": sum(1 for n in numbers if n.release_warnings),
        "title": "Release numbers",
    }
    if request.method == "GET":
        context["form"] = BulkReleaseForm(initial={"key": uuid.uuid4()}, count=len(numbers))
        return _page(request, "release/bulk.html", context)
    form = BulkReleaseForm(request.POST, count=len(numbers))
    context["form"] = form
    if not numbers:
        form.add_error(None, "No numbers in service were selected.")
    if not form.is_valid():
        return _page(request, "release/bulk.html", context)
    key = str(form.cleaned_data["key"])
    existing = Job.objects.filter(kind=Job.Kind.BULK_RELEASE, params__key=key).first()
    if existing is not None:
        return to_job(request, existing.pk)
    job = actions.create_bulk_release(numbers=numbers, user=request.user)
    job.params = {**job.params, "key": key}
    job.save(update_fields=["params"])
    actions.start_bulk_release(job)
    return to_job(request, job.pk)


urlpatterns = [
    path("<int:pk>/release/", confirm, name="confirm"),
    path("bulk/release/", bulk, name="bulk"),
    path("release/done/<uuid:key>/", done, name="done"),
]
