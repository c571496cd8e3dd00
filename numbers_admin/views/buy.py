"""The guided buy flow: account → country → how to search → results → review → confirm → result.

Every step is a plain GET form (so back, refresh and bookmarks work without JavaScript); htmx
swaps the ``flow`` partial in place. Only the confirmation is a POST, and it carries the
idempotency key generated when the review page rendered (see ``actions.purchase``).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from numbers_admin import numbering
from numbers_admin.actions import purchase as actions
from numbers_admin.forms.buy import (
    COUNTRIES,
    AccountChoiceForm,
    ConfirmForm,
    CountryForm,
    DirectNumberForm,
    SearchForm,
    buyable_accounts,
    new_key,
)
from numbers_admin.models import Operation, Provider
from numbers_admin.roles import permission_required
from numbers_admin.upstream import errors
from numbers_admin.upstream.base import SearchQuery

PERM = "numbers_admin.buy_phonenumber"
STEPS = ("Account", "Country", "How to search", "Pick numbers", "Review", "Result")
MAX_NUMBERS_PER_PURCHASE = 10


def _steps(current: int):
    return [
        {"label": label, "current": i == current, "done": i < current}
        for i, label in enumerate(STEPS)
    ]


def _render(request, context, status=200):
    context.setdefault("title", "Buy numbers")
    context["steps"] = _steps(context.get("step_index", 0))
    template = "buy/flow.html#flow" if request.htmx else "buy/flow.html"
    return render(request, template, context, status=status)


def _account_from(request_data):
    form = AccountChoiceForm(request_data)
    if not form.is_valid():
        return None
    return form.cleaned_data["account"]


def _client(account):
    return actions.client_for(account)


def _country_label(account, country):
    return dict(COUNTRIES.get(account.provider, [])).get(country, country)


@require_GET
@permission_required(PERM)
def start(request):
    """Steps 1 to 4 on one URL: what is in the query string decides the step."""
    data = request.GET
    accounts = buyable_accounts()
    if "account" not in data:
        if not accounts.exists():
            return _render(request, {"step": "no_accounts", "step_index": 0})
        return _render(request, {"step": "account", "step_index": 0, "form": AccountChoiceForm()})
    account = _account_from(data)
    if account is None:
        return _render(
            request, {"step": "account", "step_index": 0, "form": AccountChoiceForm(data)}
        )
    base = {"account": account}
    if "country" not in data:
        return _render(
            request,
            {**base, "step": "country", "step_index": 1, "form": CountryForm(account=account)},
        )
    country_form = CountryForm(data, account=account)
    if not country_form.is_valid():
        return _render(request, {**base, "step": "country", "step_index": 1, "form": country_form})
    country = country_form.cleaned_data["country"]
    base.update(country=country, country_label=_country_label(account, country))
    try:
        client = _client(account)
    except errors.UpstreamError as error:
        return _render(request, {**base, "step": "error", "step_index": 2, "error": error.message})
    search_context = {
        **base,
        "step": "search",
        "step_index": 2,
        "client": client,
        "area_code_purchase": getattr(client, "supports_area_code_purchase", False),
        "direct_form": DirectNumberForm(country=country),
    }
    if "search" not in data:
        return _render(request, {**search_context, "form": SearchForm(client=client)})
    form = SearchForm(data, client=client)
    if not form.is_valid():
        return _render(request, {**search_context, "form": form})
    query = SearchQuery(
        country=country,
        kind=form.cleaned_data["kind"],
        area_code=form.cleaned_data["area_code"],
        region=form.cleaned_data["region"],
        city=form.cleaned_data["city"].strip(),
        starts_with=form.cleaned_data["starts_with"],
        contains=form.cleaned_data["contains"],
        ends_with=form.cleaned_data["ends_with"],
        capabilities=frozenset(form.cleaned_data.get("capabilities") or ()),
    )
    try:
        found = client.search_available(query)
    except errors.UpstreamError as error:
        return _render(
            request,
            {**search_context, "form": form, "search_error": _search_error_sentence(error)},
        )
    results = [
        {
            "number": n.number,
            "formatted": numbering.describe(n.number)["national_format"]
            if n.number.startswith("+1")
            else numbering.describe(n.number)["international_format"],
            "locality": n.locality or n.rate_center.title()
            if (n.locality or n.rate_center)
            else "",
            "region": n.region,
            "capabilities": sorted(n.capabilities, key=["voice", "sms", "mms", "fax"].index)
            if set(n.capabilities) <= {"voice", "sms", "mms", "fax"}
            else sorted(n.capabilities),
        }
        for n in found
    ]
    return _render(
        request,
        {
            **base,
            "step": "results",
            "step_index": 3,
            "results": results,
            "search_query": request.GET.urlencode(),
        },
    )


def _search_error_sentence(error: errors.UpstreamError) -> str:
    if isinstance(error, errors.Invalid) and error.field_errors:
        details = "; ".join(m for msgs in error.field_errors.values() for m in msgs)
        return f"The carrier did not accept this search: {details}"
    return error.message


@require_GET
@permission_required(PERM)
def review(request):
    """Step 5: what will be bought, on which account, with which configuration, at what cost."""
    data = request.GET
    account = _account_from(data)
    if account is None:
        return redirect("buy:start")
    country = data.get("country", "US")
    numbers = data.getlist("number")
    area_code = data.get("area_code", "").strip()
    if "direct" in data:
        direct = DirectNumberForm({"number": data.get("direct", "")}, country=country)
        if not direct.is_valid():
            client = _client(account)
            return _render(
                request,
                {
                    "account": account,
                    "country": country,
                    "country_label": _country_label(account, country),
                    "step": "search",
                    "step_index": 2,
                    "client": client,
                    "area_code_purchase": getattr(client, "supports_area_code_purchase", False),
                    "form": SearchForm(client=client),
                    "direct_form": direct,
                },
            )
        numbers = [direct.cleaned_data["number"]]
    if not numbers and not area_code:
        messages.error(request, "Pick at least one number to buy, then choose Review.")
        back = reverse("buy:start") + "?" + data.urlencode()
        return redirect(back)
    if len(numbers) > MAX_NUMBERS_PER_PURCHASE:
        messages.error(
            request,
            f"Pick at most {MAX_NUMBERS_PER_PURCHASE} numbers at a time, so you can check each "
            "one's result.",
        )
        return redirect(reverse("buy:start") + "?" + data.urlencode())
    try:
        client = _client(account)
    except errors.UpstreamError as error:
        messages.error(request, error.message)
        return redirect("buy:start")
    form = ConfirmForm(
        account=account,
        client=client,
        initial={
            "key": new_key(),
            "account": account.pk,
            "numbers": ",".join(numbers),
            "area_code": area_code,
            "voice_method": "POST",
            "sms_method": "POST",
            "voice_receive_mode": "voice",
        },
    )
    return _review(request, form, account, numbers, area_code, country)


ADVANCED_FIELDS = (
    "voice_receive_mode", "voice_fallback_url", "voice_fallback_method", "status_callback",
    "status_callback_method", "sms_fallback_url", "sms_fallback_method",
    "voice_application_sid", "sms_application_sid", "trunk_sid", "emergency_status",
    "emergency_address_sid", "address_sid", "identity_sid", "bundle_sid",
)  # fmt: skip


def _review(request, form, account, numbers, area_code, country):
    described = [
        {
            "number": n,
            "formatted": numbering.describe(n)["international_format"],
            "location": numbering.describe(n)["location"],
        }
        for n in numbers
    ]
    return _render(
        request,
        {
            "step": "review",
            "step_index": 4,
            "account": account,
            "country": country,
            "numbers": described,
            "area_code": area_code,
            "form": form,
            "advanced_fields": [form[name] for name in ADVANCED_FIELDS if name in form.fields],
            "is_twilio": account.provider == Provider.TWILIO,
            "is_rest": account.provider == Provider.SIGNALWIRE_REST,
            "back_query": f"account={account.pk}&country={country}",
        },
    )


@require_POST
@permission_required(PERM)
def confirm(request):
    """Step 6: buy. A repeat of this POST (any tab, any server) never buys twice."""
    account = _account_from(request.POST)
    if account is None:
        return redirect("buy:start")
    try:
        client = _client(account)
    except errors.UpstreamError as error:
        messages.error(request, error.message)
        return redirect("buy:start")
    form = ConfirmForm(request.POST, account=account, client=client)
    if not form.is_valid():
        numbers = [n for n in request.POST.get("numbers", "").split(",") if n]
        safe_numbers = []
        for n in numbers:
            try:
                safe_numbers.append(numbering.to_e164(n))
            except numbering.NumberParseError:
                continue
        return _review(
            request,
            form,
            account,
            safe_numbers,
            request.POST.get("area_code", ""),
            request.POST.get("country", "US"),
        )
    key = form.cleaned_data["key"]
    config = form.config()
    numbers = form.cleaned_data["numbers"]
    if numbers:
        for number in numbers:
            # Several numbers from one form: one key each, derived so a resubmit derives the same.
            number_key = key if len(numbers) == 1 else actions.key_for(key, number)
            actions.purchase(
                account=account,
                number=number,
                config=config,
                key=number_key,
                batch=str(key),
                user=request.user,
                client=client,
            )
    else:
        actions.purchase(
            account=account,
            area_code=form.cleaned_data["area_code"],
            config=config,
            key=key,
            user=request.user,
            client=client,
        )
    return redirect("buy:done", key=key)


@require_GET
@permission_required(PERM)
def done(request, key):
    operations = list(actions.batch_operations(key))
    if not operations:
        raise Http404("No purchase with this confirmation.")
    in_progress = [op for op in operations if op.state in Operation.OPEN_STATES]
    for op in in_progress:
        if op.state == Operation.State.UNKNOWN:
            # Look again before showing anything or allowing a retry.
            actions._follow(op, user=request.user)
    operations = list(actions.batch_operations(key))
    in_progress = [op for op in operations if op.state in Operation.OPEN_STATES]
    account = operations[0].account
    return _render(
        request,
        {
            "step": "done",
            "step_index": 5,
            "account": account,
            "operations": operations,
            "in_progress": bool(in_progress),
            "succeeded": sum(op.state == Operation.State.SUCCEEDED for op in operations),
            "failed": sum(op.state == Operation.State.FAILED for op in operations),
            "key": key,
        },
    )


urlpatterns = [
    path("", start, name="start"),
    path("review/", review, name="review"),
    path("confirm/", confirm, name="confirm"),
    path("done/<uuid:key>/", done, name="done"),
]
