from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.buy_phonenumber")
def start(request):
    return coming_soon(request, title="Buy numbers", text="Find and buy new numbers.")


urlpatterns = [path("", start, name="start")]
