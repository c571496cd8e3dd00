from django.urls import path
from django.views.decorators.http import require_GET

from numbers_admin.roles import permission_required
from numbers_admin.views.shell import coming_soon


@require_GET
@permission_required("numbers_admin.change_account")
def account_list(request):
    return coming_soon(request, title="Accounts", text="Connect SignalWire and Twilio accounts.")


urlpatterns = [path("", account_list, name="list")]
