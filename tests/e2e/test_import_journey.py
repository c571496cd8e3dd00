"""An admin imports numbers hosted elsewhere from a CSV: the bad row is shown with its problem,
fixed in the preview, and the background job's progress bar runs to the end."""

import re

import pytest
from playwright.sync_api import expect

from numbers_admin import roles
from numbers_admin.actions import imports
from numbers_admin.models import Job, PhoneNumber
from tests.e2e.conftest import axe_check, screenshot

pytestmark = pytest.mark.e2e

CSV = b"number,type\n+14155550101,local\n(415) 555-0102,local\n415-555-01O3,local\n+1 415 555 0104,local\n"


@pytest.fixture
def tasks_held(settings):
    """Enqueued tasks wait (dummy backend) until the test runs them, as a worker would."""
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }


def test_admin_imports_a_csv_fixing_the_bad_row_in_the_preview(
    login_as, signalwire_account, sandbox_requests, sandbox_faults, tasks_held
):
    page = login_as(roles.ADMIN)
    page.goto("/import/bulk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a list of numbers")
    axe_check(page, "import: the list")
    page.get_by_label("Import into").select_option(label=signalwire_account.name)
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "hosted.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Check the list").click()

    lead = page.get_by_text(re.compile(r"4 rows into .*: 3 ready, 1 with a problem"))
    expect(lead).to_be_focused()
    bad = page.get_by_label("Row 3 number")
    expect(bad).to_have_attribute("aria-invalid", "true")
    expect(bad).to_have_accessible_description(re.compile(r"\S"))  # its problem, read with it
    axe_check(page, "import: preview with a bad row")
    screenshot(page, "import-preview")
    assert sandbox_requests.count("signalwire", "POST") == 0

    bad.fill("(415) 555-0103")  # the letter O was a zero
    page.get_by_role("button", name="Check again").click()
    expect(
        page.get_by_text(re.compile(r"4 rows into .*: 4 ready, 0 with a problem"))
    ).to_be_focused()
    expect(page.get_by_label("Row 3 number")).not_to_have_attribute("aria-invalid", "true")
    axe_check(page, "import: preview, all rows ready")

    page.get_by_role("button", name="Import 4 numbers").click()
    expect(page.locator("#job-progress")).to_be_visible()  # the job exists once this shows
    job = Job.objects.get(kind=Job.Kind.BULK_IMPORT)
    # (Opened afresh: the htmx answer to "Import" nests a whole page, see the xfail test below.)
    page.goto(f"/jobs/{job.pk}/")

    # The job waits in the queue (tasks are held back for this test) and the page says so.
    job_box = page.locator("#job-progress")
    expect(job_box).to_contain_text(re.compile(r"Queued|Waiting", re.I))
    axe_check(page, "import: job queued")
    # Record every value the bar shows as the page polls, then let the worker run the job with a
    # slow carrier, so the bar has time to move.
    page.evaluate(
        """() => { sessionStorage.setItem('seen', '[]');  // survives the reload at the end
            const note = () => { const p = document.querySelector('#job-progress progress');
                if (!p) return;
                const seen = JSON.parse(sessionStorage.getItem('seen'));
                seen.push([p.getAttribute('value'), p.getAttribute('max')]);
                sessionStorage.setItem('seen', JSON.stringify(seen)); };
            note(); new MutationObserver(note).observe(document.querySelector('main'),
                {childList: true, subtree: true, attributes: true}); }"""
    )
    # A paced account (1 request/s, so one worker) and a slow carrier: the run takes a few
    # seconds and the page's polling catches it part-way.
    signalwire_account.requests_per_second = 1
    signalwire_account.save(update_fields=["requests_per_second"])
    sandbox_faults.inject("signalwire", "latency", ms=300)
    imports.run_bulk_import.call(job.pk)

    expect(job_box).to_contain_text("4 of 4 done, 0 failed", timeout=15_000)
    progress = job_box.locator("progress")
    expect(progress).to_have_attribute("value", "4")
    expect(progress).to_have_attribute("max", "4")
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")
    moving = {v for v, _ in seen if v not in (None, "0", "4")}
    assert moving, f"the bar should be seen part-way (1-3 of 4) while the job runs; saw {seen}"
    expect(page.locator("#job-items tbody tr")).to_have_count(4)
    axe_check(page, "import: job finished")
    screenshot(page, "import-job")

    assert sandbox_requests.count("signalwire", "POST") == 4
    assert set(PhoneNumber.objects.values_list("number", flat=True)) == {
        "+14155550101",
        "+14155550102",
        "+14155550103",
        "+14155550104",
    }


def test_starting_the_import_shows_the_job_page_cleanly(login_as, signalwire_account):
    page = login_as(roles.ADMIN)
    page.goto("/import/bulk/")
    page.get_by_label("Import into").select_option(label=signalwire_account.name)
    page.get_by_label("Or paste numbers").fill("+14155550101")
    page.get_by_role("button", name="Check the list").click()
    page.get_by_role("button", name="Import 1 number").click()
    expect(page.locator("#job-progress")).to_be_visible()
    expect(page.get_by_role("banner")).to_have_count(1, timeout=2000)
    # A real navigation to the job's own address (so a refresh shows the job, not the form):
    # the browser starts the new page from the top, as on any page load.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bulk import")
