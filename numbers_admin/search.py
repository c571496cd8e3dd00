"""Finding numbers: the Numbers page's query string → a PhoneNumber queryset, and fast pages of it.

``filter_numbers(params)`` is the one definition of "the numbers matching this filter", used by the
page, its CSV export, and bulk actions on "all N matching" (configure, release).

The search box finds a number however it was typed. Digit searches use the indexed ``digits``
(E.164 without "+") and ``national_digits`` columns as *prefix ranges* (``digits >= "415555" AND
digits < "415556"``), which every database answers from its b-tree index whatever its collation
or LIKE rules. Only when nothing starts with the digits do we look for them anywhere in the number
(a scan, measured in ``bench/bench_numbers.py``), and the page says so.

Pages are keyset pages ("seek" on the sort key and id, a cursor in the URL), so page 1,000 costs
what page 1 costs; a numbered jump walks only the narrow index to find its first row.
"""

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import F, Func, Q, QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from numbers_admin.models import PhoneNumber

PAGE_SIZE = 50
# Counting a million rows is the slow part of any list page: count exactly up to this many
# matches inline; above it the page shows "more than 1,000" and asks for the exact count
# separately (``exact_count``), so the list itself stays fast.
COUNT_CAP = 1_000

# What "sort" accepts, and the column each sorts on (always with id as the tie-breaker).
SORT_KEYS = {
    "number": "number",
    "name": "name",
    "created": "upstream_created_at",
    "updated": "updated_at",
}
NULLABLE_KEYS = {"upstream_created_at"}
DEFAULT_SORT = "number"

_PHONE_TEXT = re.compile(r"^[\d\s()+\-./]+$")


# --- the search box ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberTerm:
    """A run of digits someone typed; ``international`` when they started with + or 00 (so the
    digits begin with a country code)."""

    digits: str
    international: bool = False

    @property
    def national(self) -> str:
        # "020 7946…" is typed with the national trunk prefix, which national_digits lacks.
        return self.digits.lstrip("0") if not self.international else ""


@dataclass(frozen=True)
class ParsedQuery:
    numbers: tuple[NumberTerm, ...] = ()
    words: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.numbers or self.words)


def parse_query(text: str) -> ParsedQuery:
    """Split what was typed into digit runs and words.

    "415 555", "(415) 555-01", "+44 20 7946" and "0044 20 7946" are one number each (spaces and
    punctuation inside a number are how people write them); "support 415" is a word and a number.
    """
    text = (text or "").strip()
    if not text:
        return ParsedQuery()
    if _PHONE_TEXT.match(text) and re.search(r"\d", text):
        return ParsedQuery(numbers=(_number_term(text),))
    numbers, words = [], []
    for token in text.split():
        if _PHONE_TEXT.match(token) and re.search(r"\d", token):
            numbers.append(_number_term(token))
        else:
            words.append(token)
    return ParsedQuery(numbers=tuple(numbers), words=tuple(words))


def _number_term(text: str) -> NumberTerm:
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return NumberTerm(digits, international=True)
    if text.startswith("00") and len(digits) > 2:
        return NumberTerm(digits[2:], international=True)
    return NumberTerm(digits)


def next_prefix(prefix: str) -> str | None:
    """The smallest digit string greater than every string starting with ``prefix``
    ("4159" → "416"), or None when there is none ("999")."""
    stripped = prefix.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def prefix_q(column: str, prefix: str) -> Q:
    """``column`` starts with the digits ``prefix``, as an index range."""
    q = Q(**{f"{column}__gte": prefix})
    upper = next_prefix(prefix)
    if upper is not None:
        q &= Q(**{f"{column}__lt": upper})
    return q


def number_prefix_q(term: NumberTerm) -> Q:
    if term.international:
        return prefix_q("digits", term.digits)
    q = prefix_q("digits", term.digits)
    if term.national:
        q |= prefix_q("national_digits", term.national)
    return q


def number_anywhere_q(term: NumberTerm) -> Q:
    return Q(digits__contains=term.digits)


def word_q(word: str) -> Q:
    """The word in the name, the notes or a tag (local or upstream, any case)."""
    through = PhoneNumber.tags.through
    tagged = through.objects.filter(tag__name__icontains=word).values("phonenumber_id")
    return Q(name__icontains=word) | Q(notes__icontains=word) | Q(pk__in=tagged)


# --- the filters ---------------------------------------------------------------------------------


@dataclass
class Search:
    """A bound search: the validated form, the queryset, and how the search box was read."""

    form: object
    queryset: QuerySet
    query: ParsedQuery
    # "start": numbers starting with the digits; "anywhere": containing them (nothing started
    # with them, or the person asked); "" when no digits were typed.
    match: str = ""
    sort: str = DEFAULT_SORT
    descending: bool = False
    notes: list[str] = field(default_factory=list)


def _as_querydict(params) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    if isinstance(params, str):
        return QueryDict(params.lstrip("?"))
    qd = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if isinstance(value, list | tuple):
            qd.setlist(key, [str(v) for v in value])
        elif value is not None:
            qd[key] = str(value)
    return qd


def search(params, user=None) -> Search:
    """Bind ``params`` (a QueryDict, a dict or a query string) and build the queryset.

    Invalid values are left out of the filter (the form carries their errors for the page), so a
    stale bookmark still shows something sensible instead of failing."""
    from numbers_admin.forms.numbers import NumberFilterForm

    form = NumberFilterForm(_as_querydict(params))
    form.is_valid()
    data = {
        name: value
        for name, value in getattr(form, "cleaned_data", {}).items()
        if name not in form.errors
    }
    qs = PhoneNumber.objects.all()
    if not data.get("released"):
        qs = qs.filter(released_at__isnull=True)
    # Equality filters on indexed columns, applied together at the end (see _apply_equal).
    equal = {}
    if data.get("account"):
        equal["account_id"] = data["account"].pk
    if data.get("country"):
        equal["country"] = data["country"]
    if data.get("kind"):
        equal["kind"] = data["kind"]
    for capability in data.get("capability") or ():
        qs = qs.filter(**{capability: True})
    handler = data.get("call_handler")
    if handler == "none":
        # The same test as routing.has_call_handler: no handler and no trunk taking the calls.
        equal["call_handler"] = ""
        qs = qs.filter(trunk_sid="")
    elif handler:
        equal["call_handler"] = handler
    handler = data.get("message_handler")
    if handler:
        equal["message_handler"] = "" if handler == "none" else handler
    e911 = data.get("e911")
    if e911:
        equal["e911_status"] = "" if e911 == "none" else e911
    qs = _apply_equal(qs, equal)
    if data.get("tag"):
        through = PhoneNumber.tags.through
        qs = qs.filter(pk__in=through.objects.filter(tag=data["tag"]).values("phonenumber_id"))

    parsed = parse_query(data.get("q", ""))
    for word in parsed.words:
        qs = qs.filter(word_q(word))
    match = ""
    if parsed.numbers:
        wanted = data.get("match") or ""
        if wanted == "anywhere":
            match = "anywhere"
        else:
            starting = qs
            for term in parsed.numbers:
                starting = starting.filter(number_prefix_q(term))
            # Nothing starts with the digits: look for them anywhere (a slower scan), say so.
            match = "start" if wanted == "start" or starting.exists() else "anywhere"
        for term in parsed.numbers:
            qs = qs.filter(number_prefix_q(term) if match == "start" else number_anywhere_q(term))

    sort = data.get("sort") or DEFAULT_SORT
    descending = sort.startswith("-")
    return Search(
        form=form,
        queryset=qs,
        query=parsed,
        match=match,
        sort=sort.lstrip("-"),
        descending=descending,
    )


def _apply_equal(qs: QuerySet, equal: dict) -> QuerySet:
    """Filter on ``equal`` ({column: value}), each column indexed together with ``number``.

    PostgreSQL's planner knows how common each value is and picks the best index. SQLite's knows
    only averages, so with two or more filters it may walk the index of a common value (calls to
    webhooks: half of all numbers) in number order to find a rare combination (toll-free: the end
    of that order), reading most of the table for one page. There we measure each filter on its
    own index (an index-only count, kept for ten minutes: proportions change slowly) and let only
    the rarest use an index; the others are compared as ``+column``, which SQLite evaluates
    without an index."""
    if len(equal) < 2 or connection.vendor != "sqlite":
        return qs.filter(**equal)
    sizes = {column: _value_count(column, value) for column, value in equal.items()}
    driver = min(sizes, key=sizes.get)
    qs = qs.filter(**{driver: equal[driver]})
    for column, value in equal.items():
        if column != driver:
            alias = f"_noindex_{column}"
            qs = qs.alias(**{alias: _NoIndex(F(column))}).filter(**{alias: value})
    return qs


def _value_count(column: str, value) -> int:
    key = f"numbers-value-count:{column}:{value}"
    count = cache.get(key)
    if count is None:
        count = PhoneNumber.objects.filter(**{column: value}).order_by().count()
        cache.set(key, count, 600)
    return count


class _NoIndex(Func):
    """SQLite's documented way to keep a term from using an index: a unary plus."""

    template = "+%(expressions)s"

    def __init__(self, expression):
        super().__init__(expression)

    @property
    def output_field(self):
        return self.source_expressions[0].output_field


def filter_numbers(params, user=None) -> QuerySet:
    """The numbers matching the Numbers page's filter ``params`` (QueryDict, dict or query
    string), ordered as the page orders them. For "all N matching" bulk actions."""
    found = search(params, user=user)
    return found.queryset.order_by(*ordering(found.sort, found.descending))


# --- keyset pages --------------------------------------------------------------------------------


def ordering(sort: str, descending: bool) -> list:
    key = SORT_KEYS.get(sort, SORT_KEYS[DEFAULT_SORT])
    if key in NULLABLE_KEYS:
        # Descending is the exact reverse of ascending (nulls last ↔ nulls first), so that
        # "Previous" can walk the same order backwards.
        if descending:
            return [F(key).desc(nulls_first=True), "-id"]
        return [F(key).asc(nulls_last=True), "id"]
    return [f"-{key}", "-id"] if descending else [key, "id"]


def encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, key: str):
    """(value, pk) from a cursor, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        pk = int(pk)
    except (ValueError, TypeError):
        return None
    if key in ("upstream_created_at", "updated_at") and value is not None:
        value = parse_datetime(str(value))
        if value is None:
            return None
    elif value is not None and not isinstance(value, str):
        return None
    return value, pk


def after_q(key: str, value, pk: int, descending: bool) -> Q:
    """Rows after (value, pk) in the order ``ordering`` gives. Written as a range on ``key``
    plus a tie-break, so the database seeks in the key's index instead of scanning."""
    if key in NULLABLE_KEYS:
        if not descending:  # ascending, nulls last
            if value is None:
                return Q(**{f"{key}__isnull": True, "id__gt": pk})
            return (
                Q(**{f"{key}__gt": value})
                | Q(**{key: value, "id__gt": pk})
                | Q(**{f"{key}__isnull": True})
            )
        if value is None:  # descending, nulls first
            return Q(**{f"{key}__isnull": True, "id__lt": pk}) | Q(**{f"{key}__isnull": False})
        return Q(**{f"{key}__lt": value}) | Q(**{key: value, "id__lt": pk})
    if descending:
        return Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(id__lt=pk))
    return Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(id__gt=pk))


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def get_page(
    qs: QuerySet,
    sort: str,
    descending: bool,
    *,
    number: int = 1,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
) -> Page:
    """One page of ``qs``.

    ``after``/``before`` cursors (from "Next"/"Previous") seek straight to the page. A numbered
    jump without a cursor finds its first row by walking the sort index only (ids, no rows),
    then seeks from there; ``number`` is carried along so the page can say where it is."""
    key = SORT_KEYS.get(sort, SORT_KEYS[DEFAULT_SORT])
    forward = ordering(sort, descending)
    backward = ordering(sort, not descending)
    number = max(1, number)
    cursor = decode_cursor(before, key) if before else None
    if cursor is not None:
        rows = list(
            qs.filter(after_q(key, *cursor, not descending)).order_by(*backward)[: size + 1]
        )
        has_previous = len(rows) > size
        rows = rows[:size][::-1]
        if not has_previous:
            number = 1
        has_next = True
    else:
        cursor = decode_cursor(after, key) if after else None
        if cursor is not None:
            seek = qs.filter(after_q(key, *cursor, descending))
            has_previous = True
        elif number > 1:
            offset = (number - 1) * size
            boundary = list(qs.order_by(*forward).values_list(key, "id")[offset - 1 : offset])
            if not boundary:
                # Past the end (a stale link): show the first page rather than nothing.
                return get_page(qs, sort, descending, number=1, size=size)
            seek = qs.filter(after_q(key, *boundary[0], descending))
            has_previous = True
        else:
            seek = qs
            has_previous = False
        rows = list(seek.order_by(*forward)[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
    page = Page(rows=rows, number=number, has_next=has_next, has_previous=has_previous)
    if rows:
        first, last = rows[0], rows[-1]
        page.next_cursor = encode_cursor(getattr(last, key), last.pk) if has_next else ""
        page.previous_cursor = encode_cursor(getattr(first, key), first.pk) if has_previous else ""
    return page


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): counts at most ``cap`` + 1 rows, so a million matches cost no more than
    a thousand. Pass ``qs`` ordered as the page is: the count then walks the page's index."""
    # COUNT(*) around the capped query, as QuerySet.count() would write it, without the
    # aggregation machinery that took as long as the query (0.2 ms of every page).
    try:
        sql, params = qs.values("pk")[: cap + 1].query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing, e.g. qs.none()
        return 0, True
    with connections[qs.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) capped", params)  # noqa: S608 - compiled SQL
        counted = cursor.fetchone()[0]
    if counted > cap:
        return cap, False
    return counted, True


def keyset_url_for_page(base: str, page: int, size: int = PAGE_SIZE, params: str = "") -> str:
    """The URL "Next" leads to on page ``page`` (for the benchmark and tests): the cursor of the
    last row of the page before."""
    found = search(params)
    key = SORT_KEYS[found.sort]
    qs = found.queryset.order_by(*ordering(found.sort, found.descending))
    offset = (page - 1) * size
    value, pk = next(iter(qs.values_list(key, "id")[offset - 1 : offset]))
    query = QueryDict(params, mutable=True)
    query["page"] = str(page)
    query["after"] = encode_cursor(value, pk)
    return f"{base}?{query.urlencode()}"


def query_string_without(params: QueryDict, *names: str) -> str:
    """The query string minus ``names`` (page position, mostly), for links that keep the filter."""
    return urlencode(
        [(key, value) for key, values in params.lists() if key not in names for value in values]
    )


__all__ = [
    "COUNT_CAP",
    "PAGE_SIZE",
    "Page",
    "ParsedQuery",
    "Search",
    "capped_count",
    "filter_numbers",
    "get_page",
    "parse_query",
    "search",
]
