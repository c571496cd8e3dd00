"""A pytest plugin (``-p numbers_admin.testing`` in pyproject) that sets the test environment.

pytest-django loads settings before any conftest is imported, so the defaults the suite needs must
be in place earlier than that: this module is imported as a plugin, first.
"""

import os

TEST_ENVIRONMENT = {
    # The sandbox upstream exists only with DEBUG on; pytest-django still runs tests with
    # settings.DEBUG = False, as in production.
    "DEBUG": "true",
    "TASKS_BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
    "UPSTREAM_CONNECT_TIMEOUT": "2",
    "UPSTREAM_READ_TIMEOUT": "5",
}

for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
