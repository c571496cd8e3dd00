import datetime as dt

import pytest

from numbers_admin.sandbox.models import SandboxNumber
from tests.sandbox.helpers import Api


@pytest.fixture
def api(client, db):
    return Api(client)


@pytest.fixture
def age():
    """Make a sandbox number look bought ``days`` ago (past or inside the release cooldown)."""

    def _age(number_id_or_sid, days):
        key = number_id_or_sid[2:] if number_id_or_sid.startswith("PN") else number_id_or_sid
        from django.utils import timezone

        when = timezone.now() - dt.timedelta(days=days)
        SandboxNumber.objects.filter(uid=key).update(created_at=when)

    return _age
