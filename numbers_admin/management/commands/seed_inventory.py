"""`manage.py seed_inventory --numbers N [--account NAME]`: a realistic sandbox and mirror.

Fills the account's sandbox space with N owned numbers (a spread of countries, types and
handlers), then brings the dashboard's mirror up to date with the same sync a user starts from
the Accounts page. The sync reads the sandbox in-process (each row rendered exactly as the
sandbox API renders it, then mapped by the upstream client's own mapping), so no web server has
to be running and a million numbers take minutes, not an HTTP round trip per page.

Without --account it uses the demo's sandbox accounts (created if missing).
"""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from numbers_admin.actions import sync
from numbers_admin.models import Account, Job, Provider


def sandbox_space(account: Account) -> str:
    """Which sandbox space an account points at ("signalwire" serves REST and Compatibility)."""
    from numbers_admin.sandbox.models import SIGNALWIRE, TWILIO

    return TWILIO if account.provider == Provider.TWILIO else SIGNALWIRE


class SandboxDirectClient:
    """The part of the upstream client interface a sync uses, reading the sandbox's own tables.

    Each row goes through the sandbox's wire rendering and the real client's mapping, so the
    canonical dicts are the ones ``client_for(account).iter_numbers()`` would yield over HTTP.
    """

    last_request_id = ""

    def __init__(self, account: Account):
        self.account = account
        self.provider = account.provider

    def ping(self) -> None:
        return None

    def iter_numbers(self, page_size: int = 1000):
        from numbers_admin.sandbox import wire
        from numbers_admin.sandbox.models import SandboxNumber
        from numbers_admin.upstream import mapping

        now = timezone.now()
        root_path = urlsplit(self.account.api_root).path.rstrip("/")
        rows = (
            SandboxNumber.objects.filter(space=sandbox_space(self.account))
            .order_by("-created_at", "-id")
            .iterator(chunk_size=max(page_size, 2000))
        )
        if self.provider == Provider.SIGNALWIRE_REST:
            for row in rows:
                yield mapping.rest_number(wire.rest_number(row, now))
        elif self.provider == Provider.SIGNALWIRE_COMPAT:
            prefix = root_path + "/api/laml"
            for row in rows:
                yield mapping.compat_number(wire.compat_number(row, prefix))
        else:
            for row in rows:
                yield mapping.compat_number(wire.twilio_number(row, root_path))


class Command(BaseCommand):
    help = "Fill the sandbox and the local mirror with N realistic numbers (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--numbers", type=int, required=True, help="How many numbers the space should get."
        )
        parser.add_argument("--account", help="An account that points at the sandbox.")
        parser.add_argument(
            "--seed", type=int, default=0, help="Change it to get different numbers."
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000/sandbox",
            help="Where the demo serves the sandbox (for the accounts created without --account).",
        )

    def handle(self, *args, numbers, account=None, seed=0, base_url, **options):
        self.verbosity = options.get("verbosity", 1)
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                "seed_inventory fills the sandbox, which exists only with DEBUG on "
                "(DEBUG=true SANDBOX_ENABLED=true)."
            )
        if numbers < 0:
            raise CommandError("--numbers must be 0 or more.")
        from numbers_admin.sandbox.seeding import seed_owned_numbers

        accounts = [self._named(account)] if account else self._demo_accounts(base_url)
        seeded_spaces = set()
        for acct in accounts:
            space = sandbox_space(acct)
            if space not in seeded_spaces:
                started = time.perf_counter()
                created = seed_owned_numbers(space, numbers, seed=seed)
                seeded_spaces.add(space)
                self._say(
                    f"Sandbox space “{space}”: {created:,} numbers added "
                    f"in {time.perf_counter() - started:.1f}s."
                )
            started = time.perf_counter()
            try:
                job = sync.sync_now(acct, client=SandboxDirectClient(acct))
            except sync.SyncAlreadyRunning as exc:
                raise CommandError(str(exc)) from None
            if job.status != Job.Status.SUCCEEDED:
                raise CommandError(f"{acct.name}: {job.message}")
            elapsed = time.perf_counter() - started
            self._say(f"{acct.name}: {job.message} ({elapsed:.1f}s)")

    def _say(self, text: str) -> None:
        if self.verbosity:
            self.stdout.write(text)

    def _named(self, name: str) -> Account:
        account = Account.objects.filter(name=name).first()
        if account is None:
            known = ", ".join(Account.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No account is called “{name}”. Accounts: {known}.")
        if "/sandbox" not in urlsplit(account.api_root).path:
            raise CommandError(
                f"“{name}” points at {account.api_root}, not at the sandbox; seed_inventory "
                "never writes to a real carrier account."
            )
        return account

    def _demo_accounts(self, base_url: str) -> list[Account]:
        from numbers_admin.management.commands.demo import sandbox_accounts

        accounts = []
        for spec in sandbox_accounts(base_url.rstrip("/")):
            token = spec.pop("token")
            account = Account.objects.filter(name=spec["name"]).first()
            if account is None:
                account = Account(**spec)
                account.set_token(token)
                account.save()
            accounts.append(account)
        return accounts
