"""`manage.py demo [addrport]`: a working dashboard on a laptop, with no carrier account.

Migrates, creates the roles and the demo users, connects a sandbox SignalWire Space and a sandbox
Twilio account, seeds a realistic inventory, then runs the web server and a task worker together
until Ctrl-C.
"""

import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from numbers_admin import roles
from numbers_admin.models import Account, Provider

DEMO_USERS = [("admin", roles.ADMIN), ("support", roles.SUPPORT), ("viewer", roles.VIEWER)]


def sandbox_accounts(base_url: str) -> list[dict]:
    """The upstream accounts the demo connects, all served by this process's sandbox."""
    return [
        {
            "name": "Sandbox SignalWire Space",
            "provider": Provider.SIGNALWIRE_REST,
            "api_root": f"{base_url}/signalwire",
            "project_id": settings.SANDBOX_SIGNALWIRE_PROJECT_ID,
            "token": settings.SANDBOX_SIGNALWIRE_TOKEN,
        },
        {
            "name": "Sandbox Twilio",
            "provider": Provider.TWILIO,
            "api_root": f"{base_url}/twilio",
            "project_id": settings.SANDBOX_TWILIO_ACCOUNT_SID,
            "token": settings.SANDBOX_TWILIO_AUTH_TOKEN,
        },
    ]


class Command(BaseCommand):
    help = "Run the dashboard with demo users and a seeded sandbox upstream (development only)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--numbers", type=int, default=400, help="Numbers to seed per sandbox account."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, then exit."
        )

    def handle(self, *args, addrport, numbers, no_serve, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                "The demo needs the sandbox upstream, which runs only with DEBUG on "
                "(DEBUG=true SANDBOX_ENABLED=true)."
            )
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        base_url = f"http://{host if host not in ('0.0.0.0', '') else '127.0.0.1'}:{port}/sandbox"

        call_command("migrate", interactive=False, verbosity=0)
        roles.sync_roles(Group, Permission)
        logins = self._create_users()
        accounts = self._connect_accounts(base_url)
        for account in accounts:
            if not account.numbers.exists():
                self.stdout.write(f"Seeding {numbers} numbers into “{account.name}”…")
                call_command("seed_inventory", numbers=numbers, account=account.name, verbosity=0)

        # Bulk jobs a previous run left half-done continue when the worker starts.
        call_command("resume_jobs", stdout=self.stdout)
        self._print_welcome(host, port, logins)
        if no_serve:
            return
        self._serve(addrport)

    def _create_users(self) -> list[tuple[str, str, str]]:
        chosen = settings.DEMO_PASSWORD
        logins = []
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created or chosen:
                password = chosen or secrets.token_urlsafe(9)
                user.set_password(password)
                user.is_staff = user.is_superuser = username == "admin"
                user.save()
                shown = password
            else:
                shown = "(unchanged — set DEMO_PASSWORD to reset)"
            user.groups.set([Group.objects.get(name=role)])
            logins.append((username, role, shown))
        return logins

    def _connect_accounts(self, base_url: str) -> list[Account]:
        accounts = []
        for spec in sandbox_accounts(base_url):
            token = spec.pop("token")
            account, _ = Account.objects.update_or_create(name=spec["name"], defaults=spec)
            account.set_token(token)
            account.save(update_fields=["token_encrypted"])
            accounts.append(account)
        return accounts

    def _print_welcome(self, host, port, logins):
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"numbers_admin demo: http://{shown_host}:{port}/"))
        self.stdout.write("Sign in as:")
        for username, role, password in logins:
            self.stdout.write(f"  {username:<8} {role:<8} password: {password}")
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _serve(self, addrport):
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-reload"],
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
        )
        try:
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        except KeyboardInterrupt:
            pass
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
