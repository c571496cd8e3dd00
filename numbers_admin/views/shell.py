"""The page shell's own views: health check and the error pages."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request, exception=None):
    reason = (
        str(exception)
        if exception and str(exception)
        else ("Your role does not allow this. Ask an admin if you need it.")
    )
    return render(request, "403.html", {"reason": reason}, status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "404.html", {}, status=404)


def coming_soon(request, *, title: str, text: str):
    """An honest empty state for an area whose pages have not landed yet."""
    return render(request, "coming_soon.html", {"title": title, "text": text})
