"""Placeholder routes until job progress pages land."""

from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.view_job")
def detail(request, pk):
    return coming_soon(request, title="Job", text="Progress of background work.")


urlpatterns = [path("<int:pk>/", detail, name="detail")]
