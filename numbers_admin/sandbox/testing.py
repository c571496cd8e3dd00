"""Helpers for tests that need to know what reached the sandbox.

from numbers_admin.sandbox.testing import requests_to
assert requests_to("signalwire", "POST", "/phone_numbers").count() == 1
"""

from numbers_admin.sandbox.models import SandboxRequest


def requests_to(space: str, method: str | None = None, path_contains: str | None = None):
    """The logged requests to ``space`` (oldest first), optionally by method and path text."""
    qs = SandboxRequest.objects.filter(space=space)
    if method:
        qs = qs.filter(method=method.upper())
    if path_contains:
        qs = qs.filter(path__contains=path_contains)
    return qs.order_by("id")


class RequestLog:
    """What the ``sandbox_requests`` fixture hands to a test."""

    def to(self, space, method=None, path_contains=None):
        return requests_to(space, method, path_contains)

    def count(self, space, method=None, path_contains=None) -> int:
        return requests_to(space, method, path_contains).count()

    def last(self, space, method=None, path_contains=None):
        return requests_to(space, method, path_contains).last()

    def clear(self) -> None:
        SandboxRequest.objects.all().delete()
