"""Sandbox routes, mounted at /sandbox/ when settings.SANDBOX_ENABLED.

Roots: ``signalwire/api/relay/rest/…`` (Space REST API), ``signalwire/api/laml/2010-04-01/…``
(Compatibility API; ``.json`` optional as in practice) and ``twilio/2010-04-01/…``.
"""

from django.urls import path, re_path

from numbers_admin.sandbox import views_compat as compat
from numbers_admin.sandbox import views_faults, views_rest

app_name = "sandbox"

REST = "signalwire/api/relay/rest/"
LAML = r"^signalwire/api/laml/2010-04-01/Accounts/(?P<account_sid>[^/]+)/"
TW = r"^twilio/2010-04-01/Accounts/(?P<account_sid>[^/]+)/"
JSON = r"(?:\.json)?$"
UUIDISH = r"(?P<sid>[^/.]+)"
COUNTRY = r"(?P<country>[A-Za-z]{2})"

api_urlpatterns = [
    # SignalWire Space REST API
    path(REST + "phone_numbers", views_rest.phone_numbers, name="rest_phone_numbers"),
    path(REST + "phone_numbers/search", views_rest.search, name="rest_search"),
    path(REST + "phone_numbers/<str:number_id>", views_rest.phone_number, name="rest_number"),
    path(REST + "imported_phone_numbers", views_rest.imported_phone_numbers, name="rest_import"),
    re_path(r"^signalwire/api/relay/rest/(?P<rest>.*)$", views_rest.unknown),
    # SignalWire Compatibility API
    re_path(LAML + "IncomingPhoneNumbers" + JSON, compat.compat_incoming, name="compat_incoming"),
    re_path(LAML + "IncomingPhoneNumbers/" + UUIDISH + JSON, compat.compat_instance),
    re_path(LAML + "AvailablePhoneNumbers" + JSON, compat.compat_countries),
    re_path(LAML + "AvailablePhoneNumbers/" + COUNTRY + JSON, compat.compat_country),
    re_path(
        LAML + "AvailablePhoneNumbers/" + COUNTRY + r"/(?P<kind>[A-Za-z]+)" + JSON,
        compat.compat_search,
    ),
    re_path(LAML + "ImportedPhoneNumbers" + JSON, compat.compat_import, name="compat_import"),
    re_path(r"^signalwire/api/laml/(?P<rest>.*)$", compat.compat_unknown),
    # Twilio
    re_path(TW + "IncomingPhoneNumbers" + JSON, compat.twilio_incoming, name="twilio_incoming"),
    re_path(
        TW + r"IncomingPhoneNumbers/(?P<kind>Local|Mobile|TollFree)" + JSON,
        compat.twilio_incoming_kind,
    ),
    re_path(TW + "IncomingPhoneNumbers/" + UUIDISH + JSON, compat.twilio_instance),
    re_path(TW + "AvailablePhoneNumbers" + JSON, compat.twilio_countries),
    re_path(TW + "AvailablePhoneNumbers/" + COUNTRY + JSON, compat.twilio_country),
    re_path(
        TW + "AvailablePhoneNumbers/" + COUNTRY + r"/(?P<kind>[A-Za-z]+)" + JSON,
        compat.twilio_search,
    ),
    re_path(r"^twilio/(?P<rest>.*)$", compat.twilio_unknown),
]

urlpatterns = [path("faults/", views_faults.faults_page, name="faults"), *api_urlpatterns]
