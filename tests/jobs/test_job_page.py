"""The generic job progress page: words, numbers, live partial, items, failed filter, CSV."""

import csv
import io

import pytest
from django.urls import reverse

from numbers_admin.models import Job, JobItem
from numbers_admin.views.jobs import job_progress_context


@pytest.fixture
def bulk_job(db):
    job = Job.objects.create(
        kind=Job.Kind.BULK_CONFIGURE, status=Job.Status.RUNNING, total=1000, done=312, failed=2
    )
    JobItem.objects.bulk_create(
        JobItem(
            job=job,
            position=i,
            number=f"+1415555{i:04d}",
            status=JobItem.Status.FAILED if i in (3, 70) else JobItem.Status.SUCCEEDED,
            message="=HYPERLINK(evil)" if i == 3 else ("Carrier said no" if i == 70 else ""),
        )
        for i in range(1, 121)
    )
    return job


def test_no_role_user_gets_403_naming_viewer(client, no_role_user, bulk_job):
    client.force_login(no_role_user)
    response = client.get(reverse("jobs:detail", args=[bulk_job.pk]))
    assert response.status_code == 403
    assert "Viewer role" in response.content.decode()


def test_running_job_page_shows_progress_and_polls(viewer_client, bulk_job):
    body = viewer_client.get(reverse("jobs:detail", args=[bulk_job.pk])).content.decode()
    assert "Bulk configure" in body
    assert "Running: 312 of 1,000 done." in body
    assert "312 of 1,000" in body
    assert '<progress max="1000" value="312"' in body
    assert 'hx-trigger="every 1s"' in body
    assert 'aria-live="polite"' in body
    assert "Back to numbers" in body
    # First page of items: 50 rows, page 1 of 3.
    assert "Page 1 of 3" in body
    assert "+14155550050" in body and "+14155550051" not in body


def test_progress_partial_updates_and_stops_polling_when_finished(viewer_client, bulk_job):
    url = reverse("jobs:progress", args=[bulk_job.pk]) + "?was=running"
    partial = viewer_client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert "HX-Refresh" not in partial

    Job.objects.filter(pk=bulk_job.pk).update(status=Job.Status.SUCCEEDED, done=1000)
    partial = viewer_client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "Finished: 1,000 of 1,000 done, 2 failed." in body
    assert "hx-trigger" not in body
    assert partial["HX-Refresh"] == "true"


def test_failed_only_filter_and_htmx_page(viewer_client, bulk_job):
    url = reverse("jobs:detail", args=[bulk_job.pk])
    body = viewer_client.get(url + "?status=failed").content.decode()
    assert "+14155550003" in body and "+14155550070" in body
    assert "+14155550004" not in body
    assert "Show all" in body

    page3 = viewer_client.get(url + "?page=3", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="job-items")
    text = page3.content.decode()
    assert "<html" not in text and "+14155550120" in text and "Page 3 of 3" in text


def test_csv_download_of_items_neutralises_formulas(viewer_client, bulk_job):
    response = viewer_client.get(reverse("jobs:items_csv", args=[bulk_job.pk]) + "?status=failed")
    assert response["Content-Type"].startswith("text/csv")
    assert f"job-{bulk_job.pk}-items.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["position", "number", "status", "message"],
        ["3", "+14155550003", "Failed", "'=HYPERLINK(evil)"],
        ["70", "+14155550070", "Failed", "Carrier said no"],
    ]


def test_unknown_total_shows_count_so_far(db):
    job = Job.objects.create(kind=Job.Kind.SYNC, status=Job.Status.RUNNING, done=4000)
    context = job_progress_context(job)
    assert context["job_status"] == "Running: 4,000 numbers checked so far."
    assert context["job_percent"] is None


def test_back_link_from_params_only_local(viewer_client, db):
    job = Job.objects.create(
        kind=Job.Kind.BULK_IMPORT,
        params={"back_url": "//evil.example/x", "back_label": "Evil"},
        status=Job.Status.QUEUED,
    )
    body = viewer_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "evil.example" not in body
    assert "Waiting to start" in body

    job.params = {"back_url": "/import/", "back_label": "Back to your import"}
    job.save()
    body = viewer_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'href="/import/"' in body and "Back to your import" in body


def test_sync_job_page_shows_drift_report(viewer_client, db):
    job = Job.objects.create(
        kind=Job.Kind.SYNC,
        status=Job.Status.SUCCEEDED,
        total=10,
        done=10,
        message="Checked 10 numbers: 1 new at the carrier, 1 gone from the carrier, 1 changed there.",
        summary={
            "seen": 10,
            "initial": False,
            "new": 1,
            "gone": 1,
            "changed": 1,
            "unchanged": 8,
            "samples": {
                "new": ["+14155550007"],
                "gone": ["+14155550002"],
                "changed": [{"number": "+14155550001", "fields": ["name"]}],
            },
        },
    )
    body = viewer_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Numbers the carrier has that we did not" in body
    assert "+14155550007" in body and "+14155550002" in body
    assert "+14155550001 (name)" in body
    assert "hx-trigger" not in body
