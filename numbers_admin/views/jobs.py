"""Progress of background work (sync, bulk import, bulk release, bulk configure).

Whoever starts a Job redirects to ``jobs:detail``; the page polls a small partial with htmx while
the job runs and shows each item's result (paginated, failed-only filter, CSV download).

Other areas may set ``job.params["back_url"]`` (a local path) and ``job.params["back_label"]`` to
control the "back" link; ``job_progress_context(job)`` gives the words and numbers the progress
partial shows, for embedding elsewhere.
"""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from numbers_admin.models import Job, JobItem
from numbers_admin.roles import permission_required

ITEMS_PER_PAGE = 50

_DEFAULT_BACK = {
    Job.Kind.SYNC: ("accounts:list", "Back to accounts"),
    Job.Kind.BULK_IMPORT: ("imports:start", "Back to import"),
    Job.Kind.BULK_RELEASE: ("numbers:list", "Back to numbers"),
    Job.Kind.BULK_CONFIGURE: ("numbers:list", "Back to numbers"),
}


def to_job(request, pk):
    """To the job's progress page. From htmx, a full navigation (HX-Redirect): the job page has
    its own address and polling, and a later refresh must show the job, not this form."""
    url = reverse("jobs:detail", args=[pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _back_link(job: Job) -> tuple[str, str]:
    url = str(job.params.get("back_url") or "")
    # Only local paths: a job's params must not turn this page into an open redirect.
    if url.startswith("/") and not url.startswith("//"):
        return url, str(job.params.get("back_label") or "Back")
    name, label = _DEFAULT_BACK.get(job.kind, ("numbers:list", "Back to numbers"))
    try:
        return reverse(name), label
    except NoReverseMatch:
        return reverse("overview"), "Back to the overview"


def _title(job: Job) -> str:
    what = job.get_kind_display()
    if job.kind == Job.Kind.SYNC and job.account_id:
        return f"Sync of “{job.account}”"
    if job.account_id:
        return f"{what} on “{job.account}”"
    return what


def status_sentence(job: Job) -> str:
    """The job's state in plain words, with its numbers."""
    unit = "numbers checked" if job.kind == Job.Kind.SYNC else "done"
    if job.status == Job.Status.QUEUED:
        return "Waiting to start. It begins as soon as a worker is free."
    if job.status == Job.Status.RUNNING:
        if job.total:
            return f"Running: {job.done:,} of {job.total:,} done."
        return f"Running: {job.done:,} {unit} so far."
    if job.status == Job.Status.SUCCEEDED:
        if job.failed:
            return f"Finished: {job.done:,} of {job.total:,} done, {job.failed:,} failed."
        if job.total:
            return f"Finished: {job.done:,} of {job.total:,} done."
        return "Finished."
    if job.status == Job.Status.FAILED:
        return "Stopped before the end."
    return "Cancelled."


def job_progress_context(job: Job) -> dict:
    """Everything the progress partial needs; usable by any page that shows a job."""
    known_total = bool(job.total)
    return {
        "job": job,
        "job_title": _title(job),
        "job_status": status_sentence(job),
        "job_running": not job.is_finished,
        "job_known_total": known_total,
        "job_done": job.done,
        "job_total": job.total,
        "job_failed": job.failed,
        "job_percent": job.percent if known_total else None,
    }


def _job(pk) -> Job:
    return get_object_or_404(Job.objects.select_related("account", "created_by"), pk=pk)


@require_GET
@permission_required("numbers_admin.view_job")
def detail(request, pk):
    job = _job(pk)
    failed_only = request.GET.get("status") == "failed"
    items = job.items.order_by("position")
    if failed_only:
        items = items.filter(status=JobItem.Status.FAILED)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    back_url, back_label = _back_link(job)
    context = {
        **job_progress_context(job),
        "title": _title(job),
        "page": page,
        "failed_only": failed_only,
        "has_items": job.items.exists(),
        "back_url": back_url,
        "back_label": back_label,
        "summary": job.summary if job.kind == Job.Kind.SYNC else None,
    }
    if request.htmx and request.htmx.target == "job-items":
        return render(request, "jobs/detail.html#items", context)
    return render(request, "jobs/detail.html", context)


@require_GET
@permission_required("numbers_admin.view_job")
def progress(request, pk):
    job = _job(pk)
    if not request.htmx:
        # Without JavaScript the whole page is the progress view (it has a refresh link).
        return detail(request, pk)
    response = render(request, "jobs/detail.html#progress", job_progress_context(job))
    if job.is_finished and request.GET.get("was") == "running":
        # The page was opened while running: reload it once for the final report and items.
        response["HX-Refresh"] = "true"
    return response


def _cell(text: str) -> str:
    # A message from a carrier must not become a spreadsheet formula when the CSV is opened.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@require_GET
@permission_required("numbers_admin.view_job")
def items_csv(request, pk):
    job = _job(pk)
    items = job.items.order_by("position")
    if request.GET.get("status") == "failed":
        items = items.filter(status=JobItem.Status.FAILED)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["position", "number", "status", "message"])
        for item in items.only("position", "number", "status", "message").iterator(2000):
            yield writer.writerow(
                [item.position, item.number, item.get_status_display(), _cell(item.message)]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-items.csv"'
    return response


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/progress/", progress, name="progress"),
    path("<int:pk>/items.csv", items_csv, name="items_csv"),
]
