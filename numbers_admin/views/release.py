"""Placeholder routes (so other pages can link here) until the release pages land."""

from django.urls import path
from django.views.decorators.http import require_http_methods

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_http_methods(["GET", "POST"])
@permission_required("numbers_admin.release_phonenumber")
def placeholder(request, **kwargs):
    return coming_soon(request, title="Release", text="Release numbers you no longer need.")


urlpatterns = [
    path("<int:pk>/release/", placeholder, name="confirm"),
    path("bulk/release/", placeholder, name="bulk"),
]
