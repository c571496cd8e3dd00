from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.import_phonenumber")
def start(request):
    return coming_soon(request, title="Import numbers", text="Bring numbers hosted elsewhere.")


urlpatterns = [path("", start, name="start")]
