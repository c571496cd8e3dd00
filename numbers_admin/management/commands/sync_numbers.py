"""`manage.py sync_numbers [--account NAME]`: sync now, in this process, for schedulers (cron)."""

from django.core.management.base import BaseCommand, CommandError

from numbers_admin.actions import sync
from numbers_admin.models import Account, Job


class Command(BaseCommand):
    help = (
        "Bring the local mirror up to date with the carrier for one account or every enabled "
        "account, and print what drifted. Exits non-zero if any sync failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", help="The account's name (default: every enabled one).")

    def handle(self, *args, account=None, **options):
        if account:
            accounts = list(Account.objects.filter(name=account))
            if not accounts:
                known = ", ".join(Account.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No account is called “{account}”. Accounts: {known}.")
            if not accounts[0].is_enabled:
                raise CommandError(f"“{account}” is disabled; enable it before syncing.")
        else:
            accounts = list(Account.objects.filter(is_enabled=True))
            if not accounts:
                self.stdout.write("No enabled accounts to sync.")
                return
        failures = 0
        for acct in accounts:
            try:
                job = sync.sync_now(acct)
            except sync.SyncAlreadyRunning as exc:
                self.stderr.write(str(exc))
                failures += 1
                continue
            if job.status == Job.Status.SUCCEEDED:
                self.stdout.write(self.style.SUCCESS(f"{acct.name}: {job.message}"))
                self._print_samples(job.summary)
            else:
                failures += 1
                self.stderr.write(f"{acct.name}: {job.message}")
        if failures:
            raise CommandError(f"{failures} of {len(accounts)} syncs did not finish.")

    def _print_samples(self, summary):
        if summary.get("initial"):
            return
        samples = summary.get("samples", {})
        labels = [
            ("new", "New at the carrier"),
            ("gone", "Gone from the carrier"),
            ("changed", "Changed there"),
        ]
        for key, label in labels:
            entries = samples.get(key) or []
            if not entries:
                continue
            shown = [
                f"{e['number']} ({', '.join(e['fields'])})" if isinstance(e, dict) else e
                for e in entries
            ]
            more = summary.get(key, 0) - len(entries)
            suffix = f" and {more:,} more" if more > 0 else ""
            self.stdout.write(f"  {label}: {', '.join(shown)}{suffix}")
