from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.view_phonenumber")
def number_list(request):
    return coming_soon(request, title="Numbers", text="Search every number you hold.")


urlpatterns = [path("", number_list, name="list")]
