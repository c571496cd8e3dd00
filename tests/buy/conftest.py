from tests.buy.fakes import fake_client, live_admin  # noqa: F401
