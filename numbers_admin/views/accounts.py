"""Upstream accounts (Admin): list, add, edit, enable/disable, test the connection, sync now.

The token is write-only: forms never render it back, audit events say only that it was replaced,
and nothing here logs it.
"""

import logging

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from numbers_admin import audit, crypto
from numbers_admin.actions import sync
from numbers_admin.forms.accounts import AccountForm
from numbers_admin.models import Account, AuditEvent, Job
from numbers_admin.roles import permission_required
from numbers_admin.upstream.errors import UpstreamError

log = logging.getLogger(__name__)

# Fields an account change records (before → after); never the token.
_AUDITED = ("provider", "name", "api_root", "project_id", "requests_per_second", "is_enabled")


def _accounts():
    return Account.objects.annotate(
        number_count=Count("numbers", filter=Q(numbers__released_at__isnull=True))
    ).order_by("name")


def _last_syncs(accounts) -> dict[int, Job]:
    """The newest sync job of each account (one query)."""
    latest: dict[int, Job] = {}
    jobs = (
        Job.objects.filter(kind=Job.Kind.SYNC, account__in=list(accounts))
        .order_by("account_id", "-created_at")
        .only("pk", "account_id", "status", "created_at", "finished_at", "message")
    )
    for job in jobs:
        latest.setdefault(job.account_id, job)
    return latest


@require_GET
@permission_required("numbers_admin.change_account")
def account_list(request):
    accounts = list(_accounts())
    syncs = _last_syncs(accounts)
    for account in accounts:
        account.last_sync_job = syncs.get(account.pk)
    return render(request, "accounts/list.html", {"title": "Accounts", "accounts": accounts})


def _save(request, form: AccountForm, account: Account) -> Account:
    """Copy cleaned_data onto ``account``, save, and record what changed (never the token)."""
    data = form.cleaned_data
    before = {name: getattr(account, name) for name in _AUDITED} if account.pk else {}
    for name in _AUDITED:
        setattr(account, name, data[name])
    token_replaced = bool(data["token"])
    if token_replaced:
        account.set_token(data["token"])
    creating = account.pk is None
    # New credentials or address: the old check result no longer says anything.
    if not creating and (
        token_replaced or any(before[n] != data[n] for n in ("api_root", "project_id"))
    ):
        account.last_check_ok = None
        account.last_check_message = ""
        account.last_checked_at = None
    account.save()
    changes = audit.diff(before, {name: getattr(account, name) for name in _AUDITED})
    if token_replaced:
        changes["token"] = ["(saved)" if not creating else "", "(replaced)"]
    message = "Account added." if creating else "Account edited."
    if token_replaced and not creating:
        message += " Token replaced."
    audit.record(
        action=AuditEvent.Action.ACCOUNT,
        actor=request.user,
        account=account,
        changes=changes,
        message=message,
    )
    return account


# sensitive_post_parameters: an error report for a crash here must not carry the token.
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
@permission_required("numbers_admin.add_account")
def account_add(request):
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = _save(request, form, Account())
        messages.success(
            request, f"Account “{account.name}” added. Test the connection, then sync its numbers."
        )
        return redirect("accounts:list")
    return render(
        request, "accounts/form.html", {"title": "Add an account", "form": form, "account": None}
    )


@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
@permission_required("numbers_admin.change_account")
def account_edit(request, pk):
    account = get_object_or_404(Account, pk=pk)
    form = AccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        _save(request, form, account)
        messages.success(request, f"Account “{account.name}” saved.")
        return redirect("accounts:list")
    return render(
        request,
        "accounts/form.html",
        {"title": f"Edit “{account.name}”", "form": form, "account": account},
    )


@require_POST
@permission_required("numbers_admin.change_account")
def account_toggle(request, pk):
    account = get_object_or_404(Account, pk=pk)
    account.is_enabled = not account.is_enabled
    account.save(update_fields=["is_enabled", "updated_at"])
    audit.record(
        action=AuditEvent.Action.ACCOUNT,
        actor=request.user,
        account=account,
        changes={"is_enabled": [not account.is_enabled, account.is_enabled]},
        message="Account enabled." if account.is_enabled else "Account disabled.",
    )
    if account.is_enabled:
        messages.success(request, f"“{account.name}” is enabled again.")
    else:
        messages.success(
            request,
            f"“{account.name}” is disabled: its numbers stay listed, but nothing is sent to it.",
        )
    return redirect("accounts:list")


def check_connection(account: Account) -> Account:
    """Ping the account and save the result in plain words on it."""
    from numbers_admin.upstream import client_for

    try:
        client_for(account).ping()
    except crypto.TokenUnreadable as exc:
        ok, message = False, str(exc)
    except UpstreamError as exc:
        ok, message = False, exc.message
    else:
        ok, message = True, "Connected: the carrier accepted our credentials."
    account.last_check_ok = ok
    account.last_check_message = message[:300]
    account.last_checked_at = timezone.now()
    account.save(update_fields=["last_check_ok", "last_check_message", "last_checked_at"])
    return account


@require_POST
@permission_required("numbers_admin.change_account")
def account_test(request, pk):
    account = get_object_or_404(Account, pk=pk)
    check_connection(account)
    if request.htmx:
        return render(request, "accounts/list.html#check", {"account": account})
    level = messages.success if account.last_check_ok else messages.error
    level(request, f"{account.name}: {account.last_check_message}")
    if request.POST.get("next") == "edit":
        return redirect("accounts:edit", pk=pk)
    return redirect("accounts:list")


@require_POST
@permission_required("numbers_admin.change_account")
def account_sync(request, pk):
    account = get_object_or_404(Account, pk=pk)
    if not account.is_enabled:
        messages.error(request, f"“{account.name}” is disabled. Enable it before syncing.")
        return redirect("accounts:list")
    job, created = sync.start_sync(account, request.user)
    if not created:
        messages.info(request, "A sync of this account is already running; here is its progress.")
    return redirect("jobs:detail", pk=job.pk)


urlpatterns = [
    path("", account_list, name="list"),
    path("add/", account_add, name="add"),
    path("<int:pk>/edit/", account_edit, name="edit"),
    path("<int:pk>/toggle/", account_toggle, name="toggle"),
    path("<int:pk>/test/", account_test, name="test"),
    path("<int:pk>/sync/", account_sync, name="sync"),
]
