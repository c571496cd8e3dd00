"""The three roles, as Django groups built on model permissions.

``ROLE_PERMISSIONS`` is the single source for what each role may do; the data migration and the
``demo`` command apply it with ``sync_roles``. Each role includes everything of the one before.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

VIEWER = "Viewer"
SUPPORT = "Support"
ADMIN = "Admin"

_VIEWER = [
    "numbers_admin.view_phonenumber",
    "numbers_admin.view_account",
    "numbers_admin.view_auditevent",
    "numbers_admin.view_job",
    "numbers_admin.view_tag",
]
_SUPPORT = [
    *_VIEWER,
    "numbers_admin.change_phonenumber",
    "numbers_admin.add_tag",
]
_ADMIN = [
    *_SUPPORT,
    "numbers_admin.buy_phonenumber",
    "numbers_admin.import_phonenumber",
    "numbers_admin.release_phonenumber",
    "numbers_admin.add_account",
    "numbers_admin.change_account",
    "numbers_admin.delete_account",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
]

ROLE_PERMISSIONS = {VIEWER: _VIEWER, SUPPORT: _SUPPORT, ADMIN: _ADMIN}


def role_needed_for(perm: str) -> str:
    """The least role that holds ``perm`` (for the 403 page's sentence)."""
    for role in (VIEWER, SUPPORT, ADMIN):
        if perm in ROLE_PERMISSIONS[role]:
            return role
    return "superuser"


def sync_roles(group_model, permission_model) -> None:
    """Create or update the three groups so they hold exactly their permissions."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def role_of(user) -> str:
    """The highest role a user has, for display."""
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    for role in (ADMIN, SUPPORT, VIEWER):
        if role in names:
            return role
    return "No role"


def permission_required(perm: str):
    """Like Django's decorator, but a user without the permission gets a 403 that names the role
    needed, instead of a redirect to the login page they are already past."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied(
                    f"This needs the {role_needed_for(perm)} role. Ask an admin if you need it."
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
