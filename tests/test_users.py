"""The Users page: Admins add people with a role, change roles, and lock people out."""

from html import unescape

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from numbers_admin import roles
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NEW = {
    "username": "nina",
    "email": "nina@example.com",
    "role": roles.SUPPORT,
    "is_active": "on",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def test_admin_adds_a_user_who_can_then_sign_in_with_that_role(admin_client_, client):
    response = admin_client_.post(reverse("users:add"), NEW, follow=True)
    assert "nina can now sign in as Support." in response.content.decode()
    nina = User.objects.get(username="nina")
    assert roles.role_of(nina) == roles.SUPPORT
    assert nina.has_perm("numbers_admin.change_phonenumber")
    assert not nina.has_perm("numbers_admin.buy_phonenumber")
    assert nina.check_password("a-long-and-unusual-passphrase")


def test_each_mistake_is_named_on_its_field_and_nothing_is_created(admin_client_, admin_user):
    data = {
        **NEW,
        "username": admin_user.username.upper(),
        "password2": "something-else",
        "role": "",
    }
    html = admin_client_.post(reverse("users:add"), data).content.decode()
    assert f"“{admin_user.username.upper()}” is already taken" in html
    assert "The two passwords are not the same." in html
    assert "This field is required." in html
    weak = {**NEW, "password1": "12345678", "password2": "12345678"}
    assert (
        "This password is too common."
        in admin_client_.post(reverse("users:add"), weak).content.decode()
    )
    assert not User.objects.filter(username="nina").exists()


def test_changing_a_role_replaces_the_old_one_and_locking_out_stops_sign_in(admin_client_):
    sam = make_user("sammy", roles.SUPPORT)
    edit = {
        "username": "sammy",
        "email": "",
        "role": roles.VIEWER,
        "password1": "",
        "password2": "",
    }
    admin_client_.post(reverse("users:edit", args=[sam.pk]), {**edit, "is_active": "on"})
    sam = User.objects.get(pk=sam.pk)
    assert roles.role_of(sam) == roles.VIEWER
    assert list(sam.groups.values_list("name", flat=True)) == [roles.VIEWER]
    assert sam.check_password("correct-horse-battery")  # empty password fields keep it
    admin_client_.post(reverse("users:edit", args=[sam.pk]), edit)
    assert User.objects.get(pk=sam.pk).is_active is False


def test_an_admin_cannot_lock_themselves_out(admin_client_, admin_user):
    data = {"username": admin_user.username, "email": "", "role": roles.VIEWER, "is_active": "on"}
    html = unescape(
        admin_client_.post(reverse("users:edit", args=[admin_user.pk]), data).content.decode()
    )
    assert "You can't lock yourself out or take away your own Admin role." in html
    assert roles.role_of(User.objects.get(pk=admin_user.pk)) == roles.ADMIN


@pytest.mark.parametrize("role", [roles.VIEWER, roles.SUPPORT])
def test_only_admins_manage_users(client, role):
    client.force_login(make_user("someone", role))
    response = client.get(reverse("users:list"))
    assert response.status_code == 403
    assert "This needs the Admin role" in response.content.decode()
    assert client.post(reverse("users:add"), NEW).status_code == 403
    assert not User.objects.filter(username="nina").exists()


def test_the_list_shows_roles_and_who_is_locked_out(admin_client_):
    locked = make_user("old-timer", roles.VIEWER)
    locked.is_active = False
    locked.save()
    html = admin_client_.get(reverse("users:list")).content.decode()
    assert "old-timer" in html and "Locked out" in html
    assert ">Users</a>" in html.split('aria-label="Main"')[1].split("</nav>")[0]
