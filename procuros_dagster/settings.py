"""Connection settings (environment) and behaviour settings (YAML file).

Two sources on purpose: *where* to connect and the credentials come from environment
variables (12-factor, never in a file that gets committed); *how* the connector behaves
(defaults, schedules, unit codes, ...) comes from a YAML settings file that can be reviewed
and versioned. Both are validated up front and every problem is reported at once, so an
operator fixes a broken deployment in one round trip instead of one error per restart.

    conn = ConnectionSettings.from_env().require("PROCUROS_API_TOKEN", "ODOO_URL")
    settings = load_settings()          # PROCUROS_DAGSTER_SETTINGS, or defaults
    for integration in settings.integrations:   # the declared ones, or one implicit integration
        token, gln = integration.token(), integration.own_gln()
"""

from __future__ import annotations

import difflib
import hmac
import os
import re
import types
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Callable, Iterable, Mapping

import yaml

from procuros_dagster.mapping.identifiers import is_valid_gln
from procuros_dagster.mapping.orders_in_normalise import ImportLimits
from procuros_dagster.mapping.units import UNIT_CODES  # the Procuros UnitOfMeasure enum
from procuros_dagster.movements import MOVEMENT_NAMES

__all__ = [
    "ConfigError",
    "SettingsError",
    "Secret",
    "ConnectionSettings",
    "Settings",
    "SalesDefaults",
    "PurchaseDefaults",
    "Schedules",
    "Sensors",
    "Partitions",
    "OdooOptions",
    "ProcurosOptions",
    "AlertSettings",
    "EmailAlerts",
    "WebhookAlerts",
    "Integration",
    "UnknownIntegration",
    "INTEGRATION_STATUSES",
    "TRANSACTION_FLOWS",
    "DEFAULT_INTEGRATION_KEY",
    "UNIT_CODES",
    "TEST_FLOW_CHOICES",
    "ENV_VARS",
    "DEFAULT_PROCUROS_API_URL",
    "STAGING_PROCUROS_API_URL",
    "is_valid_gln",
    "validate_cron",
    "load_settings",
    "parse_settings",
]

DEFAULT_PROCUROS_API_URL = "https://api.procuros.io"
STAGING_PROCUROS_API_URL = "https://api.procuros-staging.io"

TEST_FLOW_CHOICES: tuple[str, ...] = ("import", "skip", "reject")
INTEGRATION_STATUSES: tuple[str, ...] = ("inactive", "test", "active")
TRANSACTION_FLOWS: tuple[str, ...] = ("LIVE", "TEST")  # Procuros TransactionFlow
DEFAULT_INTEGRATION_KEY = "default"  # the key of the implicit integration of a file without `integrations:`


class ConfigError(ValueError):
    """Invalid or missing configuration. ``problems`` holds one line per problem."""

    def __init__(self, problems: Iterable[str], header: str = "invalid configuration"):
        self.problems = list(problems)
        super().__init__(header + ":\n  - " + "\n  - ".join(self.problems))


class SettingsError(ConfigError):
    """The settings file is unreadable or invalid (all problems listed)."""


# --------------------------------------------------------------------------- environment


class Secret:
    """A string that never shows up in repr/str/logs; read it explicitly with ``.get()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


# env var name -> ConnectionSettings attribute
ENV_VARS: dict[str, str] = {
    "PROCUROS_API_URL": "procuros_api_url",
    "PROCUROS_API_TOKEN": "procuros_api_token",
    "PROCUROS_GLN": "procuros_gln",
    "ODOO_URL": "odoo_url",
    "ODOO_DB": "odoo_db",
    "ODOO_USERNAME": "odoo_username",
    "ODOO_PASSWORD": "odoo_password",
    "PROCUROS_DAGSTER_SETTINGS": "settings_path",
}
_SECRET_VARS = {"PROCUROS_API_TOKEN", "ODOO_PASSWORD"}


def _url_problem(name: str, value: str) -> str | None:
    parts = urllib.parse.urlsplit(value)
    try:
        host, _port = parts.hostname, parts.port  # .port raises on a non-numeric port
    except ValueError:
        host = None
    if parts.scheme in ("http", "https") and host:
        return None
    # userinfo may carry credentials: only echo URLs without it
    shown = f" {value!r}" if "@" not in value else ""
    return f"{name}:{shown} is not a valid URL; expected http(s)://host[:port], e.g. https://erp.example.com"


@dataclass(frozen=True)
class ConnectionSettings:
    """Where and how to connect; built from environment variables (see ENV_VARS)."""

    procuros_api_url: str = DEFAULT_PROCUROS_API_URL
    procuros_api_token: Secret | None = None
    procuros_gln: str | None = None
    odoo_url: str | None = None
    odoo_db: str | None = None
    odoo_username: str | None = None
    odoo_password: Secret | None = None
    settings_path: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ConnectionSettings":
        """Read and validate the variables that are set; unset/empty ones stay None.

        Presence is checked separately with ``require`` so that e.g. a setup job can run
        with only the Odoo variables.
        """
        values: dict[str, Any] = {}
        problems: list[str] = []
        for var, attr in ENV_VARS.items():
            raw = (environ.get(var) or "").strip()
            if not raw:
                continue
            if var in ("PROCUROS_API_URL", "ODOO_URL"):
                problem = _url_problem(var, raw)
                if problem:
                    problems.append(problem)
                raw = raw.rstrip("/")
            elif var == "PROCUROS_GLN" and not is_valid_gln(raw):
                problems.append(
                    f"PROCUROS_GLN: {raw!r} is not a valid GLN (13 digits with a GS1 check digit)"
                )
            values[attr] = Secret(raw) if var in _SECRET_VARS else raw
        if problems:
            raise ConfigError(problems, "invalid environment variables")
        return cls(**values)

    def require(self, *names: str) -> "ConnectionSettings":
        """Raise ConfigError naming every listed variable that is unset; returns self.

        Names are environment variable names (``"ODOO_URL"``); without names, all
        connection variables except the optional settings path are required.
        """
        names = names or tuple(v for v in ENV_VARS if v != "PROCUROS_DAGSTER_SETTINGS")
        unknown = [n for n in names if n not in ENV_VARS]
        if unknown:
            raise ValueError(f"unknown setting names {unknown}; use one of {list(ENV_VARS)}")
        missing = [n for n in names if not getattr(self, ENV_VARS[n])]
        if missing:
            raise ConfigError(
                [f"{n} is not set" for n in missing], "missing environment variables"
            )
        return self


# --------------------------------------------------------------------------- settings file


@dataclass(frozen=True)
class SalesDefaults:
    """Odoo records by name or external id, used when Odoo has no more specific value."""

    warehouse: str | None = None
    location: str | None = None
    shipping_method: str | None = None
    payment_terms: str | None = None
    # the service product of the buyer's charges (freight, packaging …); default: the shipping
    # method's delivery product
    charge_product: str | None = None


@dataclass(frozen=True)
class PurchaseDefaults:
    picking_type: str | None = None
    # a shipping notice sets the receipt's quantities; on: it also validates the receipt
    validate_receipts: bool = False


@dataclass(frozen=True)
class Schedules:
    timezone: str = "Europe/Berlin"
    import_sales_orders: str = "0 6 * * *"
    export_order_responses: str = "15 6 * * *"
    export_shipping_notices: str = "30 6 * * *"
    export_invoices: str = "0 7 * * *"
    export_credit_notes: str = "15 7 * * *"
    import_purchase_documents: str = "45 6 * * *"
    export_purchase_orders: str = "0 8 * * *"


@dataclass(frozen=True)
class Sensors:
    procuros_queue_interval_seconds: int = 30
    odoo_exports_interval_seconds: int = 120
    enabled: bool = True


@dataclass(frozen=True)
class Partitions:
    start_date: date = date(2026, 1, 1)


@dataclass(frozen=True)
class OdooOptions:
    chunk_size: int = 200
    # How long an unfinished claim of an earlier run protects its document (see odoo/bindings.py):
    # longer than any one Odoo request may run (its limit_time_real, 120 s by default).
    claim_timeout_seconds: int = 600


@dataclass(frozen=True)
class ProcurosOptions:
    page_size: int = 100
    timeout_seconds: float = 30
    max_retry_seconds: float = 120
    # documents sent to Procuros at once by an export: each send waits for Procuros' answer, so
    # one at a time an export is bound by the round trip; 1 sends them one after the other
    send_concurrency: int = 4


@dataclass(frozen=True)
class EmailAlerts:
    """Alerts by e-mail over SMTP; the password comes from the variable named in password_env."""

    to: tuple[str, ...]
    sender: str  # the settings key is `from`
    smtp_host: str
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: float = 30


@dataclass(frozen=True)
class WebhookAlerts:
    """Alerts posted to a URL (a chat's incoming webhook); the URL, which holds its token, comes
    from the variable named in url_env."""

    url_env: str
    timeout_seconds: float = 10


@dataclass(frozen=True)
class AlertSettings:
    email: EmailAlerts | None = None
    webhook: WebhookAlerts | None = None
    dagster_ui_url: str | None = None  # for links to the run in alert texts
    interval_seconds: int = 60

    @property
    def enabled(self) -> bool:
        return self.email is not None or self.webhook is not None


class UnknownIntegration(KeyError):
    """``Settings.integration(key)`` for a key the settings do not declare."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Integration:
    """One Procuros account the deployment trades through, and the Odoo company it books into.

    Partners whose "Procuros Connector" field holds ``connector`` trade through it. Secrets are
    never held here: ``token_env`` (and ``gln_env`` when ``gln`` is not given) name the environment
    variables to read them from. A settings file without ``integrations:`` has exactly one,
    ``implicit`` integration (key "default", prefix "") built from today's top-level settings.
    """

    key: str
    connector: str
    company: str | None = None
    gln: str | None = None  # our own GLN on this integration; None = read it from gln_env
    token_env: str = "PROCUROS_API_TOKEN"
    gln_env: str = "PROCUROS_GLN"
    status: str = "active"  # one of INTEGRATION_STATUSES
    movements: tuple[str, ...] = tuple(MOVEMENT_NAMES)
    test_flow: str = "import"  # TEST-flow handling while active; one of TEST_FLOW_CHOICES
    implicit: bool = False

    def __post_init__(self) -> None:
        # the settings file is validated with every problem listed (parse_settings); this only
        # guards integrations built in code
        object.__setattr__(self, "movements", tuple(self.movements))
        wrong = [
            f"{name}={value!r} (use one of {', '.join(choices)})"
            for name, value, choices in (("status", self.status, INTEGRATION_STATUSES),
                                         ("test_flow", self.test_flow, TEST_FLOW_CHOICES))
            if value not in choices
        ] + [f"movement {m!r} (use {', '.join(MOVEMENT_NAMES)})" for m in self.movements if m not in MOVEMENT_NAMES]
        if wrong:
            raise ValueError(f"integration {self.key!r}: unknown " + "; ".join(wrong))

    @property
    def prefix(self) -> str:
        """Dagster asset key, job name and Odoo binding prefix: the key, except for the implicit
        integration and one keyed "default" — that one keeps a single-integration setup's names, so
        an existing deployment that adds a second integration finds its bindings and sends nothing twice."""
        return "" if self.implicit or self.key == DEFAULT_INTEGRATION_KEY else self.key

    def is_on(self, movement: str) -> bool:
        """The movement (a MOVEMENT_NAMES name) runs on this integration."""
        if movement not in MOVEMENT_NAMES:
            raise ValueError(f"unknown movement {movement!r}; use one of {', '.join(MOVEMENT_NAMES)}")
        return self.status != "inactive" and movement in self.movements

    def accepts_flow(self, flow: str) -> bool:
        """Whether a transaction of this Procuros flow (LIVE or TEST) is taken in.

        inactive: none; test: TEST only; active: LIVE, and TEST while test_flow is "import"
        ("skip" and "reject" keep TEST documents out of the books).
        """
        if flow not in TRANSACTION_FLOWS:
            raise ValueError(f"unknown transaction flow {flow!r}; use one of {', '.join(TRANSACTION_FLOWS)}")
        if self.status == "test":
            return flow == "TEST"
        if self.status == "active":
            return flow == "LIVE" or self.test_flow == "import"
        return False

    def _of(self) -> str:
        return "" if self.implicit else f" of integration {self.key!r}"

    def token(self, environ: Mapping[str, str] = os.environ) -> Secret:
        """The Procuros API token from the variable token_env; ConfigError naming it (never a value)."""
        raw = (environ.get(self.token_env) or "").strip()
        if not raw:
            raise ConfigError(
                [f"{self.token_env} is not set (the Procuros API token{self._of()})"], "missing environment variables"
            )
        return Secret(raw)

    def own_gln(self, environ: Mapping[str, str] = os.environ) -> str:
        """Our own GLN on this integration: the gln setting, else the variable gln_env (validated)."""
        if self.gln is not None:
            return self.gln
        raw = (environ.get(self.gln_env) or "").strip()
        if not raw:
            alt = "" if self.implicit else f"; or set integrations.{self.key}.gln in the settings file"
            raise ConfigError(
                [f"{self.gln_env} is not set (our own GLN{self._of()}{alt})"], "missing environment variables"
            )
        if not is_valid_gln(raw):
            raise ConfigError(
                [f"{self.gln_env}: {raw!r} is not a valid GLN (13 digits with a GS1 check digit)"],
                "invalid environment variables",
            )
        return raw


def _implicit_integration(settings: "Settings") -> Integration:
    """The single integration of a settings file without ``integrations:`` (today's behaviour)."""
    return Integration(
        key=DEFAULT_INTEGRATION_KEY,
        connector=settings.integration_name,
        company=settings.company,
        test_flow=settings.test_flow,
        implicit=True,
    )


@dataclass(frozen=True)
class Settings:
    """Behaviour of the connector; ``Settings()`` is the all-defaults configuration."""

    integration_name: str = "Procuros Connector"
    company: str | None = None
    sales_defaults: SalesDefaults = field(default_factory=SalesDefaults)
    purchase_defaults: PurchaseDefaults = field(default_factory=PurchaseDefaults)
    schedules: Schedules = field(default_factory=Schedules)
    sensors: Sensors = field(default_factory=Sensors)
    # Odoo UoM (name or external id) -> Procuros unit code; read-only view
    uom_codes: Mapping[str, str] = field(default_factory=lambda: types.MappingProxyType({}))
    test_flow: str = "import"
    # GS1 company prefix: shipping notices number their transport units' SSCCs in it (None: only
    # packages named by an SSCC carry one)
    gs1_company_prefix: str | None = None
    partitions: Partitions = field(default_factory=Partitions)
    odoo: OdooOptions = field(default_factory=OdooOptions)
    procuros: ProcurosOptions = field(default_factory=ProcurosOptions)
    import_limits: ImportLimits = field(default_factory=ImportLimits)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    # The declared integrations; without any (no `integrations:` in the file, or ``Settings()``),
    # the one implicit integration built from integration_name, company and test_flow above.
    integrations: tuple[Integration, ...] = ()

    def __post_init__(self) -> None:
        declared = tuple(self.integrations)
        if not declared or all(i.implicit for i in declared):
            # also after dataclasses.replace(): the implicit integration follows the top-level values
            declared = (_implicit_integration(self),)
        object.__setattr__(self, "integrations", declared)

    def integration(self, key: str) -> Integration:
        """The integration with this key; UnknownIntegration (a KeyError) naming the known keys."""
        for integration in self.integrations:
            if integration.key == key:
                return integration
        known = [i.key for i in self.integrations]
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownIntegration(f"no integration {key!r} in the settings; {hint}known: {', '.join(known)}")

    def as_dict(self) -> dict[str, Any]:
        """Plain, YAML/JSON-friendly dict (e.g. for run metadata)."""

        def conv(obj: Any) -> Any:
            if hasattr(obj, "__dataclass_fields__"):
                return {f.name: conv(getattr(obj, f.name)) for f in fields(obj)}
            if isinstance(obj, Mapping):
                return {k: conv(v) for k, v in obj.items()}
            if isinstance(obj, date):
                return obj.isoformat()
            if isinstance(obj, tuple):
                return [conv(v) for v in obj]
            return obj

        return conv(self)


# ---- cron

_CRON_FIELDS = (
    # name, min, max, names
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day-of-month", 1, 31, None),
    ("month", 1, 12, "jan feb mar apr may jun jul aug sep oct nov dec".split()),
    ("day-of-week", 0, 7, "sun mon tue wed thu fri sat".split()),
)
# aliases accepted by Dagster schedules
_CRON_ALIASES = {"@hourly", "@daily", "@weekly", "@monthly"}


def validate_cron(expr: str) -> str | None:
    """Return None when ``expr`` is a valid 5-field cron expression, else the reason."""
    if expr.strip() in _CRON_ALIASES:
        return None
    parts = expr.split()
    if len(parts) != 5:
        return f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
    for text, (name, lo, hi, names) in zip(parts, _CRON_FIELDS):
        problem = _cron_field_problem(text, name, lo, hi, names)
        if problem:
            return problem
    return None


def _cron_field_problem(text: str, name: str, lo: int, hi: int, names: list[str] | None):
    def number(tok: str) -> int | str:
        if names and tok.lower() in names:
            return names.index(tok.lower()) + (1 if name == "month" else 0)
        if not tok.isdigit():
            return f"{name}: {tok!r} is not a number"
        n = int(tok)
        return n if lo <= n <= hi else f"{name} must be {lo}-{hi}"

    for item in text.split(","):
        base, _, step = item.partition("/")
        if _:
            if not step.isdigit() or int(step) == 0:
                return f"{name}: step {step!r} must be a positive number"
        if base == "*":
            continue
        start, dash, end = base.partition("-")
        a = number(start)
        if isinstance(a, str):
            return a
        if dash:
            b = number(end)
            if isinstance(b, str):
                return b
            if a > b:
                return f"{name}: range {base!r} runs backwards"
    return None


# ---- generic validation
#
# A checker takes (value, add_problem) and returns the converted value. Problems are
# collected; the returned value then does not matter because SettingsError is raised.

Problem = Callable[[str], None]


def _fmt(value: Any) -> str:
    return repr(value) if not isinstance(value, date) else repr(value.isoformat())


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def _opt_str(value: Any, bad: Problem) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip():
        return value.strip()
    bad(f"{_fmt(value)} is not allowed; use a non-empty text (name or external id) or null")


def _req_str(value: Any, bad: Problem) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    bad(f"{_fmt(value)} is not allowed; use a non-empty text")


def _gs1_prefix(value: Any, bad: Problem) -> str | None:
    """The GS1 company prefix (6-12 digits) the shipping notices' SSCCs are numbered in; quoted,
    as a YAML number would lose its leading zeros."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit() and 6 <= len(value.strip()) <= 12:
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return bad(f"{value!r} is a number; quote the GS1 company prefix (\"{value}\") so no leading zero is lost")
    bad(f"{_fmt(value)} is not a GS1 company prefix; use the 6 to 12 digits GS1 gave your company, quoted")


def _int(lo: int, hi: int | None = None):
    def check(value: Any, bad: Problem):
        if isinstance(value, bool) or not isinstance(value, int):
            return bad(f"{_fmt(value)} is not an integer")
        if value < lo or (hi is not None and value > hi):
            return bad(f"{value!r} is out of range; use {lo}-{hi}" if hi else f"{value!r} is out of range; use {lo} or more")
        return value

    return check


def _number(lo: float, exclusive: bool):
    def check(value: Any, bad: Problem):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return bad(f"{_fmt(value)} is not a number")
        if value < lo or (exclusive and value == lo):
            return bad(f"{value!r} is out of range; use a number {'greater than' if exclusive else 'of at least'} {lo}")
        return value

    return check


def _bool(value: Any, bad: Problem):
    if isinstance(value, bool):
        return value
    bad(f"{_fmt(value)} is not allowed; use true or false")


def _choice(options: tuple[str, ...]):
    def check(value: Any, bad: Problem):
        if isinstance(value, str) and value in options:
            return value
        bad(f"{_fmt(value)} is not allowed; use one of {', '.join(options)}")

    return check


def _cron(value: Any, bad: Problem):
    if not isinstance(value, str):
        return bad(f"{_fmt(value)} is not a cron expression (text such as '0 6 * * *')")
    reason = validate_cron(value)
    if reason:
        return bad(f"{value!r} is not a valid cron expression ({reason})")
    return value.strip()


def _timezone(value: Any, bad: Problem):
    if isinstance(value, str) and value.strip():
        try:
            zoneinfo.ZoneInfo(value)
            return value
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    bad(f"{_fmt(value)} is not a known IANA time zone (e.g. Europe/Berlin, UTC)")


def _date(value: Any, bad: Problem):
    if isinstance(value, date):  # unquoted YAML dates arrive parsed
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    bad(f"{_fmt(value)} is not a date; use YYYY-MM-DD")


_SECTION_CHECKS: dict[type, dict[str, Callable]] = {
    SalesDefaults: {f: _opt_str for f in ("warehouse", "location", "shipping_method", "payment_terms",
                                          "charge_product")},
    PurchaseDefaults: {"picking_type": _opt_str, "validate_receipts": _bool},
    Schedules: {"timezone": _timezone, **{f.name: _cron for f in fields(Schedules) if f.name != "timezone"}},
    Sensors: {
        "procuros_queue_interval_seconds": _int(1),
        "odoo_exports_interval_seconds": _int(1),
        "enabled": _bool,
    },
    Partitions: {"start_date": _date},
    OdooOptions: {"chunk_size": _int(1), "claim_timeout_seconds": _int(1)},
    ImportLimits: {
        "max_quantity": _number(0, exclusive=True),
        "max_unit_price": _number(0, exclusive=True),
        "max_identifier_length": _int(1),
        "max_lines": _int(1),
    },
    ProcurosOptions: {
        "page_size": _int(1, 100),  # the API's per_page maximum
        "timeout_seconds": _number(0, exclusive=True),
        "max_retry_seconds": _number(0, exclusive=False),
        "send_concurrency": _int(1, 16),
    },
}
_TOP_SCALARS: dict[str, Callable] = {
    "integration_name": _req_str,
    "company": _opt_str,
    "test_flow": _choice(TEST_FLOW_CHOICES),
    "gs1_company_prefix": _gs1_prefix,
}


class _Collector:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def at(self, dotted: str) -> Problem:
        return lambda msg: self.problems.append(f"{self.source}: {dotted}: {msg}")

    def unknown_keys(self, data: Mapping, allowed: Iterable[str], prefix: str) -> None:
        allowed = list(allowed)
        for key in data:
            dotted = f"{prefix}{key}"
            if not isinstance(key, str):
                self.at(dotted)(f"key {key!r} is not text")
                continue
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
            self.at(dotted)(f"unknown key; {hint}")

    def section(self, cls: type, data: Any, name: str):
        if data is None:  # `sales_defaults:` with nothing under it
            return cls()
        if not isinstance(data, Mapping):
            self.at(name)(f"{_fmt(data)} is not allowed; expected a mapping with keys {', '.join(_SECTION_CHECKS[cls])}")
            return cls()
        checks = _SECTION_CHECKS[cls]
        self.unknown_keys(data, checks, name + ".")
        values = {k: check(data[k], self.at(f"{name}.{k}")) for k, check in checks.items() if k in data}
        return cls(**values)

    def uom_codes(self, data: Any) -> Mapping[str, str]:
        if data is None:
            return types.MappingProxyType({})
        if not isinstance(data, Mapping):
            self.at("uom_codes")(f"{_fmt(data)} is not allowed; expected a mapping of Odoo unit -> Procuros unit code")
            return types.MappingProxyType({})
        out: dict[str, str] = {}
        for key, code in data.items():
            bad = self.at(f"uom_codes.{key}")
            if not isinstance(key, str) or not key.strip():
                bad("the Odoo unit (name or external id) must be non-empty text")
                continue
            if isinstance(code, str) and code in UNIT_CODES:
                out[key.strip()] = code
                continue
            close = difflib.get_close_matches(str(code).upper(), UNIT_CODES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            bad(f"{_fmt(code)} is not a Procuros unit code{hint} (allowed: {' '.join(UNIT_CODES)})")
        return types.MappingProxyType(out)


# ---- alerts: nested sections, and secrets only by the name of their environment variable

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")


def _env_name(value: Any, bad: Problem):
    if isinstance(value, str) and _ENV_NAME.match(value.strip()):
        return value.strip()
    bad(f"{_fmt(value)} is not an environment variable name (letters, digits and _, e.g. PROCUROS_ALERT_WEBHOOK_URL)")


def _address(value: Any, bad: Problem):
    if isinstance(value, str) and _EMAIL.match(value.strip()):
        return value.strip()
    bad(f"{_fmt(value)} is not an e-mail address (name@example.com)")


def _addresses(value: Any, bad: Problem):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        return bad(f"{_fmt(value)} is not allowed; use a list of e-mail addresses, e.g. [ops@example.com]")
    out = []
    for i, item in enumerate(value):
        out.append(_address(item, lambda msg, i=i: bad(f"item {i + 1}: {msg}")))
    return tuple(out)


def _ui_url(value: Any, bad: Problem):
    if value is None:
        return None
    problem = _url_problem("url", value) if isinstance(value, str) else "not text"
    if problem:
        return bad(f"{_fmt(value) if '@' not in str(value) else 'the value'} is not a valid URL; use e.g. http://127.0.0.1:3000")
    return value.strip().rstrip("/")


# Keys that would put a secret into the file: refused with the way to do it instead (the value is
# never echoed).
_SECRET_KEYS = {
    "email": {"password": "password_env: NAME (the environment variable holding the SMTP password)"},
    "webhook": {"url": "url_env: NAME (the environment variable holding the webhook URL)"},
}
_ALERT_SECTIONS: dict[str, tuple[type, dict[str, Callable], tuple[str, ...]]] = {
    "email": (
        EmailAlerts,
        {
            "to": _addresses,
            "from": _address,
            "smtp_host": _req_str,
            "smtp_port": _int(1, 65535),
            "starttls": _bool,
            "username": _opt_str,
            "password_env": _env_name,
            "timeout_seconds": _number(0, exclusive=True),
        },
        ("to", "from", "smtp_host"),
    ),
    "webhook": (WebhookAlerts, {"url_env": _env_name, "timeout_seconds": _number(0, exclusive=True)}, ("url_env",)),
}


def _alerts(col: "_Collector", data: Any) -> AlertSettings:
    if data is None:
        return AlertSettings()
    if not isinstance(data, Mapping):
        col.at("alerts")(f"{_fmt(data)} is not allowed; expected a mapping with keys email, webhook, dagster_ui_url, interval_seconds")
        return AlertSettings()
    col.unknown_keys(data, ("email", "webhook", "dagster_ui_url", "interval_seconds"), "alerts.")
    values: dict[str, Any] = {}
    if "dagster_ui_url" in data:
        values["dagster_ui_url"] = _ui_url(data["dagster_ui_url"], col.at("alerts.dagster_ui_url"))
    if "interval_seconds" in data:
        values["interval_seconds"] = _int(1)(data["interval_seconds"], col.at("alerts.interval_seconds"))
    for name, (cls, checks, required) in _ALERT_SECTIONS.items():
        section = data.get(name)
        if section is None:
            continue
        where = f"alerts.{name}"
        if not isinstance(section, Mapping):
            col.at(where)(f"{_fmt(section)} is not allowed; expected a mapping with keys {', '.join(checks)}")
            continue
        secrets = _SECRET_KEYS[name]
        for key in secrets:
            if key in section:
                col.at(f"{where}.{key}")(f"secrets do not belong in the settings file; use {secrets[key]}")
        col.unknown_keys({k: v for k, v in section.items() if k not in secrets}, checks, where + ".")
        for key in required:
            if key not in section:
                col.at(f"{where}.{key}")("missing; it is required")
        got = {k: check(section[k], col.at(f"{where}.{k}")) for k, check in checks.items() if k in section}
        if name == "email" and got.get("password_env") and not got.get("username"):
            col.at(f"{where}.username")("missing; a password_env needs the user name it belongs to")
        if all(k in got for k in required):
            values[name] = cls(**{("sender" if k == "from" else k): v for k, v in got.items()})
    return AlertSettings(**values)


# ---- integrations: several Procuros accounts in one deployment

_INTEGRATION_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_INTEGRATION_KEY_MAX = 30  # keys prefix Dagster asset keys and job names
_INTEGRATION_SECRET_KEYS = {
    k: "token_env: NAME (the environment variable holding its Procuros API token)"
    for k in ("token", "api_token", "procuros_api_token")
}


def _token_env(value: Any, bad: Problem):
    if isinstance(value, str) and _ENV_NAME.match(value.strip()):
        return value.strip()
    # not echoed: a token pasted here by mistake must not end up in logs
    bad("the value is not an environment variable name (letters, digits and _, e.g. PROCUROS_TOKEN_DE); "
        "it is not shown in case it is the token itself")


def _gln(value: Any, bad: Problem):
    if isinstance(value, str) and is_valid_gln(value.strip()):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return bad(f"{value!r} is a number; quote the GLN (gln: \"4012345000009\") so YAML keeps it as written")
    bad(f"{_fmt(value)} is not a valid GLN (13 digits with a GS1 check digit)")


def _movements(value: Any, bad: Problem):
    known = list(MOVEMENT_NAMES)
    if not isinstance(value, list) or not value:
        return bad(f"{_fmt(value)} is not allowed; use a list of movements ({', '.join(known)}), "
                   "or status: inactive to switch the integration off")
    seen: set[str] = set()
    ok = True
    for item in value:
        if not isinstance(item, str) or item not in MOVEMENT_NAMES:
            ok = False
            close = difflib.get_close_matches(str(item).strip().lower(), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            bad(f"{_fmt(item)} is not a movement; {hint}")
        elif item in seen:
            ok = False
            bad(f"{item!r} is listed twice")
        else:
            seen.add(item)
    return tuple(m for m in known if m in seen) if ok else None


_INTEGRATION_CHECKS: dict[str, Callable] = {
    "connector": _req_str,
    "company": _opt_str,
    "gln": _gln,
    "gln_env": _env_name,
    "token_env": _token_env,
    "status": _choice(INTEGRATION_STATUSES),
    "movements": _movements,
    "test_flow": _choice(TEST_FLOW_CHOICES),
}


def _key_suggestion(key: str) -> str | None:
    fixed = re.sub(r"[^a-z0-9_]+", "_", key.strip().lower()).strip("_")
    if fixed and not fixed[0].isalpha():
        fixed = "i_" + fixed
    fixed = fixed[:_INTEGRATION_KEY_MAX].rstrip("_")
    return fixed if fixed and fixed != key and _INTEGRATION_KEY.match(fixed) else None


def _integrations(col: "_Collector", data: Any, top: Mapping[str, Any]) -> tuple[Integration, ...] | None:
    """The declared integrations, or None for the implicit one (no `integrations:` or an empty one).

    ``top`` holds the effective top-level integration_name, company and test_flow: the defaults of
    integrations that omit them (integration_name only for a single integration).
    """
    if data is None:  # `integrations:` with nothing under it, like the example file
        return None
    if not isinstance(data, Mapping):
        col.at("integrations")(f"{_fmt(data)} is not allowed; expected a mapping of integration key -> its "
                               "settings (connector, company, gln, token_env, status, movements, test_flow)")
        return None
    if not data:
        col.at("integrations")("no integration given; declare at least one, or remove the key to trade "
                               "through the single integration of PROCUROS_API_TOKEN and PROCUROS_GLN")
        return None
    single = len(data) == 1
    out: list[Integration] = []
    connectors: dict[str, str] = {}  # normalised connector -> integration key
    glns: dict[tuple[str, str], str] = {}  # ("gln", value) or ("env", name) -> integration key
    tokens: dict[str, str] = {}  # token_env -> integration key
    for key, section in data.items():
        where = f"integrations.{key}"
        if not isinstance(key, str):
            col.at(where)(f"key {key!r} is not text; use a lowercase identifier such as acme_de")
            continue
        key_ok = bool(_INTEGRATION_KEY.match(key)) and len(key) <= _INTEGRATION_KEY_MAX
        if not key_ok:
            suggestion = _key_suggestion(key)
            hint = f", e.g. {suggestion!r}" if suggestion else ""
            col.at(where)(f"{key!r} is not a valid integration key; use lowercase letters, digits and _, starting "
                          f"with a letter, at most {_INTEGRATION_KEY_MAX} characters (it prefixes asset keys and "
                          f"job names){hint}")
        if section is None:
            section = {}
        if not isinstance(section, Mapping):
            col.at(where)(f"{_fmt(section)} is not allowed; expected a mapping with keys {', '.join(_INTEGRATION_CHECKS)}")
            continue
        for secret, instead in _INTEGRATION_SECRET_KEYS.items():
            if secret in section:
                col.at(f"{where}.{secret}")(f"secrets do not belong in the settings file; use {instead}")
        col.unknown_keys({k: v for k, v in section.items() if k not in _INTEGRATION_SECRET_KEYS},
                         _INTEGRATION_CHECKS, where + ".")
        n_before = len(col.problems)
        got = {k: check(section[k], col.at(f"{where}.{k}")) for k, check in _INTEGRATION_CHECKS.items() if k in section}
        if "gln" in section and "gln_env" in section:
            col.at(f"{where}.gln_env")("give either gln or gln_env, not both")
        if "connector" not in section:
            if single:
                got["connector"] = top.get("integration_name")
            else:
                col.at(f"{where}.connector")(
                    "missing; with several integrations each needs its connector (the value of the partners' "
                    "Procuros Connector field that routes them here); the top-level integration_name is the "
                    "default only for a single integration")
        if "company" not in section:
            got["company"] = top.get("company")
        if "test_flow" not in section:
            got["test_flow"] = top.get("test_flow", "import")
        if len(col.problems) > n_before or not key_ok or not got.get("connector"):
            continue
        integration = Integration(key=key, **got)
        # uniqueness across integrations
        norm = integration.connector.strip().casefold()
        if norm in connectors:
            col.at(f"{where}.connector")(
                f"{integration.connector!r} is also the connector of integration {connectors[norm]!r} (compared "
                "ignoring case); each partner's Procuros Connector must route to exactly one integration")
        connectors.setdefault(norm, key)
        source = ("gln", integration.gln) if integration.gln else ("env", integration.gln_env)
        if source in glns:
            if source[0] == "gln":
                col.at(f"{where}.gln")(f"{integration.gln!r} is also the GLN of integration {glns[source]!r}; "
                                       "each integration has its own GLN")
            else:
                col.at(f"{where}.gln_env")(
                    f"{integration.gln_env!r} also holds the GLN of integration {glns[source]!r} (the default when "
                    "neither gln nor gln_env is given); give each integration its own gln or gln_env")
        glns.setdefault(source, key)
        if integration.token_env in tokens:
            col.at(f"{where}.token_env")(
                f"{integration.token_env!r} is also the token of integration {tokens[integration.token_env]!r} "
                "(PROCUROS_API_TOKEN is the default); each integration needs its own Procuros API token")
        tokens.setdefault(integration.token_env, key)
        out.append(integration)
    return tuple(out)



def parse_settings(data: Any, source: str = "<settings>") -> Settings:
    """Validate already-parsed YAML data (None = defaults); raise SettingsError listing all problems."""
    col = _Collector(source)
    if data is None:
        return Settings()
    if not isinstance(data, Mapping):
        raise SettingsError(
            [f"{source}: the file must contain a mapping of settings, not {_type_name(data)}"],
            f"invalid settings file {source}",
        )
    sections = [f.name for f in fields(Settings)]
    section_classes = {
        "sales_defaults": SalesDefaults,
        "purchase_defaults": PurchaseDefaults,
        "schedules": Schedules,
        "sensors": Sensors,
        "partitions": Partitions,
        "odoo": OdooOptions,
        "procuros": ProcurosOptions,
        "import_limits": ImportLimits,
    }
    col.unknown_keys(data, sections, "")
    values: dict[str, Any] = {}
    for key, check in _TOP_SCALARS.items():
        if key in data:
            values[key] = check(data[key], col.at(key))
    for key, cls in section_classes.items():
        if key in data:
            values[key] = col.section(cls, data[key], key)
    if "uom_codes" in data:
        values["uom_codes"] = col.uom_codes(data["uom_codes"])
    if "alerts" in data:
        values["alerts"] = _alerts(col, data["alerts"])
    if "integrations" in data:
        defaults = Settings()
        # an invalid top-level value is already a problem (and None): fall back to the default
        top = {k: values.get(k) or getattr(defaults, k) for k in ("integration_name", "company", "test_flow")}
        declared = _integrations(col, data["integrations"], top)
        if declared:
            values["integrations"] = declared
    if col.problems:
        n = len(col.problems)
        raise SettingsError(col.problems, f"{n} problem{'s' if n > 1 else ''} in settings file {source}")
    return Settings(**values)


def _duplicate_keys(node: yaml.Node | None, prefix: str = "") -> list[str]:
    """Dotted paths of repeated mapping keys (PyYAML silently keeps the last one)."""
    found: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in seen:
                found.append(f"{prefix}{key}: duplicate key (line {key_node.start_mark.line + 1})")
            seen.add(key)
            found += _duplicate_keys(value_node, f"{prefix}{key}.")
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, f"{prefix}{i}.")
    return found


def _read_yaml(text: str, source: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        duplicates = _duplicate_keys(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        raise SettingsError([f"{source}: YAML syntax error at {where}: {what}"], f"cannot read settings file {source}") from None
    except yaml.YAMLError as exc:
        raise SettingsError([f"{source}: YAML error: {exc}"], f"cannot read settings file {source}") from None
    finally:
        loader.dispose()
    if duplicates:
        raise SettingsError([f"{source}: {d}" for d in duplicates], f"invalid settings file {source}")
    return data


def load_settings(path: str | os.PathLike | None = None, environ: Mapping[str, str] = os.environ) -> Settings:
    """Load and validate the settings file.

    ``path`` defaults to $PROCUROS_DAGSTER_SETTINGS; neither set means all defaults. A path
    that is given but missing is an error (a typo must not silently fall back to defaults).
    """
    if path is None:
        path = (environ.get("PROCUROS_DAGSTER_SETTINGS") or "").strip() or None
        if path is None:
            return Settings()
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise SettingsError([f"{source}: file not found"], f"cannot read settings file {source}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError([f"{source}: cannot read file ({exc.__class__.__name__}: {exc})"], f"cannot read settings file {source}") from None
    return parse_settings(_read_yaml(text, source), source)
