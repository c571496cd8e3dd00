"""Benchmark of the sync: 100,000 numbers from the sandbox over HTTP, local work timed apart.

    .venv/bin/python bench/bench_sync.py                         # SQLite, 10,000 then 100,000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/numbers_admin_syncbench \
        .venv/bin/python bench/bench_sync.py                     # PostgreSQL
    .venv/bin/python bench/bench_sync.py --sizes 5000 --write    # quick run, recorded

The sandbox is served by ``manage.py runsandbox`` in a child process on a free local port (a real
socket, the real client with its retries and mapping), on the same database. For each size the
bench seeds the sandbox's SignalWire space, then times through ``numbers_admin.actions.sync``:

1. the first sync (every number new: phonenumbers derivation + one INSERT per batch),
2. a re-sync with nothing changed (the routine case),
3. a re-sync after drift at the carrier (1 % renamed, 0.5 % released, 0.5 % bought),
4. the same re-sync again under ``tracemalloc`` (peak Python memory; not timed).

Time is split honestly. *Upstream* is the real client fetching every page over HTTP (the request,
the sandbox answering, JSON parsing, mapping to canonical dicts), timed on its own first. *Local*
is the sync run on those same canonical dicts, already in memory: everything the dashboard does
itself (fingerprints, phonenumbers derivation, the lookup per batch, comparisons, INSERT/UPDATE,
audit events, the gone pass). The sync overlaps its own preparation with its database writes, so
timing the iterator from inside a live sync would count some local work as upstream; this way
it cannot. "Local numbers/s" is N / local; "overall" is N / (upstream + local), a floor for a
live sync, which overlaps the two. Peak RSS growth during each sync is sampled from /proc.
``--write`` appends the figures to ``bench/RESULTS.md`` under "## Sync".
"""

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import cpu_model, free_port, sandbox_account, setup_django, start_sandbox  # noqa: E402 - needs ROOT on the path


class _RssPeak:
    """Samples the process's resident set every 50 ms; ``growth`` is peak minus start (MiB)."""

    def __init__(self):
        self.start = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth(self) -> float:
        return (self.peak - self.start) / 2**20


class _Fetched:
    """The canonical numbers the real client fetched, served again from memory."""

    def __init__(self, numbers):
        self.numbers = numbers

    def iter_numbers(self, page_size=1000):
        return iter(self.numbers)


def _fetch(account):
    from numbers_admin.upstream import client_for

    started = time.perf_counter()
    numbers = list(client_for(account).iter_numbers(page_size=1000))
    return numbers, time.perf_counter() - started


def _sync(account, *, trace=False):
    from numbers_admin.actions import sync

    numbers, upstream = _fetch(account)
    client = _Fetched(numbers)
    if trace:
        tracemalloc.start()
    with _RssPeak() as rss:
        started = time.perf_counter()
        job = sync.sync_now(account, client=client)
        local = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if job.status != "succeeded":
        raise SystemExit(f"sync failed: {job.message}")
    seen = job.summary["seen"]
    total = upstream + local
    return {
        "seen": seen,
        "total_s": total,
        "upstream_s": upstream,
        "local_s": local,
        "local_rate": seen / local if local else 0,
        "overall_rate": seen / total if total else 0,
        "rss_mib": rss.growth,
        "trace_peak_mib": peak,
        "summary": {k: job.summary[k] for k in ("new", "gone", "changed", "unchanged")},
    }


def _reset(account, size: int, seed: int):
    from django.db import connection

    from numbers_admin.models import AuditEvent, Job, PhoneNumber
    from numbers_admin.sandbox.models import SandboxNumber, SandboxRequest
    from numbers_admin.sandbox.seeding import seed_owned_numbers

    AuditEvent.objects.filter(account=account).delete()
    Job.objects.filter(account=account).delete()
    PhoneNumber.objects.filter(account=account).delete()
    SandboxNumber.objects.filter(space="signalwire").delete()
    SandboxRequest.objects.all().delete()
    type(account).objects.filter(pk=account.pk).update(last_synced_at=None)
    account.last_synced_at = None
    seed_owned_numbers("signalwire", size, seed=seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _drift(size: int, seed: int):
    """1 % renamed, 0.5 % released, 0.5 % bought at the carrier."""
    from django.utils import timezone

    from numbers_admin.sandbox.models import SandboxNumber
    from numbers_admin.sandbox.seeding import seed_owned_numbers

    ids = list(SandboxNumber.objects.filter(space="signalwire").values_list("id", flat=True))
    renamed = ids[: max(1, size // 100)]
    released = ids[len(renamed) : len(renamed) + max(1, size // 200)]
    SandboxNumber.objects.filter(id__in=renamed).update(
        name="Renamed at the carrier", updated_at=timezone.now()
    )
    SandboxNumber.objects.filter(id__in=released).delete()
    bought = seed_owned_numbers("signalwire", max(1, size // 200), seed=seed + 1)
    return len(renamed), len(released), bought


def _machine() -> str:
    cpu = cpu_model(platform.processor() or platform.machine())
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated sizes.")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write", action="store_true", help="Append to bench/RESULTS.md.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]

    setup_django("sync_bench.sqlite3")
    from django.db import connection

    vendor = connection.vendor
    port = free_port()
    proc, log = start_sandbox(port, "sync_bench_sandbox.log")
    results = []
    try:
        account = sandbox_account(port, "Bench sandbox space", 1000)
        for size in sizes:
            print(f"[{vendor}] seeding the sandbox with {size:,} numbers…", flush=True)
            _reset(account, size, args.seed)
            first = _sync(account)
            print(f"  first sync     {first}", flush=True)
            again = _sync(account)
            print(f"  re-sync        {again}", flush=True)
            renamed, released, bought = _drift(size, args.seed)
            drift = _sync(account)
            print(f"  drift re-sync  {drift}", flush=True)
            expected = {"new": bought, "gone": released, "changed": renamed}
            got = {k: drift["summary"][k] for k in expected}
            if got != expected:
                raise SystemExit(f"drift report {got} differs from the drift made {expected}")
            traced = _sync(account, trace=True)
            print(f"  traced re-sync peak {traced['trace_peak_mib']:.1f} MiB", flush=True)
            results.append((size, first, again, drift, traced))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    table = _table(vendor, results)
    print(table)
    if args.write:
        _write(vendor, table, " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]))


def _table(vendor, results) -> str:
    lines = [
        "| DB | N | run | total s | upstream s | local s | local numbers/s | overall numbers/s "
        "| RSS growth MiB | Python peak MiB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, first, again, drift, traced in results:
        for label, r in (
            ("first sync", first),
            ("re-sync, no change", again),
            ("re-sync, 2 % drift", drift),
        ):
            lines.append(
                f"| {vendor} | {size:,} | {label} | {r['total_s']:.2f} | {r['upstream_s']:.2f} "
                f"| {r['local_s']:.2f} | {r['local_rate']:,.0f} | {r['overall_rate']:,.0f} "
                f"| {r['rss_mib']:.1f} | |"
            )
        lines.append(
            f"| {vendor} | {size:,} | re-sync under tracemalloc | | | | | | "
            f"| {traced['trace_peak_mib']:.1f} |"
        )
    return "\n".join(lines)


def _write(vendor, table, command):
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    entry = (
        f"\n### Sync, {vendor}, {stamp}\n\n"
        f"- Machine: {_machine()} (shared with other work while it ran)\n"
        f"- Command: `{'DATABASE_URL=… ' if vendor != 'sqlite' else ''}"
        f".venv/bin/python {command}`\n\n{table}\n"
    )
    if "## Sync" not in text:
        text = text.rstrip("\n") + "\n\n## Sync\n"
        text += (
            "\nGoal: >= 20,000 numbers/s of local work for a sync of 100,000 numbers from the "
            "sandbox, with memory that stays flat. *Upstream* = the real client fetching every "
            "page (HTTP, the sandbox answering, JSON parsing, mapping); *local* = the sync "
            "run on those numbers from memory.\n"
        )
        text += entry
    else:
        # Insert at the end of the "## Sync" section, before the next "## " heading.
        head, _, rest = text.partition("## Sync")
        next_section = rest.find("\n## ")
        if next_section == -1:
            text = head + "## Sync" + rest.rstrip("\n") + "\n" + entry
        else:
            text = (
                head + "## Sync" + rest[:next_section].rstrip("\n") + "\n" + entry
                + rest[next_section:]
            )  # fmt: skip
    path.write_text(text)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
