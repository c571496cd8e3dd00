"""Settings fail loudly on bad values, and production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from numbers_admin.env import env_bool, env_float, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-secret-key-for-tests-only-0123456789abcdefghijkl",
    "TOKEN_ENCRYPTION_KEYS": "zbLuvWq0b8mQ1qj4Kx6Gk3yH2oJ4nV1Jm8Pq6Rr2Tt0=",
    "ALLOWED_HOSTS": "numbers.example.com",
}


def _manage(*args, env_overrides):
    # The test harness's own switches (the browser tests allow sync ORM calls) are not production.
    harness = {"DEBUG", "TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in harness}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_bool_rejects_typos(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='ture' is not a yes/no value"):
        env_bool("SOME_FLAG", False)


def test_env_bool_reads_common_spellings(monkeypatch):
    for text, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("SOME_FLAG", text)
        assert env_bool("SOME_FLAG", not expected) is expected


def test_env_int_and_float_reject_garbage_and_small_values(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="minimum is 0"):
        env_int("N", 1, minimum=0)
    monkeypatch.setenv("F", "fast")
    with pytest.raises(ImproperlyConfigured, match="not a number"):
        env_float("F", 1.0)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example.com, b.example.com ,")
    assert env_list("HOSTS", []) == ["a.example.com", "b.example.com"]


def test_secret_key_is_required_without_debug():
    env = dict(PRODUCTION_ENV)
    del env["SECRET_KEY"]
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_token_keys_are_required_without_debug():
    env = dict(PRODUCTION_ENV)
    del env["TOKEN_ENCRYPTION_KEYS"]
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS is required" in result.stderr


def test_a_bad_token_key_fails_the_system_check():
    result = _manage("check", env_overrides={**PRODUCTION_ENV, "TOKEN_ENCRYPTION_KEYS": "short"})
    assert result.returncode != 0
    assert "numbers_admin.E001" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_sandbox_is_off_in_production_settings():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "print('SANDBOX', settings.SANDBOX_ENABLED)\n"
        "try:\n    resolve('/sandbox/twilio/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json')\n"
        "    print('ROUTED')\nexcept Resolver404:\n    print('NOT ROUTED')",
        env_overrides={**PRODUCTION_ENV, "SANDBOX_ENABLED": "true"},
    )
    assert result.returncode == 0, result.stderr
    assert "SANDBOX False" in result.stdout
    assert "NOT ROUTED" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_request_keeps_the_database_connection_for_the_next(settings):
    # Through Django's WSGI handler, as gunicorn calls it (the test Client skips the closing).
    # Opening a SQLite connection and running its pragmas cost ~1.9 ms of every request.
    import io

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    connection.ensure_connection()
    opened = connection.connection
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/login/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    response = WSGIHandler()(environ, lambda status, headers: None)
    b"".join(response)
    response.close()

    assert connection.connection is opened
