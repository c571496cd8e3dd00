import re

from django.urls import reverse

from numbers_admin import mirror
from numbers_admin.forms.configure import ConfigureForm


def form_data(number, **changes):
    """What the page's form would post unchanged, plus ``changes``."""
    form = ConfigureForm(provider=number.account.provider, current=mirror.tracked_values(number))
    data = {name: form.initial.get(name, "") for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(changes)
    data["save"] = "1"
    return data


def loaded_state_from(response) -> str:
    match = re.search(r'name="loaded_state" value="([^"]+)"', response.content.decode())
    assert match, "the form carries the loaded state"
    return match.group(1)


def edit_url(number):
    return reverse("configure:edit", args=[number.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def plain(response) -> str:
    """The words a person reads: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
