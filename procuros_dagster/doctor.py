"""`procuros-dagster doctor`: everything a run needs, checked at once, with what to fix.

Each check is a small function returning findings (ok / warning / problem, what, how to fix).
Odoo is read in batches (one read per kind, products in pages of PAGE), never one call per
partner or product; Procuros is asked one ping. It reads the same
environment and settings file as the flows and never prints a secret: every line of the report
is scrubbed of the token and the password, whatever a server or a library put into a message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TextIO

from procuros_dagster.mapping.identifiers import gln_problem, gtin_key, is_valid_gtin
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.odoo import OdooError, OdooGateway, OdooLookupError, SetupMissingError
from procuros_dagster.odoo.errors import CONNECTOR_GROUP, OdooAccessError
from procuros_dagster.odoo.lookups import PARTNER_SWITCHES
from procuros_dagster.odoo.setup import CONNECTOR_ACCESS, GROUP_XMLID, check_setup
from procuros_dagster.procuros.client import ProcurosClient
from procuros_dagster.procuros.errors import ProcurosAuthError, ProcurosError, ProcurosTransportError
from procuros_dagster.procuros.retry import RetryPolicy
from procuros_dagster.settings import ENV_VARS, ConfigError, ConnectionSettings, Settings, load_settings

OK, WARNING, PROBLEM = "ok", "warning", "problem"

#: variables every flow needs (PROCUROS_API_URL has a default, the settings path is optional)
REQUIRED_VARS = ("PROCUROS_API_TOKEN", "PROCUROS_GLN", "ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD")
#: Odoo apps: technical name -> what users see in Apps
REQUIRED_APPS = {"sale_management": "Sales", "stock": "Inventory", "account": "Invoicing",
                 "sale_stock": "Sales and Warehouse Management"}
PURCHASE_APPS = {"purchase": "Purchase"}
#: rights the order-to-cash flows use besides the connector group's own (CONNECTOR_ACCESS)
FLOW_ACCESS: tuple[tuple[str, str], ...] = (
    ("res.partner", "read"), ("product.product", "read"), ("uom.uom", "read"),
    ("sale.order", "create"), ("sale.order", "write"), ("stock.picking", "read"),
    ("account.move", "read"), ("mail.message", "create"),
)
ADMIN_GROUPS = ("base.group_system", "base.group_erp_manager")
SHOWN = 10  # names listed per finding; the rest is counted
PAGE = 2000
MIN_SCRUBBED = 4  # see render()


@dataclass(frozen=True)
class Finding:
    level: str  # ok | warning | problem
    check: str  # the area: "settings", "Procuros", "Odoo", "rights", "units", ...
    what: str
    fix: str = ""


def _ok(check: str, what: str) -> Finding:
    return Finding(OK, check, what)


def _names(items: Iterable[str]) -> str:
    items = list(items)
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


# --------------------------------------------------------------------------- settings, environment


def check_settings(environ: Mapping[str, str]) -> tuple[list[Finding], Settings]:
    path = (environ.get("PROCUROS_DAGSTER_SETTINGS") or "").strip()
    try:
        settings = load_settings(environ=environ)
    except ConfigError as exc:
        fix = "correct the settings file (settings.example.yaml lists every key); the checks below use the defaults"
        return [Finding(PROBLEM, "settings", p, fix) for p in exc.problems], Settings()
    if not path:
        return [_ok("settings", "no settings file (PROCUROS_DAGSTER_SETTINGS is not set): the built-in defaults apply")], settings
    return [_ok("settings", f"settings file {path} is valid")], settings


def check_environment(environ: Mapping[str, str]) -> tuple[list[Finding], ConnectionSettings]:
    """Every variable checked on its own, so one bad value does not hide the others' checks."""
    findings: list[Finding] = []
    valid: dict[str, str] = {}
    for var in ENV_VARS:
        if not (environ.get(var) or "").strip():
            continue
        try:
            ConnectionSettings.from_env({var: environ[var]})
        except ConfigError as exc:
            findings += [Finding(PROBLEM, "environment", p, f"correct {var}") for p in exc.problems]
        else:
            valid[var] = environ[var]
    conn = ConnectionSettings.from_env(valid)
    for var in REQUIRED_VARS:
        if var not in valid and not (environ.get(var) or "").strip():
            findings.append(Finding(PROBLEM, "environment", f"{var} is not set",
                                    f"set {var} in the connector's environment (README, Configuration)"))
    if not findings:
        findings.append(_ok("environment", "all connection variables are set"))
    return findings, conn


# --------------------------------------------------------------------------- Procuros


def check_procuros(conn: ConnectionSettings, settings: Settings) -> list[Finding]:
    if not conn.procuros_api_token:
        return []  # reported by the environment check
    return _ping(conn.procuros_api_url, conn.procuros_api_token.get(), settings, "PROCUROS_API_TOKEN", "Procuros")


def _ping(url: str, token: str, settings: Settings, var: str, check: str) -> list[Finding]:
    try:
        retry = RetryPolicy(max_attempts=2, total_budget=min(10.0, settings.procuros.max_retry_seconds))
        with ProcurosClient(url, token, timeout=settings.procuros.timeout_seconds,
                            retry=retry) as client, _quiet(logging.getLogger("procuros_dagster.procuros")):
            client.ping()  # the client's own warning would repeat the finding
    except ProcurosAuthError as exc:
        return [Finding(PROBLEM, check, f"the token was refused by {url} (HTTP {exc.status})",
                        f"set {var} to the API token of your ERP connection in Procuros; staging "
                        "(https://api.procuros-staging.io) and production tokens differ, check PROCUROS_API_URL too")]
    except ProcurosTransportError as exc:
        return [Finding(PROBLEM, check, f"cannot reach Procuros at {url}: {exc.message}",
                        "check PROCUROS_API_URL and that this machine can reach it")]
    except ProcurosError as exc:
        return [Finding(PROBLEM, check, f"Procuros at {url} answered the ping with an error: {exc}",
                        "check PROCUROS_API_URL; if it persists, ask Procuros support")]
    except ValueError as exc:  # the client refuses plain http to a non-loopback host
        return [Finding(PROBLEM, check, f"PROCUROS_API_URL {url}: {exc}", "use the https:// address")]
    return [_ok(check, f"{url} accepted the token (ping)")]


def check_integrations(environ: Mapping[str, str], conn: ConnectionSettings, settings: Settings) -> list[Finding]:
    """With several integrations declared: each one's token (a ping with it) and own GLN."""
    findings: list[Finding] = []
    for integration in settings.integrations:
        if integration.implicit or integration.status == "inactive":
            continue
        check = f"integration {integration.key}"
        try:
            integration.own_gln(environ)
        except ConfigError as exc:
            findings += [Finding(PROBLEM, check, p, f"set our GLN on it: gln in the settings or {integration.gln_env}")
                         for p in exc.problems]
        try:
            token = integration.token(environ)
        except ConfigError as exc:
            findings += [Finding(PROBLEM, check, p, f"set {integration.token_env} to this integration's API token")
                         for p in exc.problems]
            continue
        findings += _ping(conn.procuros_api_url, token.get(), settings, integration.token_env, check)
    return findings


@contextlib.contextmanager
def _quiet(logger: logging.Logger):
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------- Odoo


def connect_odoo(conn: ConnectionSettings) -> tuple[list[Finding], OdooGateway | None]:
    if not (conn.odoo_url and conn.odoo_db and conn.odoo_username and conn.odoo_password):
        return [], None  # reported by the environment check
    try:
        gw = OdooGateway.connect(conn.odoo_url, conn.odoo_db, conn.odoo_username, conn.odoo_password.get(),
                                 timeout=30)
    except OdooError as exc:
        fixes = {
            "OdooConnectionError": "check ODOO_URL and that this machine can reach it",
            "OdooVersionError": "point ODOO_URL at an Odoo 17 server",
            "OdooDatabaseError": "set ODOO_DB to the database name Odoo shows on its login page",
            "OdooAuthError": "check ODOO_USERNAME and ODOO_PASSWORD (the user's password or an API key of it)",
        }
        return [Finding(PROBLEM, "Odoo", str(exc), fixes.get(type(exc).__name__, "check the ODOO_* variables"))], None
    return [_ok("Odoo", f"Odoo {gw.server_version} at {gw.url}: logged in as {gw.username!r} on database {gw.db!r}")], gw


def check_apps(gw: OdooGateway) -> list[Finding]:
    wanted = {**REQUIRED_APPS, **PURCHASE_APPS}
    try:
        rows = gw.search_read("ir.module.module", [("name", "in", list(wanted))], ["name", "state"])
    except OdooError as exc:
        return [Finding(WARNING, "apps", f"cannot read Odoo's list of apps: {exc}",
                        "check the installed apps by hand: " + ", ".join(wanted.values()))]
    installed = {r["name"] for r in rows if r.get("state") == "installed"}
    findings = [Finding(PROBLEM, "apps", f"the Odoo app {label!r} ({name}) is not installed",
                        f"install {label!r} in Odoo (Apps)") for name, label in REQUIRED_APPS.items()
                if name not in installed]
    findings += [Finding(WARNING, "apps", f"the Odoo app {label!r} ({name}) is not installed: purchase-to-pay "
                         "will need it", f"install {label!r} in Odoo (Apps) before using purchase-to-pay")
                 for name, label in PURCHASE_APPS.items() if name not in installed]
    if not findings:
        findings.append(_ok("apps", "installed: " + ", ".join(wanted.values())))
    return findings


def check_rights(gw: OdooGateway) -> list[Finding]:
    """Effective rights (check_access_rights, however granted), then who the user is."""
    needed = [(m, op) for m, perms in CONNECTOR_ACCESS.items()
              for op, on in zip(("read", "write", "create", "unlink"), perms) if on] + list(FLOW_ACCESS)
    lacking = []
    for model, op in needed:  # one call per model and operation: a fixed dozen
        try:
            if not gw.call(model, "check_access_rights", [op], {"raise_exception": False}):
                lacking.append(f"{op} {model}")
        except OdooAccessError:
            lacking.append(f"{op} {model}")
    groups = _user_groups(gw) or {}
    if groups.get(GROUP_XMLID):  # in the group, yet without its rights: the group was changed
        remedy = (f"the '{CONNECTOR_GROUP}' group lost some of its rights: an administrator runs "
                  "procuros-dagster setup-odoo again, which restores them")
    else:
        remedy = (f"an administrator gives the user the '{CONNECTOR_GROUP}' group: "
                  f"ODOO_USERNAME=<admin> procuros-dagster setup-odoo --connector-user {gw.username}")
    findings = []
    if lacking:
        findings.append(Finding(PROBLEM, "rights", f"the Odoo user {gw.username!r} may not: {', '.join(lacking)}", remedy))
    if groups:
        if any(groups.get(x) for x in ADMIN_GROUPS):
            findings.append(Finding(WARNING, "rights", f"the connector runs as an administrator ({gw.username!r})",
                                    "use a least-privilege user: create an internal user, then "
                                    f"procuros-dagster setup-odoo --connector-user <login> and point ODOO_USERNAME at it"))
    if not lacking:
        findings.insert(0, _ok("rights", f"the Odoo user {gw.username!r} may read and create the connector's "
                               "bindings (ir.model.data), read fields, and create quotations"))
    return findings


def _user_groups(gw: OdooGateway) -> dict[str, bool] | None:
    """{group external id: the user is in it}; None when the user may not read them."""
    try:
        refs = gw.xmlids([GROUP_XMLID, *ADMIN_GROUPS])
        [user] = gw.read("res.users", [gw.uid], ["groups_id"])
    except (OdooError, ValueError):
        return None
    mine = set(user.get("groups_id") or [])
    return {x: refs[x][1] in mine for x in refs if refs[x][0] == "res.groups"}


def check_connector_setup(gw: OdooGateway) -> list[Finding]:
    try:
        check_setup(gw)
    except SetupMissingError as exc:
        return [Finding(PROBLEM, "setup", f"{exc} The unit and partner checks need them and were skipped.",
                        "an administrator runs procuros-dagster setup-odoo (or the setup_odoo job)")]
    except OdooAccessError:
        return [Finding(PROBLEM, "setup", f"cannot check the connector's fields: {gw.username!r} may not read "
                        "ir.model.fields", "give the user the connector's rights (see the rights check)")]
    except OdooError as exc:
        return [Finding(PROBLEM, "setup", f"cannot check the connector's fields: {exc}",
                        "check the Odoo server's log; then run doctor again")]
    return [_ok("setup", "the connector's fields are in Odoo")]


SETTINGS_REFS = (  # settings key, Odoo model, what users call it
    ("company", "res.company", "company"),
    ("sales_defaults.warehouse", "stock.warehouse", "warehouse"),
    ("sales_defaults.location", "stock.location", "location"),
    ("sales_defaults.shipping_method", "delivery.carrier", "shipping method"),
    ("sales_defaults.payment_terms", "account.payment.term", "payment terms"),
    ("sales_defaults.charge_product", "product.product", "product"),
)


def check_settings_in_odoo(gw: OdooGateway, settings: Settings) -> list[Finding]:
    """The Odoo records the settings name exist, once each (the flows resolve them every run)."""
    values = settings.as_dict()
    findings = []
    for key, model, label in SETTINGS_REFS:
        section, _, name = key.rpartition(".")
        ref = (values[section] if section else values)[name]
        if not ref:
            continue
        try:
            gw.resolve(model, [ref])
        except OdooLookupError as exc:
            how = "matches several" if exc.ambiguous else "matches no"
            findings.append(Finding(PROBLEM, "settings", f"{key}: {ref!r} {how} {label} in Odoo ({model})",
                                    f"use the {label}'s name exactly as Odoo shows it, or its external id"))
    for integration in settings.integrations:  # each declared integration books into its company
        if integration.implicit or not integration.company or integration.company == settings.company:
            continue
        try:
            gw.resolve("res.company", [integration.company])
        except OdooLookupError as exc:
            how = "matches several" if exc.ambiguous else "matches no"
            findings.append(Finding(PROBLEM, "settings",
                                    f"integrations.{integration.key}.company: {integration.company!r} {how} company in Odoo",
                                    "use the company's name exactly as Odoo shows it, or its external id"))
    return findings


# --------------------------------------------------------------------------- master data


def _label(rec: dict) -> str:
    code = rec.get("default_code")
    return f"[{code}] {rec['name']}" if code else str(rec.get("name"))


def _with_barcode(rec: dict) -> str:
    return f"{_label(rec)} ({rec['barcode']})"


def read_products(gw: OdooGateway) -> list[dict]:
    """All active products, paged: sellable ones are checked, all of them count for duplicates."""
    return list(gw.iter_search_read("product.product", [], ["id", "name", "default_code", "barcode", "uom_id",
                                                            "sale_ok"], order="id", page_size=PAGE))


def check_units(gw: OdooGateway, settings: Settings, products: list[dict]) -> list[Finding]:
    sellable = [p for p in products if p.get("sale_ok")]
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for p in sellable:
        if m2o_id(p.get("uom_id")):
            by_unit[m2o_id(p["uom_id"])].append(p)
    findings: list[Finding] = []
    overridden: set[int] = set()
    if settings.uom_codes:
        try:
            overridden = set(gw.resolve("uom.uom", list(settings.uom_codes)).values())
        except OdooLookupError as exc:
            findings.append(Finding(PROBLEM, "units", f"settings uom_codes: {exc}",
                                    "name the unit as Odoo shows it, or use its external id"))
    units = gw.read("uom.uom", sorted(by_unit), ["id", "name", "x_procuros_unit_code"])  # archived ones too
    for u in units:
        if u.get("x_procuros_unit_code") or u["id"] in overridden:
            continue
        used = by_unit[u["id"]]
        findings.append(Finding(
            PROBLEM, "units",
            f"unit {u['name']!r} has no Procuros Unit Type; {len(used)} sellable product(s) use it: "
            f"{_names(_label(p) for p in used)}",
            f"set Procuros Unit Type on {u['name']!r} (Inventory → Configuration → Units of Measure), "
            f"or map it in the settings file under uom_codes"))
    if not findings:
        findings.append(_ok("units", f"all {len(units)} unit(s) of sellable products have a Procuros unit code"))
    return findings


def check_partners(gw: OdooGateway) -> list[Finding]:
    """Partners with a Procuros switch, and their addresses: a valid GLN each, used once."""
    switched = [(f"commercial_partner_id.{s}", "!=", False) for s in PARTNER_SWITCHES]
    domain = ["|"] * (len(switched) - 1) + switched
    partners = gw.search_read("res.partner", domain, ["id", "name", "ref", "commercial_partner_id"], order="id")
    findings: list[Finding] = []
    fix = "correct the Reference (Contacts → {name} → Sales & Purchase): the GLN your trade partner gave you"
    glns = set()
    for p in partners:
        ref = p.get("ref") or ""
        company = m2o_id(p.get("commercial_partner_id")) == p["id"]
        if not ref:
            if company:
                findings.append(Finding(PROBLEM, "partners", f"{p['name']!r} has Procuros switches on but no GLN "
                                        "in its Reference", fix.format(name=p["name"])))
            continue
        problem = gln_problem(ref)
        if problem:
            findings.append(Finding(PROBLEM, "partners", f"{p['name']!r}: Reference {problem}", fix.format(name=p["name"])))
        else:
            glns.add(ref)
    users: dict[str, list[dict]] = defaultdict(list)
    if glns:
        for p in gw.search_read("res.partner", [("ref", "in", sorted(glns))], ["id", "name", "ref", "commercial_partner_id"],
                                order="id"):
            users[p["ref"]].append(p)
    for gln, same in sorted(users.items()):
        owners = {m2o_id(p["commercial_partner_id"]) for p in same}
        if len(owners) > 1:
            findings.append(Finding(PROBLEM, "partners", f"GLN {gln} is used by {len(same)} partners: "
                                    f"{_names(repr(p['name']) for p in same)}; orders cannot tell them apart",
                                    "a GLN identifies one party: keep it on one contact, correct or archive the others"))
        elif len(same) > 1:
            findings.append(Finding(WARNING, "partners", f"GLN {gln} is on {len(same)} contacts of the same customer: "
                                    f"{_names(repr(p['name']) for p in same)}",
                                    "give each delivery or invoice address its own GLN, or none (then the customer's applies)"))
    if not findings:
        findings.append(_ok("partners", f"{len(partners)} Procuros partner(s) and address(es): every GLN valid and unique"))
    return findings


def check_supplier_positions(gw: OdooGateway) -> list[Finding]:
    """Procuros suppliers Odoo would put under a foreign fiscal position: a supplier in our own
    country with a VAT id and no position of its own gets the first auto-applied position requiring
    a VAT id for its country or country group — with the German chart "Business partner EU (with VAT
    ID)", whose reverse-charge taxes put no VAT on its purchase orders and bills (transcript 17)."""
    suppliers = gw.search_read("res.partner", [("x_procuros_connector", "!=", False), ("is_company", "=", True),
                                               ("vat", "!=", False), ("property_account_position_id", "=", False)],
                               ["id", "name", "country_id", "company_id"], order="id")
    if not suppliers:
        return []
    companies = {c["id"]: m2o_id(c.get("country_id"))
                 for c in gw.search_read("res.company", [], ["id", "country_id"])}
    home = companies.get(min(companies)) if companies else None
    positions = gw.search_read("account.fiscal.position", [("auto_apply", "=", True), ("vat_required", "=", True)],
                               ["id", "name", "country_id", "country_group_id", "company_id"], order="sequence, id")
    groups = {g["id"]: set(g.get("country_ids") or []) for g in gw.read(
        "res.country.group", sorted({m2o_id(p["country_group_id"]) for p in positions if p.get("country_group_id")}),
        ["id", "country_ids"])} if any(p.get("country_group_id") for p in positions) else {}
    findings = []
    for s in suppliers:
        country = m2o_id(s.get("country_id"))
        ours = companies.get(m2o_id(s.get("company_id")), home)
        if not country or country != ours:
            continue
        exact = [p for p in positions if m2o_id(p.get("country_id")) == country]
        grouped = [p for p in positions if not p.get("country_id")
                   and country in groups.get(m2o_id(p.get("country_group_id")), set())]
        chosen = (exact or grouped or [None])[0]
        if chosen and not exact:
            findings.append(Finding(WARNING, "partners", (
                f"supplier {s['name']!r} has a VAT id and no fiscal position: Odoo puts its purchase orders and "
                f"bills under {chosen['name']!r} (reverse charge: no VAT on its orders, and its invoices' VAT does "
                "not match its bills)"), f"set its Fiscal Position (Contacts → {s['name']} → Sales & Purchase), "
                                        "e.g. the domestic one"))
    return findings


def check_products(products: list[dict]) -> list[Finding]:
    sellable = [p for p in products if p.get("sale_ok")]
    missing = [p for p in sellable if not (p.get("barcode") or "").strip()]
    invalid = [p for p in sellable if (p.get("barcode") or "").strip() and not is_valid_gtin(p["barcode"])]
    findings: list[Finding] = []
    where = "Inventory → Products → the product → Barcode"
    if missing:
        findings.append(Finding(PROBLEM, "products", f"{len(missing)} sellable product(s) have no barcode (GTIN): "
                                f"{_names(_label(p) for p in missing)}",
                                f"enter the product's GTIN as its Barcode ({where}), or untick 'Can be Sold'"))
    if invalid:
        findings.append(Finding(PROBLEM, "products", f"{len(invalid)} sellable product(s) have a barcode that is no "
                                "valid GTIN (8, 12, 13 or 14 digits with a GS1 check digit): "
                                f"{_names(_with_barcode(p) for p in invalid)}",
                                f"correct the Barcode ({where})"))
    by_key: dict[str, list[dict]] = defaultdict(list)
    for p in products:
        key = gtin_key(p.get("barcode"))
        if key:
            by_key[key].append(p)
    for key, same in sorted(by_key.items()):
        if len(same) > 1 and any(p.get("sale_ok") for p in same):
            findings.append(Finding(PROBLEM, "products", f"barcode {same[0]['barcode'].strip()} is shared by "
                                    f"{_names(_with_barcode(p) for p in same)}; an order line "
                                    "with this GTIN matches none of them", "keep the GTIN on one product"))
    if not findings:
        findings.append(_ok("products", f"{len(sellable)} sellable product(s): every barcode a valid, unique GTIN"))
    return findings


# --------------------------------------------------------------------------- the whole run


def run(environ: Mapping[str, str] | None = None) -> list[Finding]:
    environ = os.environ if environ is None else environ
    findings, settings = check_settings(environ)
    env_findings, conn = check_environment(environ)
    findings += env_findings
    findings += check_procuros(conn, settings)
    findings += check_integrations(environ, conn, settings)
    odoo_findings, gw = connect_odoo(conn)
    findings += odoo_findings
    if gw is None:
        return findings
    findings += _guarded("apps", check_apps, gw)
    findings += _guarded("rights", check_rights, gw)
    setup = check_connector_setup(gw)
    findings += setup
    try:
        products = read_products(gw)
    except OdooError as exc:
        return findings + [Finding(PROBLEM, "products", f"cannot read the products: {exc}",
                                   "give the user the connector's rights (see the rights check)")]
    findings += _guarded("settings", check_settings_in_odoo, gw, settings)
    if setup[0].level == OK:
        findings += _guarded("units", check_units, gw, settings, products)
        findings += _guarded("partners", check_partners, gw)
        findings += _guarded("partners", check_supplier_positions, gw)
    findings += check_products(products)
    return findings


def _guarded(check: str, fn: Callable[..., list[Finding]], *args) -> list[Finding]:
    """An Odoo error in one check is that check's finding; the others still run."""
    try:
        return fn(*args)
    except OdooError as exc:
        return [Finding(PROBLEM, check, f"the check failed: {exc}", "see the rights check; then run doctor again")]


def render(findings: list[Finding], secrets: Iterable[str] = ()) -> str:
    labels = {OK: "ok", WARNING: "warning", PROBLEM: "PROBLEM"}
    lines = ["procuros-dagster doctor"]
    for f in findings:
        what = " ".join(f.what.split())  # server messages span lines; one finding is one line
        lines.append(f"  {labels[f.level]:<8} {f.check}: {what}")
        if f.fix and f.level != OK:
            lines.append(f"  {'':<8} fix: {f.fix}")
    problems = sum(f.level == PROBLEM for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    if problems:
        lines.append(f"{problems} problem(s), {warnings} warning(s): fix the problems above and run doctor again.")
    else:
        lines.append(f"no problems, {warnings} warning(s): the connector is ready to run.")
    text = "\n".join(lines)
    # Our own texts never hold a secret; this catches one a server or a library echoed. A secret
    # of a few characters is no secret worth the name, and blanking it would garble the report.
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SCRUBBED:
            text = text.replace(secret, "********")
    return text


def main(environ: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    """Print the report; 1 when there is any problem (warnings do not fail), else 0."""
    environ = os.environ if environ is None else environ
    findings = run(environ)
    secrets = [environ.get("PROCUROS_API_TOKEN", ""), environ.get("ODOO_PASSWORD", "")]
    print(render(findings, [s.strip() for s in secrets] + secrets), file=out or sys.stdout)
    return 1 if any(f.level == PROBLEM for f in findings) else 0
