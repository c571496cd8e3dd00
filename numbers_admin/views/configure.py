"""Placeholder routes (so other pages can link here) until the configure pages land."""

from django.urls import path
from django.views.decorators.http import require_http_methods

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_http_methods(["GET", "POST"])
@permission_required("numbers_admin.change_phonenumber")
def placeholder(request, **kwargs):
    return coming_soon(request, title="Configure", text="Change where calls and messages go.")


urlpatterns = [
    path("<int:pk>/configure/", placeholder, name="edit"),
    path("<int:pk>/rollback/<int:event_id>/", placeholder, name="rollback"),
    path("bulk/configure/", placeholder, name="bulk"),
    path("bulk/replace/", placeholder, name="replace"),
]
