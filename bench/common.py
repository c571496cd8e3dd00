"""What the benchmarks share: Django set up on a bench database, and the sandbox served by
``manage.py runsandbox`` in a child process on a free local port (a real socket, so the real
client with its retries and error mapping is measured)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def setup_django(db_file: str, *, tasks_backend: str = "") -> None:
    """Django on ``DATABASE_URL`` (default: ``bench/out/<db_file>``), migrated, DEBUG off.

    The sandbox needs DEBUG at start-up; the timed code must not pay for query logging."""
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "numbers_admin.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / db_file}")
    if tasks_backend:
        os.environ.setdefault("TASKS_BACKEND", tasks_backend)
    OUT.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    settings.DEBUG = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandbox(port: int, log_name: str):
    """The sandbox server's process and its open log file (the caller stops and closes them),
    once it accepts connections."""
    log = open(OUT / log_name, "w")  # noqa: SIM115 - closed by the caller
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runsandbox", f"127.0.0.1:{port}", "--no-migrate"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, log
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"The sandbox server did not start; see bench/out/{log_name}")


def sandbox_account(port: int, name: str, requests_per_second: float):
    """The Account for the sandbox's SignalWire space served on ``port``, created or updated."""
    from django.conf import settings

    from numbers_admin.models import Account, Provider

    account, _ = Account.objects.update_or_create(
        name=name,
        defaults={
            "provider": Provider.SIGNALWIRE_REST,
            "api_root": f"http://127.0.0.1:{port}/sandbox/signalwire",
            "project_id": settings.SANDBOX_SIGNALWIRE_PROJECT_ID,
            "requests_per_second": requests_per_second,
        },
    )
    account.set_token(settings.SANDBOX_SIGNALWIRE_TOKEN)
    account.save()
    return account


def cpu_model(fallback: str) -> str:
    """The CPU's model name from /proc/cpuinfo, else ``fallback``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return fallback
