"""Roles are Django groups with model permissions, created by a data migration."""

import pytest
from django.contrib.auth.models import Group

from numbers_admin import roles
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_migration_creates_the_three_groups_with_their_permissions():
    for role, perms in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms)


@pytest.mark.parametrize(
    ("perm", "viewer", "support", "admin"),
    [
        ("numbers_admin.view_phonenumber", True, True, True),
        ("numbers_admin.view_auditevent", True, True, True),
        ("numbers_admin.change_phonenumber", False, True, True),
        ("numbers_admin.buy_phonenumber", False, False, True),
        ("numbers_admin.import_phonenumber", False, False, True),
        ("numbers_admin.release_phonenumber", False, False, True),
        ("numbers_admin.change_account", False, False, True),
        ("auth.add_user", False, False, True),
    ],
)
def test_role_grants(perm, viewer, support, admin):
    users = {
        "viewer": make_user("v", roles.VIEWER),
        "support": make_user("s", roles.SUPPORT),
        "admin": make_user("a", roles.ADMIN),
    }
    assert users["viewer"].has_perm(perm) is viewer
    assert users["support"].has_perm(perm) is support
    assert users["admin"].has_perm(perm) is admin


def test_role_needed_for_names_the_least_role():
    assert roles.role_needed_for("numbers_admin.view_phonenumber") == roles.VIEWER
    assert roles.role_needed_for("numbers_admin.change_phonenumber") == roles.SUPPORT
    assert roles.role_needed_for("numbers_admin.buy_phonenumber") == roles.ADMIN
