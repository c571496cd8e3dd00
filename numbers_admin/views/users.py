"""Users of the dashboard (Admin role): add people, give them a role, lock them out."""

from django.contrib import messages
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from numbers_admin import roles
from numbers_admin.forms.users import UserForm

PERM = "auth.change_user"


@require_GET
@roles.permission_required(PERM)
def user_list(request):
    users = User.objects.order_by("username").prefetch_related("groups")
    rows = [{"user": u, "role": roles.role_of(u)} for u in users]
    return render(request, "users/list.html", {"rows": rows, "title": "Users"})


@require_http_methods(["GET", "POST"])
@roles.permission_required("auth.add_user")
def user_add(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = User.objects.create_user(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                is_active=form.cleaned_data["is_active"],
            )
            _set_role(user, form.cleaned_data["role"])
        messages.success(request, f"{user.username} can now sign in as {_role(form)}.")
        return redirect("users:list")
    return render(request, "users/form.html", {"form": form, "title": "Add a user"})


@require_http_methods(["GET", "POST"])
@roles.permission_required(PERM)
def user_edit(request, pk):
    user = get_object_or_404(User, pk=pk)
    initial = {
        "username": user.username,
        "email": user.email,
        "role": roles.role_of(user) if roles.role_of(user) in roles.ROLE_PERMISSIONS else "",
        "is_active": user.is_active,
    }
    form = UserForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        if user == request.user and (
            not form.cleaned_data["is_active"] or form.cleaned_data["role"] != roles.ADMIN
        ):
            form.add_error("role", "You can't lock yourself out or take away your own Admin role.")
        else:
            with transaction.atomic():
                user.username = form.cleaned_data["username"]
                user.email = form.cleaned_data["email"]
                user.is_active = form.cleaned_data["is_active"]
                if form.cleaned_data["password1"]:
                    user.set_password(form.cleaned_data["password1"])
                user.save()
                _set_role(user, form.cleaned_data["role"])
            messages.success(request, f"Saved {user.username}: {_role(form)}.")
            return redirect("users:list")
    return render(
        request, "users/form.html", {"form": form, "title": f"Edit {user.username}", "edited": user}
    )


def _set_role(user: User, role: str) -> None:
    """Exactly one of the three role groups; other groups are left as they are."""
    user.groups.remove(*Group.objects.filter(name__in=roles.ROLE_PERMISSIONS))
    user.groups.add(Group.objects.get(name=role))


def _role(form) -> str:
    return form.cleaned_data["role"] if form.cleaned_data["is_active"] else "locked out"


urlpatterns = [
    path("", user_list, name="list"),
    path("add/", user_add, name="add"),
    path("<int:pk>/", user_edit, name="edit"),
]
