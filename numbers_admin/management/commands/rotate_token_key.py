"""`manage.py rotate_token_key`: re-encrypt every saved upstream token with the newest key.

Rotation: put the new key first in TOKEN_ENCRYPTION_KEYS (keep the old one after it), run this,
then remove the old key. A token no configured key can read stops the run before anything is
written, and names the account so that its token can be entered again.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from numbers_admin import crypto
from numbers_admin.models import Account


class Command(BaseCommand):
    help = "Re-encrypt every upstream token with the first key in TOKEN_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        accounts = list(Account.objects.exclude(token_encrypted="").order_by("name"))
        rotated = []
        unreadable = []
        for account in accounts:
            try:
                rotated.append((account, crypto.reencrypt_token(account.token_encrypted)))
            except crypto.TokenUnreadable:
                unreadable.append(account.name)
        if unreadable:
            raise CommandError(
                "No configured key can read the token of: "
                + ", ".join(f"“{name}”" for name in unreadable)
                + ". Nothing was changed. Add the old key back to TOKEN_ENCRYPTION_KEYS (after "
                "the new one), or enter those tokens again on the Accounts page."
            )
        with transaction.atomic():
            for account, cipher in rotated:
                Account.objects.filter(pk=account.pk).update(token_encrypted=cipher)
        skipped = Account.objects.filter(token_encrypted="").count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {len(rotated)} token(s) with the newest key"
                + (f"; {skipped} account(s) have no token." if skipped else ".")
            )
        )
        if len(rotated):
            self.stdout.write("You can now remove the old key from TOKEN_ENCRYPTION_KEYS.")
