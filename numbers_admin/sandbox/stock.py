"""The sandbox's stock of available numbers: deterministic, valid and geographically true.

Numbers are drawn from real exchanges: for North America every NPA-NXX that libphonenumber's
geocoder names ("Portland, OR") is a pool, so a number offered for area code 503 really is a
Portland-area number, carries its city as locality and rate center, and its state as region.
A seeded random generator per (space, pool) makes the same search return the same numbers; a
stable hash decides which valid numbers are "in stock" at all, so buying a made-up number can fail
like it does at a real carrier; owned numbers are left out.
"""

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.geodata import GEOCODE_DATA

from numbers_admin.sandbox.models import SIGNALWIRE, TWILIO, SandboxNumber

LOCAL = "local"
TOLL_FREE = "toll-free"
MOBILE = "mobile"

TOLL_FREE_NPAS = ("800", "833", "844", "855", "866", "877", "888")
CA_PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}

# Which countries and kinds each space sells (SignalWire's search is US/CA only).
COUNTRIES = {
    SIGNALWIRE: {"US": (LOCAL, TOLL_FREE), "CA": (LOCAL, TOLL_FREE)},
    TWILIO: {"US": (LOCAL, TOLL_FREE), "CA": (LOCAL, TOLL_FREE), "GB": (LOCAL, TOLL_FREE, MOBILE)},
}
COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom"}

# Great Britain: area prefixes after +44 for local numbers, and the number length they need.
_GB_LOCAL = (("20", 10), ("121", 10), ("161", 10), ("131", 10), ("141", 10), ("113", 10))
_GB_MOBILE = (("74", 10), ("75", 10), ("77", 10), ("78", 10), ("79", 10))
_GB_TOLL_FREE = (("800", 10), ("808", 10))

# One in this many valid numbers is not in stock (someone else holds it).
_NOT_IN_STOCK_ONE_IN = 3
_MAX_ATTEMPTS = 6000


@dataclass(frozen=True)
class Available:
    e164: str
    country: str
    kind: str
    locality: str | None
    region: str | None
    rate_center: str | None
    lata: str | None
    national_format: str
    international_format: str
    capabilities: tuple[str, ...] = field(default=("voice", "sms", "mms", "fax"))


@lru_cache(maxsize=1)
def _nanp_exchanges() -> dict[str, list[tuple[str, str, str]]]:
    """NPA → [(start of the NXX, city, state/province code)] from the geocoder's entries.

    The geocoder names a whole area code ("1212" → "New York, NY"), part of it ("15032" →
    "Portland, OR") or one exchange ("1503259" → "Beaverton, OR"); the NXX start is what follows
    the area code in the key (possibly empty).
    """
    by_npa: dict[str, list[tuple[str, str, str]]] = {}
    for key, names in GEOCODE_DATA.items():
        if not 4 <= len(key) <= 7 or key[0] != "1" or key[1:4] in TOLL_FREE_NPAS:
            continue
        city, sep, state = names.get("en", "").rpartition(", ")
        if not sep or len(state) != 2:
            continue
        by_npa.setdefault(key[1:4], []).append((key[4:], city, state))
    for exchanges in by_npa.values():
        exchanges.sort()
    return by_npa


def _location(parsed, npa: str) -> tuple[str, str] | None:
    """(city, state) for a North American number: the geocoder's, else its area's first city."""
    from phonenumbers import geocoder

    city, sep, state = geocoder.description_for_number(parsed, "en").rpartition(", ")
    if sep and len(state) == 2:
        return city, state
    exchanges = _nanp_exchanges().get(npa)
    return (exchanges[0][1], exchanges[0][2]) if exchanges else None


@lru_cache(maxsize=1)
def _npas_by_region() -> dict[str, list[str]]:
    """State/province code ("OR", "ON") → the NPAs that serve it."""
    regions: dict[str, set[str]] = {}
    for npa, exchanges in _nanp_exchanges().items():
        for _, _, state in exchanges:
            regions.setdefault(state, set()).add(npa)
    return {k: sorted(v) for k, v in regions.items()}


@lru_cache(maxsize=2)
def _npas_of_country(country: str) -> list[str]:
    return sorted(npa for npa in _nanp_exchanges() if npa_info(npa)[0] == country)


def npa_info(npa: str) -> tuple[str, str] | None:
    """(country, state) of a North American area code we sell, or None."""
    exchanges = _nanp_exchanges().get(npa)
    if not exchanges:
        return None
    state = exchanges[0][2]
    return ("CA" if state in CA_PROVINCES else "US"), state


def _in_stock_hash(space: str, e164: str) -> bool:
    digest = hashlib.sha256(f"{space}|{e164}".encode()).digest()
    return digest[0] % _NOT_IN_STOCK_ONE_IN != 0


def _lata(npa: str) -> str:
    # LATAs are 3-digit codes shared by neighbouring exchanges; derive one stably per NPA.
    return str(120 + int(hashlib.sha256(npa.encode()).hexdigest()[:4], 16) % 850)


def _capabilities(country: str, kind: str) -> tuple[str, ...]:
    if country == "GB":
        return ("voice", "sms") if kind == MOBILE else ("voice",)
    return ("voice", "sms", "mms", "fax")


def describe(space: str, e164: str) -> Available | None:
    """What the stock knows about ``e164`` if the space could sell it (owned or not)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    country = phonenumbers.region_code_for_number(parsed)
    ptype = phonenumbers.number_type(parsed)
    if ptype == PhoneNumberType.TOLL_FREE:
        kind = TOLL_FREE
    elif ptype == PhoneNumberType.MOBILE:
        kind = MOBILE
    elif ptype in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        kind = LOCAL
    else:
        return None
    if kind not in COUNTRIES[space].get(country, ()):
        return None
    national = str(parsed.national_number)
    locality = region = rate_center = lata = None
    if parsed.country_code == 1 and kind == LOCAL:
        where = _location(parsed, national[:3])
        if where is None:
            return None
        locality, region = where
        rate_center, lata = locality.upper()[:10], _lata(national[:3])
    elif country == "GB" and kind == LOCAL:
        from phonenumbers import geocoder

        locality = geocoder.description_for_number(parsed, "en") or None
        region = locality
    return Available(
        e164=e164,
        country=country,
        kind=kind,
        locality=locality,
        region=region,
        rate_center=rate_center,
        lata=lata,
        national_format=phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL),
        international_format=phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
        capabilities=_capabilities(country, kind),
    )


def in_stock(space: str, e164: str) -> Available | None:
    """The number if it can be bought in ``space`` right now, else None."""
    info = describe(space, e164)
    if info is None or not _in_stock_hash(space, e164):
        return None
    if SandboxNumber.objects.filter(space=space, number=e164).exists():
        return None
    return info


def example_unavailable(space: str, npa: str = "503") -> str:
    """A valid number in ``npa`` that the stock never offers (for tests of a failed purchase)."""
    for line in range(10000):
        e164 = f"+1{npa}555{line:04d}" if npa == "555" else f"+1{npa}234{line:04d}"
        if describe(space, e164) and not _in_stock_hash(space, e164):
            return e164
    raise LookupError(npa)


# --- Searching


@dataclass(frozen=True)
class Pattern:
    """Digits a number must show: where ("starts_with", "contains", "ends_with") and which.

    ``digits`` may hold "*" for any digit (Compatibility/Twilio ``Contains``)."""

    where: str
    digits: str

    def matches(self, national: str) -> bool:
        regex = re.escape(self.digits).replace(r"\*", "[0-9]")
        if self.where == "starts_with":
            return re.match(regex, national) is not None
        if self.where == "ends_with":
            return re.search(regex + "$", national) is not None
        return re.search(regex, national) is not None


_KEYPAD = {
    c: str(d)
    for d, letters in enumerate(["", "", "ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"])
    for c in letters
}


def letters_to_digits(text: str) -> str:
    """Vanity letters to keypad digits ("FLOWERS" → "3569377")."""
    return "".join(_KEYPAD.get(c.upper(), c) for c in text)


def _place(rng: random.Random, national: list[str], pattern: Pattern, fixed_prefix: int) -> bool:
    """Write the pattern into a 10-digit candidate; False if it cannot fit."""
    k = len(pattern.digits)
    if pattern.where == "starts_with":
        pos = 0
    elif pattern.where == "ends_with":
        pos = len(national) - k
    else:
        lo, hi = fixed_prefix, len(national) - k
        if hi < lo:
            lo = 0
        pos = rng.randint(lo, max(lo, hi))
    if pos < 0:
        return False
    for i, d in enumerate(pattern.digits):
        if d != "*":
            national[pos + i] = d
    return True


def _nanp_candidates(space, npas, kind, pattern, rng, city=None, region=None):
    exchanges = _nanp_exchanges()
    choices = {
        npa: [
            e
            for e in exchanges.get(npa, [])
            if (not city or e[1].lower() == city) and (not region or e[2] == region)
        ]
        or exchanges.get(npa, [])
        for npa in npas
    }
    for _ in range(_MAX_ATTEMPTS):
        npa = rng.choice(npas)
        if kind == TOLL_FREE:
            nxx = str(rng.randint(200, 999))
        else:
            start = rng.choice(choices[npa])[0]
            nxx = start or str(rng.randint(2, 9))
            nxx += "".join(str(rng.randint(0, 9)) for _ in range(3 - len(nxx)))
        national = list(f"{npa}{nxx}{rng.randint(0, 9999):04d}")
        if pattern and not _place(rng, national, pattern, 3):
            return
        yield "+1" + "".join(national)


def _gb_candidates(kind, pattern, rng):
    pools = {LOCAL: _GB_LOCAL, MOBILE: _GB_MOBILE, TOLL_FREE: _GB_TOLL_FREE}[kind]
    for _ in range(_MAX_ATTEMPTS):
        prefix, length = rng.choice(pools)
        rest = "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix)))
        national = list(prefix + rest)
        if pattern and not _place(rng, national, pattern, len(prefix)):
            return
        yield "+44" + "".join(national)


def search(
    space: str,
    country: str,
    kind: str,
    *,
    area_code: str | None = None,
    region: str | None = None,
    city: str | None = None,
    pattern: Pattern | None = None,
    limit: int = 50,
) -> list[Available]:
    """Numbers in stock that match, in a stable order. Empty when nothing can match."""
    if kind not in COUNTRIES[space].get(country, ()):
        return []
    seed = f"{space}|{country}|{kind}|{area_code}|{region}|{city}|{pattern}"
    rng = random.Random(hashlib.sha256(seed.encode()).hexdigest())  # noqa: S311 - stable stock
    if country in ("US", "CA"):
        if kind == TOLL_FREE:
            npas = [area_code] if area_code else list(TOLL_FREE_NPAS)
            if area_code not in (None, *TOLL_FREE_NPAS) or region or city:
                return []
        else:
            npas = _npas_of_country(country)
            if area_code:
                npas = [n for n in npas if n == area_code]
            if region:
                allowed = set(_npas_by_region().get(region.upper(), []))
                npas = [n for n in npas if n in allowed]
            if city:
                wanted = city.strip().lower()
                npas = [
                    n for n in npas if any(c.lower() == wanted for _, c, _ in _nanp_exchanges()[n])
                ]
        if pattern and pattern.where == "starts_with":
            head = pattern.digits[:3]
            npas = [n for n in npas if all(a in ("*", b) for a, b in zip(head, n, strict=False))]
        if not npas:
            return []
        candidates = _nanp_candidates(
            space,
            npas,
            kind,
            pattern,
            rng,
            city=city.strip().lower() if city else None,
            region=region.upper() if region else None,
        )
    elif country == "GB":
        if area_code or city:
            return []
        candidates = _gb_candidates(kind, pattern, rng)
    else:
        return []

    found: dict[str, Available] = {}
    batch: list[Available] = []

    def flush():
        owned = set(
            SandboxNumber.objects.filter(
                space=space, number__in=[a.e164 for a in batch]
            ).values_list("number", flat=True)
        )
        for a in batch:
            if a.e164 not in owned and len(found) < limit:
                found[a.e164] = a
        batch.clear()

    for e164 in candidates:
        if e164 in found or not _in_stock_hash(space, e164):
            continue
        info = describe(space, e164)
        if info is None or info.kind != kind:
            continue
        if city and (info.locality or "").lower() != city.strip().lower():
            continue
        if region and country in ("US", "CA") and (info.region or "") != region.upper():
            continue
        national = e164[2:] if country in ("US", "CA") else e164[3:]
        if pattern and not pattern.matches(national):
            continue
        batch.append(info)
        if len(batch) >= limit:
            flush()
            if len(found) >= limit:
                break
    if batch:
        flush()
    return list(found.values())[:limit]
