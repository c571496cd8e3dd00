"""`manage.py runsandbox [addrport]`: serve only the sandbox upstream (development only).

Useful to point another copy of the dashboard, a script, or an SDK at a fake SignalWire Space and
Twilio account. The roots and credentials are printed at start.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve only the sandbox SignalWire Space and Twilio account (development only)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8100")
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply migrations first."
        )

    def handle(self, *args, addrport, no_migrate=False, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                "The sandbox exists only with DEBUG on. Run it as `python manage.py runsandbox`, "
                "which turns DEBUG on, and do not set SANDBOX_ENABLED=false."
            )
        if not no_migrate:
            call_command("migrate", verbosity=0, interactive=False)
        # Only the sandbox's routes: nothing of the dashboard is reachable from this server.
        settings.ROOT_URLCONF = "numbers_admin.sandbox.root_urls"
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        base = f"http://{host}/sandbox"
        out = self.stdout
        out.write(self.style.SUCCESS("Sandbox upstream"))
        out.write(f"  SignalWire Space root (api_root): {base}/signalwire")
        out.write(f"    REST API:          {base}/signalwire/api/relay/rest/phone_numbers")
        out.write(
            f"    Compatibility API: {base}/signalwire/api/laml/2010-04-01/Accounts/"
            f"{settings.SANDBOX_SIGNALWIRE_PROJECT_ID}/IncomingPhoneNumbers.json"
        )
        out.write(f"    Project ID: {settings.SANDBOX_SIGNALWIRE_PROJECT_ID}")
        out.write(f"    API token:  {settings.SANDBOX_SIGNALWIRE_TOKEN}")
        out.write(f"  Twilio root (api_root): {base}/twilio")
        out.write(
            f"    API: {base}/twilio/2010-04-01/Accounts/"
            f"{settings.SANDBOX_TWILIO_ACCOUNT_SID}/IncomingPhoneNumbers.json"
        )
        out.write(f"    Account SID: {settings.SANDBOX_TWILIO_ACCOUNT_SID}")
        out.write(f"    Auth token:  {settings.SANDBOX_TWILIO_AUTH_TOKEN}")
        out.write(f"  Release cooldown: {settings.SANDBOX_RELEASE_COOLDOWN_DAYS} days")
        call_command("runserver", host, use_reloader=False, use_threading=True)
