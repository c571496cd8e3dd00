"""URLconf for ``manage.py runsandbox``: the sandbox's APIs alone.

The faults page is left out: it is a dashboard page (sign-in, Admin role, the page shell), so it
lives in the demo; with runsandbox use ``numbers_admin.sandbox.faults`` from Python instead.
"""

from django.http import HttpResponseNotFound
from django.urls import include, path

from numbers_admin.sandbox.urls import api_urlpatterns

urlpatterns = [path("sandbox/", include((api_urlpatterns, "sandbox")))]


def not_found(request, exception=None):
    return HttpResponseNotFound(
        "Not found. This server runs only the sandbox upstream, under /sandbox/.",
        content_type="text/plain",
    )


handler404 = not_found
