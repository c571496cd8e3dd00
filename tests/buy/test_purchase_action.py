"""The purchase action: recorded before sending, never sent twice, unknown outcomes settled."""

import uuid

import pytest

from numbers_admin.actions import purchase as actions
from numbers_admin.models import AuditEvent, Operation, PhoneNumber
from tests.buy.fakes import make_account

pytestmark = pytest.mark.django_db


def buy(account, client, number="+14155550100", key=None, **kw):
    return actions.purchase(
        account=account, number=number, key=key or uuid.uuid4(), client=client, **kw
    )


def test_purchase_records_operation_mirror_and_audit(fake_client):
    account = make_account()
    outcome = buy(account, fake_client, config={"name": "Front desk"})
    assert outcome.state == Operation.State.SUCCEEDED
    assert fake_client.count("purchase") == 1
    row = PhoneNumber.objects.get(number="+14155550100")
    assert row.name == "Front desk" and row.account == account
    event = AuditEvent.objects.get(action="purchase")
    assert event.outcome == "success" and event.request_id == "req-1"
    assert "Bought +1 415-555-0100" in outcome.message


def test_purchase_twice_with_same_key_buys_once(fake_client):
    account = make_account()
    key = uuid.uuid4()
    first = buy(account, fake_client, key=key)
    second = buy(account, fake_client, key=key)
    assert fake_client.count("purchase") == 1
    assert second.operation.pk == first.operation.pk
    assert not second.sent_by_us and second.state == Operation.State.SUCCEEDED


def test_second_admin_with_other_key_sees_first_outcome(fake_client):
    account = make_account()
    buy(account, fake_client)
    second = buy(account, fake_client)
    assert fake_client.count("purchase") == 1
    assert second.state == Operation.State.SUCCEEDED and not second.sent_by_us


def test_open_operation_for_same_number_blocks_a_second_key(fake_client):
    account = make_account()
    Operation.objects.create(
        kind="purchase", account=account, number="+14155550100", state="sending"
    )
    actions.SETTLE_WAIT_SECONDS = 0.2
    try:
        outcome = buy(account, fake_client)
    finally:
        actions.SETTLE_WAIT_SECONDS = 8.0
    assert fake_client.count("purchase") == 0
    assert outcome.is_open and not outcome.sent_by_us


@pytest.mark.parametrize("fault", ["timeout", "5xx", "dropped", "commit_then_fail"])
def test_lost_answer_is_settled_by_lookup_as_bought(fake_client, fault):
    account = make_account()
    fake_client.fail_next(fault)
    outcome = buy(account, fake_client)
    assert outcome.state == Operation.State.SUCCEEDED
    assert PhoneNumber.objects.filter(number="+14155550100", account=account).exists()
    outcomes = list(AuditEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["unknown", "success"]
    settled = AuditEvent.objects.order_by("id").last()
    assert settled.changes == {"outcome": ["unknown", "success"]}
    assert "we checked the account" in settled.message


def test_lost_answer_when_number_not_there_is_failed_and_retry_allowed(fake_client):
    account = make_account()
    fake_client.fail_next("5xx")
    # The answer was lost AND nothing happened: emulate by removing what the fake made.
    fake_client.purchase = _lossy(fake_client)
    outcome = buy(account, fake_client)
    assert outcome.state == Operation.State.FAILED
    assert "nothing was bought" in outcome.message
    assert not PhoneNumber.objects.exists()
    # A new confirmation may try again now.
    fake_client.purchase = type(fake_client).purchase.__get__(fake_client)
    again = buy(account, fake_client)
    assert again.state == Operation.State.SUCCEEDED


def _lossy(client):
    real = client.purchase

    def purchase(number="", **kw):
        try:
            return real(number, **kw)
        except Exception:
            client.owned.pop(number, None)
            raise

    return purchase


def test_lost_answer_and_failed_lookup_stays_unknown_and_blocks_resend(fake_client):
    account = make_account()
    fake_client.fail_next("timeout")
    fake_client.lookup_fails = True
    outcome = buy(account, fake_client)
    assert outcome.state == Operation.State.UNKNOWN
    assert "Nothing will be sent again" in outcome.message
    # Another admin tries: nothing is sent; the lookup runs again and now settles it.
    fake_client.lookup_fails = False
    second = buy(account, fake_client)
    assert fake_client.count("purchase") == 1
    assert second.state == Operation.State.SUCCEEDED


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("429", "asked us to slow down"),
        ("5xx_before", "could not be reached"),
        ("not_available", "no longer available"),
    ],
)
def test_clear_failures_are_recorded_and_explained(fake_client, fault, words):
    account = make_account()
    fake_client.fail_next(fault)
    outcome = buy(account, fake_client)
    assert outcome.state == Operation.State.FAILED
    assert words in outcome.message
    assert AuditEvent.objects.get().outcome == "failed"
    assert not PhoneNumber.objects.exists()


def test_rest_config_failure_after_purchase_is_not_a_failed_purchase(fake_client):
    account = make_account()
    real = fake_client.purchase

    def purchase(number="", **kw):
        result = real(number, **kw)
        result["config_error"] = "URL refused"
        return result

    fake_client.purchase = purchase
    outcome = buy(account, fake_client, config={"call_request_url": "https://x.example/v"})
    assert outcome.state == Operation.State.SUCCEEDED
    assert "could not be set (URL refused)" in outcome.message


def test_stale_sending_operation_is_looked_up_not_resent(fake_client):
    from datetime import timedelta

    from django.utils import timezone

    account = make_account()
    # A server died after sending: the carrier has the number, the record says "sending".
    fake_client.owned["+14155550100"] = fake_client._canonical("+14155550100")
    op = Operation.objects.create(
        kind="purchase", account=account, number="+14155550100", state="sending",
        params={"batch": "x"},
    )  # fmt: skip
    Operation.objects.filter(pk=op.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    outcome = buy(account, fake_client)
    assert fake_client.count("purchase") == 0
    assert outcome.state == "succeeded" and outcome.operation.pk == op.pk


def test_stale_pending_operation_is_closed_as_not_sent(fake_client):
    from datetime import timedelta

    from django.utils import timezone

    account = make_account()
    op = Operation.objects.create(
        kind="purchase", account=account, number="+14155550100", state="pending"
    )
    Operation.objects.filter(pk=op.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    first = buy(account, fake_client)
    assert first.state == "failed" and "Nothing was sent" in first.message
    second = buy(account, fake_client)
    assert second.state == "succeeded" and fake_client.count("purchase") == 1
