"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's
live_server.

One browser per test session, a fresh context (cookies, storage, viewport) per test. No browser
download ever: we launch /usr/bin/chromium (``E2E_CHROMIUM`` overrides the path), which
``scripts/setup-e2e`` installs from Debian's packages.

If Chromium is missing the journeys are skipped with the reason — except in CI (``CI=true``), where
a missing browser is a failure, so the journeys can never silently stop running there.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from numbers_admin import roles
from tests.conftest import make_user

# Playwright's sync API runs an asyncio loop in the test thread; Django then refuses ORM calls from
# that thread ("You cannot call this from an async context") although they are plain sync calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in {"true", "1", "yes"}

# The flags the machine notes prescribe: without the background-networking ones Chromium keeps
# trying to reach Google's hosts, and this machine's closed network refuses each attempt.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery"  # the one tests/conftest.py make_user gives everyone

# axe impacts that fail a journey; "moderate" and "minor" are printed but tolerated.
BLOCKING_IMPACTS = {"serious", "critical"}


def _unavailable_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM}: run `bash scripts/setup-e2e` "
            "(installs Debian's chromium package) or set E2E_CHROMIUM"
        )
    if not AXE_JS.is_file():
        return (
            f"axe-core not installed ({AXE_JS} missing): run `npm ci` or `bash scripts/setup-e2e`"
        )
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true and the browser journeys cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    with sync_playwright() as pw:
        # launch_persistent_context would tie one context to the profile; a plain launch keeps one
        # browser for the session and a fresh, isolated context per test. Playwright points the
        # browser at its own empty profile; the temp dir below is for Chromium's crash/cache files.
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, f"--disk-cache-dir={profile}/cache"],
            env={**os.environ, "HOME": profile},
        )
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def roles_ready(transactional_db):
    """The role groups. The live server needs a transactional database, whose flush after each
    test also deletes the groups the data migration made, so build them again (idempotent)."""
    roles.sync_roles(Group, Permission)


@pytest.fixture
def users(roles_ready):
    """One user per role, created lazily: ``users("Viewer")``."""
    made = {}
    names = {roles.VIEWER: "vera", roles.SUPPORT: "sam", roles.ADMIN: "ada", None: "nobody"}

    def get(role):
        if role not in made:
            made[role] = make_user(names[role], role)
        return made[role]

    return get


class BrowserProblems:
    """JavaScript errors and Content-Security-Policy violations seen by a page. Either means a
    feature silently does not work for a real user (CSP blocks inline style/script), so a journey
    that meets one fails."""

    def __init__(self):
        self.items: list[str] = []

    def watch(self, page):
        page.on("pageerror", lambda exc: self.items.append(f"JavaScript error: {exc}"))

        def on_console(msg):
            text = msg.text
            if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
                self.items.append(f"CSP violation on {page.url}: {text} ({msg.location['url']})")

        page.on("console", on_console)


@pytest.fixture
def context(browser, live_server, request):
    """A fresh browser context for one test, at laptop size, pointed at the live server.

    CSP stays enforced (no bypass_csp): the journeys must see the page as a user's browser does.
    axe is evaluated through the DevTools protocol, which CSP does not govern (see ``axe_check``).
    """
    problems = BrowserProblems()
    ctx = browser.new_context(base_url=live_server.url, viewport=LAPTOP, locale="en-US")
    ctx.set_default_timeout(float(os.environ.get("E2E_TIMEOUT_MS", "10000")))
    ctx.on("page", problems.watch)
    ctx.problems = problems
    yield ctx
    ctx.close()
    failed = getattr(request.node, "rep_call", None)
    if problems.items and not (failed and failed.failed):
        pytest.fail("The browser reported problems:\n" + "\n".join(problems.items), pytrace=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Let fixtures see whether the test body failed (to avoid piling a second failure on top).
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def login_as(context, users, live_server):
    """Sign a role's user in without the login form (the form has its own journey): a session
    made by Django's test client, its cookie handed to the browser. Returns a new page."""

    def login(role):
        user = users(role)
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        page = context.pages[0] if context.pages else context.new_page()
        page.user = user
        return page

    return login


# --- Accessibility -------------------------------------------------------------------------------


def _format_violations(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def axe_check(page, state: str) -> list:
    """Run axe-core on the page as it is now and fail on any serious or critical violation,
    printing each one's id, help and offending nodes. ``state`` names the page or swapped state.

    axe's source is evaluated over the DevTools protocol (page.evaluate), not added as a <script>
    tag: the app's CSP (script-src 'self') blocks injected inline scripts, and evaluating keeps CSP
    on for the rest of the journey instead of turning it off with bypass_csp.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
            // axe measures by setting element.style and leaves style="" behind; htmx then copies
            // that attribute during a later swap's settle (setAttribute), which CSP reports as a
            // blocked inline style. Remove what axe added, so the journey sees only the app.
            const styled = new Set(document.querySelectorAll('[style]'));
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            for (const el of document.querySelectorAll('[style]')) {
                if (!styled.has(el)) el.removeAttribute('style');
            }
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                failureSummary: n.failureSummary}))}));
        }"""
    )
    blocking = [v for v in results if v["impact"] in BLOCKING_IMPACTS]
    _record_axe(state, page.url, results)
    if blocking:
        pytest.fail(
            f"axe: {len(blocking)} serious/critical violation(s) on {state} ({page.url}):\n"
            + _format_violations(blocking),
            pytrace=False,
        )
    return results


def _record_axe(state, url, results):
    """Every axe run, minor findings included, goes to test-artifacts/axe.jsonl for review."""
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "axe.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"state": state, "url": url, "violations": results}) + "\n")


# --- Focus, messages, screenshots ------------------------------------------------------------------


def active_element(page) -> dict:
    """What has keyboard focus: tag, id, name, text and whether it sits inside ``#main``."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                    text: (el.innerText || el.value || '').trim().slice(0, 200),
                    inMain: !!el.closest('#main'), isBody: el === document.body};
        }"""
    )


def assert_focus_inside(page, selector: str, what: str):
    """Focus moved into the swapped content (the element matching ``selector`` or a descendant)."""
    # htmx moves focus after its settle delay, so wait for it (up to 3 s) rather than race it.
    try:
        page.wait_for_function(
            "(sel) => { const t = document.querySelector(sel); const a = document.activeElement;"
            " return !!t && !!a && a !== document.body && (t === a || t.contains(a)); }",
            arg=selector,
            timeout=3000,
        )
        inside = True
    except Exception:
        inside = False
    assert inside, (
        f"after {what}, focus should be inside {selector}; it is on {active_element(page)}"
    )


def watch_live_region(page):
    """Tag the #messages live region before an htmx action (see ``assert_announced``)."""
    page.evaluate(
        "() => { document.getElementById('messages').e2eWatched = true;"
        " document.documentElement.dataset.e2eWatching = '1'; }"
    )


def assert_announced(page, text: str):
    """The message is in the #messages live region (aria-live), where screen readers announce it.

    If ``watch_live_region`` was called first, the region must also be the same element as
    before: screen readers announce changes inside an existing live region, and may say nothing
    when the region itself is swapped for a new one."""
    from playwright.sync_api import expect

    region = page.locator("#messages")
    assert region.get_attribute("aria-live") in {"polite", "assertive"}
    expect(region).to_contain_text(text)
    watched = page.evaluate(
        "() => document.documentElement.dataset.e2eWatching === '1'"
        " ? !!document.getElementById('messages').e2eWatched : null"
    )
    assert watched is not False, (
        "the #messages live region was replaced instead of updated, so the message may not be"
        " announced (use hx-swap-oob='innerHTML' or a trigger that appends to it)"
    )


_WIDER_THAN_VIEWPORT = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        // Text that does not fit its box (a long unbroken word) overflows without widening it.
        const spills = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
            getComputedStyle(el).overflowX === 'visible' && r.left + el.scrollWidth > width + 1;
        if ((r.right > width + 1 && r.width > 0) || spills) {
            // Report the outermost offender only: skip children of an element already listed,
            // and anything inside a scrolling box (a .table-wrap scrolls on purpose).
            let p = el.parentElement, inScroller = false;
            while (p && p !== document.body) {
                const ox = getComputedStyle(p).overflowX;
                if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { inScroller = true; break; }
                p = p.parentElement;
            }
            // ...unless it is absolutely positioned: it then escapes a scroller that is not its
            // containing block, and widens the whole page (e.g. a .visually-hidden span).
            const escapes = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
            if ((inScroller && !escapes) || out.some(o => o.el.contains(el))) continue;
            out.push({el, desc: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                ' right=' + Math.round(r.right)});
        }
    }
    return {overflow: document.documentElement.scrollWidth - width, offenders: out.map(o => o.desc)};
}"""


def screenshot(page, name: str, *, allow_overflow: bool = False) -> dict:
    """Full-page PNGs at laptop and phone widths in test-artifacts/screenshots/, then back to laptop.

    At phone width the page must not scroll sideways (wide tables scroll inside .table-wrap);
    otherwise the journey fails naming the elements that stick out."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    found = {"overflow": 0, "offenders": []}
    # Playwright hides the caret by setting input.style and leaves style="" behind; htmx copies
    # that attribute on a later swap (setAttribute), which CSP blocks and reports. Tag what had a
    # style before, and afterwards strip what the screenshot added.
    page.evaluate(
        "() => document.querySelectorAll('[style]').forEach(e => e.dataset.e2eStyled = '1')"
    )
    for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        if label == "phone":
            found = page.evaluate(_WIDER_THAN_VIEWPORT)
            if found["overflow"] > 0:
                with (ARTIFACTS / "phone-overflow.txt").open("a", encoding="utf-8") as out:
                    out.write(f"{name} {page.url}: {found}\n")
    page.set_viewport_size(LAPTOP)
    page.evaluate(
        """() => { for (const e of document.querySelectorAll('[style]')) {
            if (!e.dataset.e2eStyled) e.removeAttribute('style'); }
          document.querySelectorAll('[data-e2e-styled]').forEach(e => delete e.dataset.e2eStyled);
        }"""
    )
    if found["overflow"] > 0 and not allow_overflow:
        pytest.fail(
            f"{name}: at {PHONE['width']}px the page scrolls sideways by {found['overflow']}px;"
            f" sticking out: {found['offenders'] or 'text wider than its box'}",
            pytrace=False,
        )
    return found


# --- Numbers at the carrier ------------------------------------------------------------------------


@pytest.fixture
def carrier_numbers(live_server):
    """Put numbers on a sandbox account (as if bought long ago) and sync them into the dashboard:
    ``carrier_numbers(account, ["+14155550100", …], name="Line", **config)`` → PhoneNumber rows
    in the given order. ``config`` uses the REST API's field names (call_handler, …)."""
    import datetime

    from django.utils import timezone

    from numbers_admin.actions import sync
    from numbers_admin.models import Job, PhoneNumber, Provider
    from numbers_admin.sandbox.models import SandboxNumber

    def make(account, numbers, *, name="Line", **config):
        space = "twilio" if account.provider == Provider.TWILIO else "signalwire"
        long_ago = timezone.now() - datetime.timedelta(days=60)
        for i, number in enumerate(numbers):
            SandboxNumber.objects.create(
                space=space,
                number=number,
                name=f"{name} {i + 1}" if len(numbers) > 1 else name,
                country_code="US",
                config=dict(config),
                created_at=long_ago + datetime.timedelta(seconds=i),
                updated_at=long_ago,
            )
        job = sync.sync_now(account)
        assert job.status == Job.Status.SUCCEEDED, job.message
        by_number = {p.number: p for p in PhoneNumber.objects.filter(account=account)}
        return [by_number[n] for n in numbers]

    return make
