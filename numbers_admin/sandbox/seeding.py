"""Fill a sandbox space with owned numbers that look like a real company's inventory.

``seed_owned_numbers("signalwire", 1_000_000)`` takes about a minute on SQLite: numbers come from
pre-validated exchanges (no phonenumbers call per row) and rows go in with ``bulk_create`` in
batches. The spread: mostly US and Canada, some Great Britain and Australia; local, toll-free and
mobile; webhooks (a few on plain http), cXML applications, Relay, Fabric-only handlers or nothing;
created mostly before the release cooldown, so most of them can be released.
"""

import datetime as dt
import json
import random
import uuid
import zlib
from functools import lru_cache

import phonenumbers
from django.db import connection, transaction
from django.utils import timezone

from numbers_admin.sandbox import stock
from numbers_admin.sandbox.models import SIGNALWIRE, SPACES, TWILIO, SandboxNumber

BATCH = 5000

_NAMES = (
    "Support line",
    "Sales – West",
    "Sales – East",
    "Billing",
    "Front desk",
    "After-hours",
    "Marketing campaign",
    "Store #12",
    "Store #48",
    "Dispatch",
    "Recruiting",
    "Pharmacy refills",
    "Appointments",
    "Main office",
    "Fax",
)
_HOSTS = ("https://hooks.example.com", "https://voice.example.org", "http://legacy.example.net")

# (country, kind, national prefix, national length, weight)
_FOREIGN = (
    ("GB", stock.LOCAL, "2079", 10, 3),
    ("GB", stock.LOCAL, "1614", 10, 2),
    ("GB", stock.MOBILE, "7400", 10, 3),
    ("GB", stock.TOLL_FREE, "800", 10, 1),
    ("AU", stock.LOCAL, "29", 9, 2),
    ("AU", stock.MOBILE, "41", 9, 2),
    ("AU", stock.TOLL_FREE, "1800", 10, 1),
)
_CALLING_CODE = {"GB": "44", "AU": "61"}


@lru_cache(maxsize=1)
def _nanp_prefixes() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(local exchanges, toll-free exchanges) as (country, "NPANXX"), checked once each."""
    rng = random.Random(7)  # noqa: S311 - stable sample, not secrets
    local = []
    exchanges = sorted(
        {
            (npa, (start + "234")[:3] if start else "234")
            for npa, ex in stock._nanp_exchanges().items()
            for start, _, _ in ex
        }
    )
    rng.shuffle(exchanges)
    for npa, nxx in exchanges:
        parsed = phonenumbers.parse(f"+1{npa}{nxx}4821", None)
        if phonenumbers.is_valid_number(parsed):
            local.append((phonenumbers.region_code_for_number(parsed), npa + nxx))
        if len(local) >= 3000:
            break
    toll_free = [("US", f"{npa}{nxx}") for npa in stock.TOLL_FREE_NPAS for nxx in range(200, 1000)]
    return local, toll_free


def _config(space: str, rng: random.Random, e164: str) -> dict:
    """Handler settings under the REST names, in realistic proportions."""
    roll = rng.random()
    digits = e164[-4:]
    if roll < 0.45:
        host = _HOSTS[2] if rng.random() < 0.1 else rng.choice(_HOSTS[:2])
        config = {
            "call_handler": "laml_webhooks",
            "call_request_url": f"{host}/voice/{digits}",
            "call_request_method": "POST",
        }
        if rng.random() < 0.5:
            config |= {"message_handler": "laml_webhooks", "message_request_url": f"{host}/sms"}
        if rng.random() < 0.2:
            config["call_fallback_url"] = f"{host}/fallback"
        return config
    if roll < 0.60:
        app = "AP" + uuid.UUID(int=rng.getrandbits(128)).hex if space == TWILIO else None
        app = app or str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return {"call_handler": "laml_application", "call_laml_application_id": app}
    if space == TWILIO:
        if roll < 0.70:
            return {"trunk_sid": "TK" + uuid.UUID(int=rng.getrandbits(128)).hex}
        return {}
    if roll < 0.68:
        return {"call_handler": "relay_application", "call_relay_application": "office"}
    if roll < 0.72:
        return {"call_handler": "relay_topic", "call_relay_topic": "inbound"}
    if roll < 0.76:
        return {
            "call_handler": "relay_script",
            "call_relay_script_url": f"https://swml.example.com/{digits}.yaml",
        }
    if roll < 0.80:
        handler = rng.choice(("ai_agent", "call_flow"))
        return {
            "call_handler": handler,
            "calling_handler_resource_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        }
    return {}


def seed_owned_numbers(space: str, count: int, *, seed: int = 0) -> int:
    """Create up to ``count`` owned numbers in ``space``; returns how many were created.

    Deterministic for a (space, seed). Numbers already in the space are skipped, so running it
    twice with the same seed adds nothing.
    """
    if space not in SPACES:
        raise ValueError(f"space must be one of {SPACES}")
    rng = random.Random(f"{space}:{seed}")  # noqa: S311 - reproducible data, not secrets
    local, toll_free = _nanp_prefixes()
    now = timezone.now()
    cooldown = dt.timedelta(days=15)
    before = SandboxNumber.objects.filter(space=space).count()
    rows: list[tuple] = []
    uid_value, json_value, when_value = _adapters()
    counters: dict[str, int] = {}
    origin = "twilio" if space == TWILIO else "signalwire"
    foreign_weights = [f[4] for f in _FOREIGN]

    def next_line(key: str, modulus: int) -> int:
        # Step through lines with a stride coprime to the modulus: unique until it wraps.
        n = counters.get(key, 0)
        counters[key] = n + 1
        return (n * 7919 + seed * 104729 + zlib.crc32(key.encode()) % modulus) % modulus

    for i in range(count):
        roll = rng.random()
        if roll < 0.84 or roll >= 0.93:
            kind = stock.LOCAL if roll < 0.84 else stock.TOLL_FREE
            pool = local if kind == stock.LOCAL else toll_free
            country, prefix = pool[i % len(pool)]
            line = next_line(prefix, 10000)
            e164 = f"+1{prefix}{line:04d}"
            default = f"+1 ({prefix[:3]}) {prefix[3:]}-{line:04d}"
        else:
            country, kind, prefix, length, _ = rng.choices(_FOREIGN, weights=foreign_weights)[0]
            modulus = 10 ** (length - len(prefix))
            line = next_line(country + prefix, modulus)
            e164 = f"+{_CALLING_CODE[country]}{prefix}{line:0{length - len(prefix)}d}"
            default = e164
        age = (
            rng.uniform(0, 14)
            if rng.random() < 0.08
            else cooldown.days + rng.expovariate(1 / 500) % 2200
        )
        created = now - dt.timedelta(days=age, seconds=rng.randint(0, 86399))
        capabilities = "voice,sms,mms,fax" if country in ("US", "CA") else "voice,sms"
        if kind == stock.LOCAL and country not in ("US", "CA"):
            capabilities = "voice"
        rows.append(
            (
                space,
                uid_value(uuid.UUID(int=rng.getrandbits(128), version=4)),
                e164,
                rng.choice(_NAMES) if rng.random() < 0.6 else default,
                "toll-free" if kind == stock.TOLL_FREE else "longcode",
                kind,
                country,
                capabilities,
                # SignalWire sells only US/CA numbers; others arrived through the import API.
                "hosted" if space == SIGNALWIRE and country not in ("US", "CA") else origin,
                json_value(_config(space, rng, e164)),
                None,
                when_value(created),
                when_value(created + dt.timedelta(days=rng.uniform(0, min(age, 30)))),
            )
        )
        if len(rows) >= BATCH:
            _flush(rows)
    if rows:
        _flush(rows)
    return SandboxNumber.objects.filter(space=space).count() - before


_COLUMNS = (
    "space",
    "uid",
    "number",
    "name",
    "number_type",
    "kind",
    "country_code",
    "capabilities",
    "origin",
    "config",
    "e911_address_id",
    "created_at",
    "updated_at",
)


def _adapters():
    """Fast per-row conversions to what the database driver takes, per backend."""
    meta = SandboxNumber._meta
    json_field = meta.get_field("config")
    if connection.vendor == "sqlite":

        def when(value):
            return str(value.astimezone(dt.UTC).replace(tzinfo=None))

        return (lambda u: u.hex), json.dumps, when
    return (
        lambda u: u,
        lambda v: json_field.get_db_prep_save(v, connection),
        lambda v: v,
    )


def _flush(rows: list[tuple]) -> None:
    """Insert a batch, skipping numbers the space already has.

    A plain INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL) with values built without
    model instances: several times faster than bulk_create for a million rows.
    """
    meta = SandboxNumber._meta
    fields = [meta.get_field(c) for c in _COLUMNS]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    rows.clear()
