from tests.buy.fakes import fake_client  # noqa: F401
