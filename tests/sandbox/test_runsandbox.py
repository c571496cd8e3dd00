"""`manage.py runsandbox`: prints the roots and credentials, serves only the sandbox."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from numbers_admin.management.commands import runsandbox
from tests.sandbox.helpers import SW_AUTH


@pytest.fixture
def served(monkeypatch):
    calls = []
    real = runsandbox.call_command

    def fake(name, *args, **kwargs):
        if name == "runserver":
            calls.append((args, kwargs))
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(runsandbox, "call_command", fake)
    return calls


@pytest.mark.django_db
def test_runsandbox_prints_roots_and_credentials(served, settings):
    # Through the fixture, so the command's own change of ROOT_URLCONF is undone afterwards.
    settings.ROOT_URLCONF = "numbers_admin.urls"
    out = StringIO()
    call_command("runsandbox", "127.0.0.1:9123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:9123/sandbox/signalwire" in text
    assert "http://127.0.0.1:9123/sandbox/twilio" in text
    assert settings.SANDBOX_SIGNALWIRE_PROJECT_ID in text
    assert settings.SANDBOX_SIGNALWIRE_TOKEN in text
    assert settings.SANDBOX_TWILIO_ACCOUNT_SID in text
    assert settings.SANDBOX_TWILIO_AUTH_TOKEN in text
    assert served == [(("127.0.0.1:9123",), {"use_reloader": False, "use_threading": True})]
    assert settings.ROOT_URLCONF == "numbers_admin.sandbox.root_urls"


@pytest.mark.django_db
def test_runsandbox_refuses_without_the_sandbox(served, settings):
    settings.SANDBOX_ENABLED = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("runsandbox", stdout=StringIO())
    assert served == []


@pytest.mark.django_db
@pytest.mark.urls("numbers_admin.sandbox.root_urls")
def test_sandbox_alone_serves_no_dashboard(client):
    assert client.get("/").status_code == 404
    assert client.get("/numbers/").status_code == 404
    response = client.get(
        "/sandbox/signalwire/api/relay/rest/phone_numbers", headers={"Authorization": SW_AUTH}
    )
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.urls("numbers_admin.sandbox.root_urls")
def test_sandbox_alone_has_no_faults_page(client):
    assert client.get("/sandbox/faults/").status_code == 404
