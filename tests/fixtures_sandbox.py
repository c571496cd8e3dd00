"""Sandbox fixtures for every test that needs an upstream (registered in tests/conftest.py).

The sandbox is served by pytest-django's ``live_server`` (a real socket on 127.0.0.1), so these
fixtures use ``transactional_db``: the server thread only sees committed rows.

- ``sandbox_root``: e.g. ``http://localhost:PORT/sandbox``
- ``signalwire_account`` / ``compat_account`` / ``twilio_account``: saved ``Account`` rows pointing
  at the sandbox with the sandbox credentials (REST and Compatibility share one Space).
- ``sandbox_faults``: ``.inject(space, kind, count=…, **params)``, ``.clear()``,
  ``.import_enabled(space, bool)``, ``.search_shape(space, "observed"|"spec")``
- ``sandbox_requests``: ``.to(space, method, path_contains)`` → queryset, ``.count(…)``, ``.last(…)``
"""

import pytest
from django.conf import settings

from numbers_admin.models import Account, Provider
from numbers_admin.sandbox import faults
from numbers_admin.sandbox.testing import RequestLog


@pytest.fixture
def sandbox_root(live_server, transactional_db):
    return live_server.url + "/sandbox"


def _account(name, provider, api_root, project_id, token):
    account = Account(name=name, provider=provider, api_root=api_root, project_id=project_id)
    account.set_token(token)
    account.save()
    return account


@pytest.fixture
def signalwire_account(sandbox_root):
    return _account(
        "SW REST",
        Provider.SIGNALWIRE_REST,
        sandbox_root + "/signalwire",
        settings.SANDBOX_SIGNALWIRE_PROJECT_ID,
        settings.SANDBOX_SIGNALWIRE_TOKEN,
    )


@pytest.fixture
def compat_account(sandbox_root):
    return _account(
        "SW Compat",
        Provider.SIGNALWIRE_COMPAT,
        sandbox_root + "/signalwire",
        settings.SANDBOX_SIGNALWIRE_PROJECT_ID,
        settings.SANDBOX_SIGNALWIRE_TOKEN,
    )


@pytest.fixture
def twilio_account(sandbox_root):
    return _account(
        "Twilio",
        Provider.TWILIO,
        sandbox_root + "/twilio",
        settings.SANDBOX_TWILIO_ACCOUNT_SID,
        settings.SANDBOX_TWILIO_AUTH_TOKEN,
    )


class _Faults:
    """Thin wrapper over numbers_admin.sandbox.faults, cleared after each test."""

    inject = staticmethod(faults.inject)

    def clear(self, space=None):
        faults.clear(space)

    def import_enabled(self, space, enabled):
        faults.set_import_enabled(space, enabled)

    def search_shape(self, space, shape):
        faults.set_search_shape(space, shape)


@pytest.fixture
def sandbox_faults(transactional_db):
    helper = _Faults()
    yield helper
    helper.clear()


@pytest.fixture
def sandbox_requests(transactional_db):
    return RequestLog()
