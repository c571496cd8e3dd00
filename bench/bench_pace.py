"""Benchmark of bulk pacing: 1,000 imports against the sandbox at 50 ms latency and 20 requests/s.

    .venv/bin/python bench/bench_pace.py                       # SQLite file in bench/out
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/numbers_admin_pacebench \\
        .venv/bin/python bench/bench_pace.py --write             # PostgreSQL, recorded

The sandbox is served by ``manage.py runsandbox`` in a child process on a free local port (a real
socket; the real client with its retries and error mapping), on the same database. The sandbox is
told to answer every request 50 ms late and to refuse (429) anything beyond 20 requests in any
second. The bench then runs the real bulk-import task (``actions.imports.run_bulk_import``: one
``Operation`` per number, the shared pacer at the account's ``requests_per_second`` = 20) over
1,000 numbers and checks:

- time: the ideal is 1,000 / 20 = 50 s; the run must finish within 1.1 x that (55 s);
- none lost: every item succeeded and every number is in the sandbox and the local mirror;
- none duplicated: the sandbox processed exactly one import per number (429s are not processed).

``--write`` appends the figures to ``bench/RESULTS.md`` under "## Pace".
"""

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import free_port, sandbox_account, setup_django, start_sandbox  # noqa: E402 - needs ROOT on the path

RATE = 20.0
LATENCY_MS = 50


def run(count: int, write: bool) -> bool:
    # The bench calls the task directly; nothing is enqueued.
    setup_django(
        "pace_bench.sqlite3", tasks_backend="django.tasks.backends.immediate.ImmediateBackend"
    )
    from django.db import connection

    from numbers_admin.actions import imports
    from numbers_admin.models import JobItem, Operation, PhoneNumber
    from numbers_admin.sandbox import faults
    from numbers_admin.sandbox.models import SandboxNumber, SandboxRequest

    numbers = [f"+1415555{n:04d}" for n in range(count)]
    # A clean slate: earlier runs' numbers, operations and request log.
    SandboxNumber.objects.filter(space="signalwire", number__in=numbers).delete()
    SandboxRequest.objects.filter(space="signalwire").delete()
    Operation.objects.filter(number__in=numbers).delete()
    PhoneNumber.objects.filter(number__in=numbers).delete()
    faults.clear()

    port = free_port()
    proc, log = start_sandbox(port, "pace_bench_sandbox.log")
    try:
        account = sandbox_account(port, "Pace bench", RATE)
        faults.inject("signalwire", "latency", ms=LATENCY_MS)
        faults.inject("signalwire", "rate_cap", rps=RATE)

        job = imports.create_bulk_import(
            account=account,
            rows=[{"number": n, "kind": "local"} for n in numbers],
            capabilities=["voice", "sms"],
        )
        started = time.monotonic()
        imports.run_bulk_import.call(job.pk)
        elapsed = time.monotonic() - started
    finally:
        faults.clear()
        proc.terminate()
        proc.wait(timeout=10)
        log.close()

    job.refresh_from_db()
    bound = count / RATE
    items = job.items.all()
    succeeded = items.filter(status=JobItem.Status.SUCCEEDED).count()
    in_sandbox = SandboxNumber.objects.filter(space="signalwire", number__in=numbers).count()
    mirrored = PhoneNumber.objects.in_service().filter(number__in=numbers).count()
    posts = SandboxRequest.objects.filter(
        space="signalwire", method="POST", path__contains="imported_phone_numbers"
    )
    processed = posts.exclude(status=429).count()
    refused = posts.filter(status=429).count()
    lost = count - succeeded
    duplicated = processed - in_sandbox
    ok = elapsed <= 1.1 * bound and lost == 0 and duplicated == 0 and in_sandbox == count
    figures = {
        "operations": count,
        "elapsed_s": round(elapsed, 1),
        "bound_s": bound,
        "ratio": round(elapsed / bound, 3),
        "achieved_rps": round(count / elapsed, 2),
        "succeeded": succeeded,
        "lost": lost,
        "duplicated": duplicated,
        "in_sandbox": in_sandbox,
        "mirrored": mirrored,
        "refused_429": refused,
        "workers": imports.workers_for(RATE),
        "database": connection.vendor,
        "ok": ok,
    }
    for key, value in figures.items():
        print(f"{key:>14}: {value}")
    if write:
        _write(figures)
    return ok


def _write(f: dict) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs (shared)"
    text = (
        "\n## Pace\n\n"
        f"`bench/bench_pace.py` on {stamp}, {f['database']}, {machine}. {f['operations']:,} bulk "
        f"imports through the real task and client against the sandbox answering {LATENCY_MS} ms "
        f"late and refusing (429) more than {RATE:g} requests/s; account pace {RATE:g} req/s, "
        f"{f['workers']} workers sharing one pacer.\n\n"
        "| operations | elapsed | bound (N / 20 req/s) | ratio | achieved req/s | lost | "
        "duplicated | 429s seen | result |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        f"| {f['operations']:,} | {f['elapsed_s']} s | {f['bound_s']:g} s | {f['ratio']} | "
        f"{f['achieved_rps']} | {f['lost']} | {f['duplicated']} | {f['refused_429']} | "
        f"{'within 1.1x' if f['ok'] else 'NOT within 1.1x or lost/duplicated'} |\n"
    )
    with path.open("a") as out:
        out.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    sys.exit(0 if run(args.count, args.write) else 1)


if __name__ == "__main__":
    main()
