from django.apps import AppConfig
from django.core import checks


class NumbersAdminConfig(AppConfig):
    name = "numbers_admin"
    verbose_name = "Numbers admin"

    def ready(self):
        checks.register(check_token_keys, checks.Tags.security)


def check_token_keys(app_configs, **kwargs):
    """Every TOKEN_ENCRYPTION_KEYS entry must be a usable Fernet key, or no token can be read."""
    from cryptography.fernet import Fernet
    from django.conf import settings

    errors = []
    for position, key in enumerate(settings.TOKEN_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"Key {position} in TOKEN_ENCRYPTION_KEYS is not a Fernet key "
                    "(32 url-safe base64-encoded bytes).",
                    id="numbers_admin.E001",
                )
            )
    return errors
