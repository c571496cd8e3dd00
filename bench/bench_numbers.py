"""Benchmark of the Numbers page against Django's admin changelist, at up to a million numbers.

    .venv/bin/python bench/bench_numbers.py                      # SQLite, 1,000,000 numbers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/numbers_admin_bench \
        .venv/bin/python bench/bench_numbers.py                  # PostgreSQL
    .venv/bin/python bench/bench_numbers.py --numbers 20000      # a quick run

The bench database is separate from the demo's: SQLite uses ``bench/out/numbers_bench.sqlite3``
unless DATABASE_URL is set (then that database, which is migrated and filled). The mirror is filled
directly with ``bulk_create`` of realistic rows (a spread of countries, kinds, handlers, E911
states, tags and released numbers); a filled database is reused by the next run.

Each scenario is requested through Django's test ``Client`` (URL routing, middleware, session,
view, queries and template rendering: everything but the network), ``--repeat`` times after two
warm-up requests, and the median is reported. Requests are timed with DEBUG off, as in
production (no query log). The admin changelist is asked the same questions in
the same run. ``--write`` records the figures in ``bench/RESULTS.md`` ("## Numbers page").
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import OUT, cpu_model  # noqa: E402 - needs ROOT on the path

# --- realistic numbers ---------------------------------------------------------------------------

US_AREA_CODES = [
    "201", "202", "206", "212", "213", "214", "303", "305", "312", "404", "415", "503", "510",
    "512", "602", "615", "617", "646", "702", "713", "718", "720", "773", "801", "808", "818",
    "917", "919",
]  # fmt: skip
US_TOLL_FREE = ["800", "833", "844", "855", "866", "877", "888"]
CA_AREA_CODES = ["416", "604", "514", "403", "613", "905"]

# (country, weight, kind, national prefixes, digits after the prefix, dialling code)
PLAN = [
    ("US", 52, "local", US_AREA_CODES, 7, "1"),
    ("US", 10, "toll_free", US_TOLL_FREE, 7, "1"),
    ("CA", 8, "local", CA_AREA_CODES, 7, "1"),
    ("GB", 8, "local", ["20794", "16149", "13149", "11749"], 5, "44"),
    ("GB", 4, "mobile", ["74001", "75002", "79003"], 5, "44"),
    ("DE", 5, "local", ["3012", "8912", "4012"], 6, "49"),
    ("FR", 4, "local", ["14", "49", "47"], 7, "33"),
    ("AU", 4, "local", ["29", "39", "73"], 7, "61"),
    ("NL", 3, "local", ["20", "10"], 7, "31"),
    ("MX", 2, "local", ["55", "33"], 8, "52"),
]

NAME_WORDS = ["Sales", "Support", "Billing", "Front desk", "Marketing", "Store", "Clinic",
              "Dispatch", "Recruiting", "Returns", "After hours", "Campaign"]  # fmt: skip
CITIES = ["Denver", "Austin", "London", "Toronto", "Berlin", "Paris", "Sydney", "Boston", "Miami"]
TAGS = ["vip", "campaign-2025", "porting", "legacy", "marketing", "support", "do-not-release"]

HANDLERS = [
    # (weight, call handler, message handler)
    (40, "laml_webhooks", "laml_webhooks"),
    (8, "laml_webhooks", ""),
    (10, "relay_script", "laml_webhooks"),
    (6, "laml_application", "laml_application"),
    (6, "relay_application", "relay_application"),
    (4, "relay_sip_endpoint", ""),
    (3, "relay_topic", "relay_topic"),
    (3, "dialogflow", ""),
    (2, "video_room", ""),
    (2, "ai_agent", ""),
    (16, "", ""),
]


def _weighted(choices, rng):
    total = sum(c[0] for c in choices)
    pick = rng.uniform(0, total)
    for choice in choices:
        pick -= choice[0]
        if pick <= 0:
            return choice
    return choices[-1]


def _scramble(i: int, space: int) -> int:
    """A bijection on range(space) so that consecutive rows get unrelated numbers."""
    return (i * 7919 + 104729) % space


def generate_rows(count: int, accounts, tag_ids, seed: int = 4):
    """Yield (PhoneNumber kwargs, [tag ids]) for ``count`` realistic, unique numbers."""
    from numbers_admin import numbering

    rng = random.Random(seed)
    weights = sum(p[1] for p in PLAN)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    made = 0
    for plan_index, (country, weight, kind, prefixes, width, cc) in enumerate(PLAN):
        share = count - made if plan_index == len(PLAN) - 1 else round(count * weight / weights)
        space = 10**width
        per_prefix = -(-share // len(prefixes))
        for i in range(share):
            prefix = prefixes[i % len(prefixes)]
            rest = str(_scramble(i // len(prefixes) + plan_index * per_prefix, space)).zfill(width)
            if country in ("US", "CA") and rest[0] in "01":
                rest = str(int(rest[0]) + 2) + rest[1:]  # exchanges never start with 0 or 1
            national = prefix + rest
            e164 = f"+{cc}{national}"
            yield (
                _row(e164, country, kind, accounts, rng, now, numbering, made),
                _tags(rng, tag_ids),
            )
            made += 1


def _describe_fast(e164: str, numbering):
    """numbering.describe for a block of 100 numbers at once: the last two digits end every
    format, so one parse serves the block (phonenumbers is the slow part of filling)."""
    base = numbering.describe(e164[:-2] + "00")
    last = e164[-2:]
    values = dict(base)
    for key in ("national_format", "international_format", "digits", "national_digits"):
        if not values[key].endswith("00"):
            return numbering.describe(e164)
        values[key] = values[key][:-2] + last
    return values


def _row(e164, country, kind, accounts, rng, now, numbering, i):
    account = accounts[i % len(accounts)]
    described = _describe_fast(e164, numbering)
    _weight, call_handler, message_handler = _weighted(HANDLERS, rng)
    scheme = "http" if rng.random() < 0.06 else "https"
    host = rng.choice(["api.example.com", "hooks.acme.test", "voice.shop.test"])
    created = now - timedelta(days=rng.randint(0, 5 * 365), seconds=rng.randint(0, 86400))
    name = ""
    if rng.random() < 0.7:
        name = f"{rng.choice(NAME_WORDS)} – {rng.choice(CITIES)} {rng.randint(1, 99)}"
    upstream_id = str(uuid.UUID(int=rng.getrandbits(128)))
    values = {
        "account": account,
        "upstream_id": upstream_id,
        "number": e164,
        "name": name,
        **described,
        "kind": kind if kind == "toll_free" else described["kind"],
        "voice": True,
        "sms": kind != "toll_free" or rng.random() < 0.5,
        "mms": country in ("US", "CA") and rng.random() < 0.6,
        "fax": rng.random() < 0.1,
        "number_type": "toll-free" if kind == "toll_free" else "local",
        "country_code": country,
        "upstream_created_at": created,
        "upstream_updated_at": created + timedelta(days=rng.randint(0, 300)),
        "call_handler": call_handler,
        "message_handler": message_handler,
        "raw_payload": {"id": upstream_id, "number": e164, "name": name},
    }
    if call_handler == "laml_webhooks":
        values["call_request_url"] = f"{scheme}://{host}/voice/{i % 500}"
        values["call_request_method"] = "POST"
        if rng.random() < 0.3:
            values["call_fallback_url"] = f"https://backup.example.com/voice/{i % 50}"
            values["call_fallback_method"] = "POST"
    elif call_handler == "relay_script":
        values["call_relay_script_url"] = f"{scheme}://{host}/swml/{i % 200}.yaml"
    elif call_handler == "laml_application":
        values["call_laml_application_id"] = str(uuid.UUID(int=i % 97 + 1))
        values["message_laml_application_id"] = values["call_laml_application_id"]
    elif call_handler == "relay_application":
        values["call_relay_application"] = f"app-{i % 30}"
        values["message_relay_application"] = f"app-{i % 30}"
    elif call_handler == "relay_sip_endpoint":
        values["call_sip_endpoint_id"] = str(uuid.UUID(int=i % 41 + 7))
    elif call_handler == "relay_topic":
        values["call_relay_topic"] = f"office-{i % 12}"
        values["message_relay_topic"] = f"office-{i % 12}"
    elif call_handler == "dialogflow":
        values["call_dialogflow_agent_id"] = f"agent-{i % 9}"
    elif call_handler == "video_room":
        values["call_video_room_id"] = str(uuid.UUID(int=i % 13 + 3))
    elif call_handler == "ai_agent":
        values["calling_handler_resource_id"] = str(uuid.UUID(int=i % 17 + 5))
    if message_handler == "laml_webhooks":
        values["message_request_url"] = f"{scheme}://{host}/sms/{i % 500}"
        values["message_request_method"] = "POST"
    if country == "US" and kind == "local":
        roll = rng.random()
        if roll < 0.55:
            values["e911_status"] = "active"
            values["e911_address_id"] = str(uuid.UUID(int=i % 300 + 11))
        elif roll < 0.62:
            values["e911_status"] = "pending"
            values["e911_address_id"] = str(uuid.UUID(int=i % 300 + 11))
        elif roll < 0.64:
            values["e911_status"] = "failed"
    if account.provider == "twilio":
        values["sid"] = "PN" + uuid.UUID(upstream_id).hex
        values["upstream_id"] = values["sid"]
    if rng.random() < 0.01:
        values["notes"] = rng.choice(
            ["Ported from the old carrier.", "Printed on the 2024 flyers.", "Ask Dana first."]
        )
    if rng.random() < 0.02:
        values["released_at"] = created + timedelta(days=rng.randint(30, 400))
    return values


def _tags(rng, tag_ids):
    if rng.random() < 0.08:
        return rng.sample(tag_ids, rng.randint(1, 2))
    return []


# --- filling the bench database ------------------------------------------------------------------


def fill(target: int) -> float:
    """Fill the mirror up to ``target`` numbers; returns seconds spent (0 when already full)."""
    from django.db import connection, transaction

    from numbers_admin.models import Account, PhoneNumber, Provider, Tag

    have = PhoneNumber.objects.count()
    if have == target:
        return 0.0
    if have:
        # A different size was asked for: start again so the figures describe ``target`` rows.
        PhoneNumber.tags.through.objects.all().delete()
        PhoneNumber.objects.all().delete()
    accounts = []
    for name, provider, root in [
        ("Bench SignalWire", Provider.SIGNALWIRE_REST, "https://bench.signalwire.com"),
        ("Bench SignalWire Compat", Provider.SIGNALWIRE_COMPAT, "https://bench.signalwire.com"),
        ("Bench Twilio", Provider.TWILIO, "https://api.twilio.com"),
    ]:
        account = Account.objects.filter(name=name).first()
        if account is None:
            account = Account(name=name, provider=provider, api_root=root)
            account.project_id = (
                "AC" + "0" * 32 if provider == Provider.TWILIO else str(uuid.uuid4())
            )
            account.set_token("bench-token-not-real")
            account.save()
        accounts.append(account)
    tag_ids = [Tag.objects.get_or_create(name=t)[0].pk for t in TAGS]

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    through = PhoneNumber.tags.through
    batch, batch_tags = [], []
    done = 0

    def flush():
        nonlocal batch, batch_tags
        with transaction.atomic():
            created = PhoneNumber.objects.bulk_create(batch, batch_size=2000)
            links = [
                through(phonenumber_id=row.pk, tag_id=tag)
                for row, tags in zip(created, batch_tags, strict=True)
                for tag in tags
            ]
            through.objects.bulk_create(links, batch_size=5000)
        batch, batch_tags = [], []

    for values, tags in generate_rows(target, accounts, tag_ids):
        batch.append(PhoneNumber(**values))
        batch_tags.append(tags)
        if len(batch) >= 10000:
            flush()
            done += 10000
            if done % 100000 == 0:
                print(f"  filled {done:,} numbers ({time.perf_counter() - started:.0f} s)")
    if batch:
        flush()
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM sets the visibility map that index-only scans rely on (autovacuum
        # does this in a living database; a fresh bulk load has not had it yet).
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return time.perf_counter() - started


# --- measuring -----------------------------------------------------------------------------------


def measure(client, url: str, repeat: int, fresh: bool = False) -> tuple[float, int]:
    """Median milliseconds of ``repeat`` GETs after two warm-ups, and the response status.
    ``fresh`` empties Django's cache before each request (for the cached exact count)."""
    from django.core.cache import cache

    status = 0
    for _ in range(2):
        response = client.get(url)
        status = response.status_code
        if response.streaming:
            b"".join(response.streaming_content)
    timings = []
    for _ in range(repeat):
        if fresh:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a streamed body is produced while read
        timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
    return statistics.median(timings), status


def cursor_of_page(client, base: str, page: int) -> str:
    """The URL a person reaches by pressing "Next" until ``page``: found by a numbered jump,
    then its "Next" link from the page before (so the measured request is a pure keyset seek)."""
    from numbers_admin.search import PAGE_SIZE, keyset_url_for_page

    return keyset_url_for_page(base, page, PAGE_SIZE)


def machine() -> str:
    cpu = cpu_model(platform.processor() or "")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


LOAD_AT_START = " ".join(f"{x:.1f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'numbers_bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "numbers_admin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    # Not setup_test_environment(): its template instrumentation copies every context on every
    # render (for assertTemplateUsed), which is test overhead, not server time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(f"Database: {vendor} ({connection.settings_dict['NAME']})")
    seconds = fill(args.numbers)
    if seconds:
        print(f"Filled {args.numbers:,} numbers in {seconds:.0f} s")
    if args.fill_only:
        return

    # Timed as in production: DEBUG was on only to start without production secrets. With it on,
    # every query is also copied into connection.queries, a cost no deployed server pays.
    settings.DEBUG = False

    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    client = Client()
    client.force_login(user)

    from numbers_admin.models import PhoneNumber

    sample = PhoneNumber.objects.filter(country="US", kind="local").order_by("id").first()
    digits = sample.national_digits[:6]  # "415 555"-style: area code and exchange
    typed = f"{digits[:3]} {digits[3:]}"
    scenarios = [
        ("First page", "/numbers/", "/admin/numbers_admin/phonenumber/"),
        (
            f"Digit search “{typed}”",
            "/numbers/?" + urlencode({"q": typed}),
            "/admin/numbers_admin/phonenumber/?" + urlencode({"q": digits}),
        ),
        (
            "Filtered: US toll-free, webhooks",
            "/numbers/?country=US&kind=toll_free&call_handler=laml_webhooks",
            "/admin/numbers_admin/phonenumber/?country__exact=US&kind__exact=toll_free"
            "&call_handler__exact=laml_webhooks",
        ),
        (
            "Page 1,000 (Next from page 999)",
            None,  # filled below
            "/admin/numbers_admin/phonenumber/?p=1000",
        ),
        (
            "Page 1,000 (numbered jump)",
            "/numbers/?page=1000",
            "/admin/numbers_admin/phonenumber/?p=1000",
        ),
    ]
    scenarios[3] = (scenarios[3][0], cursor_of_page(client, "/numbers/", 1000), scenarios[3][2])
    extra = [
        ("Middle-of-number digit search “0100”", "/numbers/?q=0100"),
        ("Name search “support”", "/numbers/?q=support"),
        ("Exact count of all numbers (lazy request, not cached)", "/numbers/count/"),
        (
            "Two filters: toll-free without a call handler",
            "/numbers/?kind=toll_free&call_handler=none",
        ),
        (
            "CSV export of US toll-free, webhooks (whole file)",
            "/numbers/export.csv?country=US&kind=toll_free&call_handler=laml_webhooks",
        ),
        ("Overview (all figures and charts)", "/"),
    ]
    rows = []
    for label, ours, theirs in scenarios:
        ours_ms, _ = measure(client, ours, args.repeat)
        theirs_ms, _ = measure(client, theirs, max(3, args.repeat // 3))
        rows.append((label, ours_ms, theirs_ms, ours))
        ratio = theirs_ms / ours_ms
        print(f"{label:44} ours {ours_ms:8.1f} ms   admin {theirs_ms:9.1f} ms   ×{ratio:.0f}")
    extra_rows = []
    for label, ours in extra:
        ours_ms, _ = measure(client, ours, args.repeat, fresh="not cached" in label)
        extra_rows.append((label, ours_ms, ours))
        print(f"{label:44} ours {ours_ms:8.1f} ms")
    if args.write:
        write_results(vendor, args, rows, extra_rows)


def write_results(vendor, args, rows, extra_rows):
    path = ROOT / "bench" / "RESULTS.md"
    command = (
        f"python bench/bench_numbers.py --numbers {args.numbers:_} --repeat {args.repeat} --write"
    )
    if vendor != "sqlite":
        command = "DATABASE_URL=postgres://… " + command
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    db = "SQLite" if vendor == "sqlite" else "PostgreSQL"
    load_now = " ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"### {db}, {args.numbers:,} numbers",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- Machine: {machine()}; load average {LOAD_AT_START} at the start, {load_now} at the "
        "end (the machine was shared with other work while it ran: wall-clock figures)",
        f"- Command: `{command}`",
        f"- Median of {args.repeat} requests after 2 warm-ups (admin: {max(3, args.repeat // 3)}),"
        " server time through Django's test Client, DEBUG off (no query log, as in production).",
        "",
        "| Scenario | Numbers page | Admin changelist | Faster by |",
        "|---|---:|---:|---:|",
    ]
    for label, ours_ms, theirs_ms, _url in rows:
        lines.append(
            f"| {label} | {ours_ms:.1f} ms | {theirs_ms:.1f} ms | {theirs_ms / ours_ms:.0f}× |"
        )
    lines += ["", "| Also measured (no admin equivalent) | Numbers page |", "|---|---:|"]
    for label, ours_ms, _url in extra_rows:
        lines.append(f"| {label} | {ours_ms:.1f} ms |")
    block = "\n".join(lines) + "\n"
    _merge_section(path, db, block)
    print(f"Recorded in {path}")


def _merge_section(path: Path, db: str, block: str):
    """Replace this database's block inside "## Numbers page", keeping every other section."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    header = "## Numbers page"
    intro = (
        f"{header}\n\nThe Numbers page (`/numbers/`) and Django's admin changelist answering the "
        "same questions in the same run; `bench/bench_numbers.py`.\n\n"
    )
    if header not in text:
        text = text.rstrip("\n") + "\n\n" + intro
    start = text.index(header)
    nxt = text.find("\n## ", start + len(header))
    section = text[start:] if nxt == -1 else text[start : nxt + 1]
    rest = "" if nxt == -1 else text[nxt + 1 :]
    sub_header = f"### {db},"
    if sub_header in section:
        s = section.index(sub_header)
        e = section.find("\n### ", s + 1)
        section = section[:s] + block + ("" if e == -1 else "\n" + section[e + 1 :])
    else:
        section = section.rstrip("\n") + "\n\n" + block
    path.write_text(text[:start] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else ""))


if __name__ == "__main__":
    main()
