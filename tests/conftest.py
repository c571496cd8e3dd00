"""Fixtures every test module can use: users per role, logged-in clients, and no internet."""

import socket

import pytest
from django.contrib.auth.models import Group, User

from numbers_admin import roles

pytest_plugins = ["tests.fixtures_sandbox"]

_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}
_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _host_of(address):
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # unix socket path


def _guarded_connect(sock, address):
    host = _host_of(address)
    if host is not None and host not in _LOCAL_HOSTS:
        raise OSError(f"Tests may not reach the network: tried to connect to {address!r}")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _no_internet():
    """Any connection to a host other than this machine fails the test that made it."""
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


def make_user(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-battery")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db):
    return make_user("vera", roles.VIEWER)


@pytest.fixture
def support(db):
    return make_user("sam", roles.SUPPORT)


@pytest.fixture
def admin_user(db):
    return make_user("ada", roles.ADMIN)


@pytest.fixture
def no_role_user(db):
    return make_user("nobody", None)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


@pytest.fixture
def admin_client_(client, admin_user):
    """A client logged in as a user with the Admin role (not a superuser)."""
    client.force_login(admin_user)
    return client
