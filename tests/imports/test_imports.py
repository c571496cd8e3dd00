"""Importing numbers: single, and bulk from a list with ranges, preview, fixes, and a job."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from numbers_admin.actions import imports as actions
from numbers_admin.models import AuditEvent, Job, JobItem, Operation, PhoneNumber, Provider
from tests.buy.fakes import make_account, owned_row

pytestmark = pytest.mark.django_db


def test_support_and_viewer_get_403_naming_admin(support_client, viewer_client):
    for client in (support_client, viewer_client):
        for url in (reverse("imports:start"), reverse("imports:bulk")):
            response = client.get(url)
            assert response.status_code == 403 and "Admin role" in response.content.decode()
        assert client.post(reverse("imports:single"), {}).status_code == 403


def test_only_signalwire_accounts_are_offered_and_twilio_is_explained(admin_client_):
    make_account("SW")
    make_account("Tw", provider=Provider.TWILIO)
    page = admin_client_.get(reverse("imports:start")).content.decode()
    assert ">SW<" in page and ">Tw<" not in page
    assert "Hosted Numbers service, which this dashboard does not support" in page


def single(account, **extra):
    data = {
        "key": str(uuid.uuid4()),
        "account": account.pk,
        "number": "(415) 555-0142",
        "kind": "local",
        "capabilities": ["voice", "sms", "mms", "fax"],
    }
    data.update(extra)
    return data


def test_single_import_any_format_to_e164(admin_client_, fake_client):
    account = make_account("SW")
    response = admin_client_.post(reverse("imports:single"), single(account), follow=True)
    assert "Imported +1 415-555-0142 on SW." in response.content.decode()
    assert fake_client.sent == [("import", "+14155550142")]
    assert AuditEvent.objects.get().action == "import"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"capabilities": []}, "Choose at least one"),
        ({"number": "hello"}, "is not a phone number"),
        ({"kind": "longcode"}, "Select a valid choice"),
    ],
)
def test_single_import_rules(admin_client_, fake_client, extra, words):
    account = make_account("SW")
    response = admin_client_.post(reverse("imports:single"), single(account, **extra))
    assert words in response.content.decode()
    assert fake_client.sent == []


def test_twilio_account_cannot_be_chosen(admin_client_, fake_client):
    make_account("SW")
    account = make_account("Tw", provider=Provider.TWILIO)
    response = admin_client_.post(reverse("imports:single"), single(account))
    assert "Choose one of the SignalWire accounts listed" in response.content.decode()
    assert fake_client.sent == []


def test_feature_not_enabled_is_explained(admin_client_, fake_client):
    account = make_account("SW")
    fake_client.fail_next("not_enabled")
    page = admin_client_.post(reverse("imports:single"), single(account), follow=True)
    text = page.content.decode()
    assert "Not imported" in text and "partner feature" in text and "SignalWire support" in text


def test_double_submit_imports_once(admin_client_, fake_client):
    account = make_account("SW")
    data = single(account)
    admin_client_.post(reverse("imports:single"), data)
    admin_client_.post(reverse("imports:single"), data)
    assert fake_client.count("import") == 1


@pytest.mark.parametrize("fault", ["timeout", "5xx", "dropped", "commit_then_fail"])
def test_lost_answer_is_looked_up(admin_client_, fake_client, fault):
    account = make_account("SW")
    fake_client.fail_next(fault)
    page = admin_client_.post(reverse("imports:single"), single(account), follow=True)
    assert "Imported" in page.content.decode()
    assert PhoneNumber.objects.filter(number="+14155550142").exists()
    assert Operation.objects.get().state == "succeeded"


# --- bulk ---------------------------------------------------------------------------------------


def test_preview_expands_ranges_flags_errors_and_duplicates(admin_client_, fake_client):
    account = make_account("SW")
    owned_row(account, fake_client, "+14155550105")
    pasted = "+14155550100-+14155550104\n(415) 555-0101\n+14155550105\nnot a number\n"
    response = admin_client_.post(
        reverse("imports:bulk"),
        {"account": account.pk, "pasted": pasted, "kind": "local", "capabilities": ["voice"]},
    )
    page = response.content.decode()
    assert "8 rows" in page and "5 ready, 3 with a problem" in page
    assert "Duplicate of row 2." in page
    assert "Already in the inventory (on SW)." in page
    assert "is not a phone number" in page
    assert fake_client.sent == []


def test_range_is_capped(admin_client_, fake_client):
    account = make_account("SW")
    response = admin_client_.post(
        reverse("imports:bulk"),
        {
            "account": account.pk,
            "pasted": "+14155550000-+14155551999",
            "kind": "local",
            "capabilities": ["voice"],
        },
    )
    assert "This range has 2,000 numbers" in response.content.decode()


def test_csv_upload_with_header_and_type_column(admin_client_, fake_client):
    account = make_account("SW")
    upload = SimpleUploadedFile(
        "numbers.csv", b"number,type\n+14155550100,local\n+18005550100,toll-free\n", "text/csv"
    )
    response = admin_client_.post(
        reverse("imports:bulk"),
        {"account": account.pk, "upload": upload, "kind": "local", "capabilities": ["voice"]},
    )
    page = response.content.decode()
    assert "2 rows" in page and "+18005550100" in page
    assert '<option value="toll_free" selected>' in page


def rows_post(account, rows, action="run", key=None, drop=()):
    data = {"account": account.pk, "key": key or str(uuid.uuid4()), "rows": len(rows),
            "capabilities": ["voice", "sms"], "action": action}  # fmt: skip
    for i, (text, kind) in enumerate(rows, start=1):
        data[f"row_{i}"] = text
        data[f"kind_{i}"] = kind
        if i in drop:
            data[f"drop_{i}"] = "1"
    return data


def test_run_is_refused_until_problems_are_fixed_or_dropped(admin_client_, fake_client):
    account = make_account("SW")
    rows = [("+14155550100", "local"), ("nope", "local")]
    refused = admin_client_.post(reverse("imports:bulk_preview"), rows_post(account, rows))
    assert "Fix or drop the 1 row with a problem first." in refused.content.decode()
    assert not Job.objects.exists()
    fixed = [("+14155550100", "local"), ("+14155550101", "local")]
    response = admin_client_.post(reverse("imports:bulk_preview"), rows_post(account, fixed))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    assert job.kind == "bulk_import" and job.status == "succeeded" and job.done == 2
    assert list(job.items.values_list("status", flat=True)) == ["succeeded", "succeeded"]
    assert fake_client.count("import") == 2


def test_dropped_rows_are_not_imported(admin_client_, fake_client):
    account = make_account("SW")
    rows = [("+14155550100", "local"), ("nope", "local")]
    admin_client_.post(reverse("imports:bulk_preview"), rows_post(account, rows, drop=(2,)))
    assert fake_client.sent == [("import", "+14155550100")]


def test_same_preview_submitted_twice_makes_one_job(admin_client_, fake_client):
    account = make_account("SW")
    data = rows_post(account, [("+14155550100", "local")])
    admin_client_.post(reverse("imports:bulk_preview"), data)
    admin_client_.post(reverse("imports:bulk_preview"), data)
    assert Job.objects.count() == 1 and fake_client.count("import") == 1


def test_per_row_failures_are_recorded(admin_client_, fake_client):
    account = make_account("SW")
    fake_client.fail_next("not_enabled")
    rows = [("+14155550100", "local"), ("+14155550101", "toll_free")]
    admin_client_.post(reverse("imports:bulk_preview"), rows_post(account, rows))
    items = list(JobItem.objects.order_by("position"))
    assert items[0].status == "failed" and "partner feature" in items[0].message
    assert items[1].status == "succeeded"
    assert Job.objects.get().failed == 1


def test_resumed_job_never_sends_an_item_twice(fake_client):
    account = make_account("SW")
    job = actions.create_bulk_import(
        account=account,
        rows=[
            {"number": "+14155550100", "kind": "local"},
            {"number": "+14155550101", "kind": "local"},
        ],
        capabilities=["voice"],
    )
    first, second = job.items.order_by("position")
    # The worker died after sending item 1 (the carrier made it) but before recording the answer.
    Operation.objects.create(
        key=first.params["key"], kind="import", account=account, number=first.number,
        state="sending",
    )  # fmt: skip
    fake_client.owned[first.number] = fake_client._canonical(first.number)
    actions.run_bulk_import.call(job.pk)
    assert fake_client.sent == [("import", "+14155550101")]
    first.refresh_from_db()
    assert first.status == "succeeded"
    assert PhoneNumber.objects.filter(number="+14155550100").exists()
    # Running it again (another restart) sends nothing.
    JobItem.objects.filter(pk=second.pk).update(status="pending")
    actions.run_bulk_import.call(job.pk)
    assert fake_client.count("import") == 1


def test_bulk_import_backs_off_on_429(fake_client, monkeypatch):
    account = make_account("SW", requests_per_second=1000)
    monkeypatch.setattr("numbers_admin.pacing.time.sleep", lambda s: None)
    fake_client.fail_next("429", "429")
    job = actions.create_bulk_import(
        account=account, rows=[{"number": "+14155550100", "kind": "local"}], capabilities=["voice"]
    )
    actions.run_bulk_import.call(job.pk)
    assert job.items.get().status == "succeeded"
    assert fake_client.count("import") == 3 and len(fake_client.owned) == 1


def test_restart_resumes_only_quiet_jobs_and_sends_nothing_twice(fake_client):
    from datetime import timedelta

    from django.utils import timezone

    account = make_account("SW")
    rows = [
        {"number": "+14155550100", "kind": "local"},
        {"number": "+14155550101", "kind": "local"},
    ]
    quiet = actions.create_bulk_import(account=account, rows=rows, capabilities=["voice"])
    busy = actions.create_bulk_import(
        account=account, rows=[{"number": "+14155550109", "kind": "local"}], capabilities=["voice"]
    )
    long_ago = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=quiet.pk).update(status="running", heartbeat_at=long_ago)
    Job.objects.filter(pk=busy.pk).update(status="running", heartbeat_at=timezone.now())
    # The first item was done before the restart.
    actions.import_number(
        account=account, number="+14155550100", kind="local", capabilities=["voice"],
        key=quiet.items.get(position=1).params["key"], client=fake_client, job=quiet,
    )  # fmt: skip
    JobItem.objects.filter(job=quiet, position=1).update(status="succeeded")
    assert actions.resume_unfinished_jobs() == [quiet.pk]
    quiet.refresh_from_db()
    assert quiet.status == "succeeded" and quiet.done == 2
    assert fake_client.sent == [("import", "+14155550100"), ("import", "+14155550101")]


def test_htmx_run_navigates_to_the_job_page(admin_client_, fake_client):
    account = make_account("SW")
    response = admin_client_.post(
        reverse("imports:bulk_preview"),
        rows_post(account, [("+14155550100", "local")]),
        HTTP_HX_REQUEST="true",
    )
    job = Job.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("jobs:detail", args=[job.pk])
