from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.view_phonenumber")
def overview(request):
    return coming_soon(request, title="Overview", text="Totals by account, country and type.")


@require_GET
@permission_required("numbers_admin.view_auditevent")
def activity(request):
    return coming_soon(request, title="Activity", text="Every change, who made it and when.")


urlpatterns = [
    path("", overview, name="overview"),
    path("activity/", activity, name="activity"),
]
