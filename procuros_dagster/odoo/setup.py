"""Provision the settings users keep on Odoo's own forms, without shipping an Odoo module.

``provision(gw)`` creates or updates, idempotently and through RPC only:
* the custom fields of the contract (ir.model.fields, state "manual");
* the Procuros unit code of Odoo's standard units (only where still empty: users' edits win);
* two inherited form views (partner: a "Procuros" group in the Sales & Purchase tab; unit of
  measure: the code after the category), bound as procuros.* external ids so a re-run finds and
  updates them instead of adding copies.
Running it twice changes nothing. ``check_setup(gw)`` costs one round trip.

Command line: ``python -m procuros_dagster.odoo.setup [--check]`` (reads ODOO_URL, ODOO_DB,
ODOO_USERNAME, ODOO_PASSWORD).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .errors import CONNECTOR_GROUP, OdooError, SetupMissingError

# Procuros UnitOfMeasure codes with their UN/CEFACT meaning as the label (declared in mapping/units.py)
from procuros_dagster.mapping.units import UNIT_SELECTION as UNIT_CODES


@dataclass(frozen=True)
class FieldSpec:
    model: str
    name: str
    ttype: str
    label: str
    help: str = ""
    index: bool = False
    selection: tuple[tuple[str, str], ...] | None = None

    def vals(self) -> dict[str, Any]:
        v: dict[str, Any] = {"field_description": self.label, "help": self.help, "index": self.index}
        if self.selection is not None:
            v["selection"] = repr([list(p) for p in self.selection])
        return v


_TX = "Id of the inbound Procuros transaction this record was created from (idempotency key)."
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("res.partner", "x_procuros_connector", "char", "Procuros Connector",
              "Name of the Procuros integration this partner trades through."),
    FieldSpec("res.partner", "x_procuros_require_order_response", "boolean", "Require Order Response",
              "Purchase orders to this supplier are confirmed by its Procuros order response."),
    FieldSpec("res.partner", "x_procuros_send_invoice", "boolean", "Send Invoice & Credit Notes",
              "Send this customer's invoices and credit notes through Procuros."),
    FieldSpec("res.partner", "x_procuros_send_credit_note_reason", "boolean", "Send Credit Note Reason",
              "Include the credit note reason in credit notes sent through Procuros."),
    FieldSpec("res.partner", "x_procuros_send_shipping_notice", "boolean", "Send Shipping Notice",
              "Send shipping notices for this customer's deliveries through Procuros."),
    FieldSpec("uom.uom", "x_procuros_unit_code", "selection", "Procuros Unit Type",
              "Unit code used for this unit in Procuros documents.", selection=tuple(UNIT_CODES)),
    *(FieldSpec(m, "x_procuros_transaction_id", "char", "Procuros Transaction", _TX, index=True)
      for m in ("sale.order", "purchase.order", "stock.picking", "account.move")),
    FieldSpec("sale.order", "x_procuros_order_date", "datetime", "Procuros Order Date",
              "The buyer's order date (confirming the order overwrites the order date)."),
    FieldSpec("sale.order", "x_procuros_buyer_gln", "char", "Procuros Buyer GLN", "GLN of the ordering party."),
    FieldSpec("sale.order.line", "x_procuros_line_number", "integer", "Procuros Line Number",
              "The buyer's line number, echoed as orderLineNumber in shipping notices and invoices."),
    FieldSpec("sale.order.line", "x_procuros_is_deposit", "boolean", "Procuros Deposit Line",
              "The buyer sent this line as a deposit item (isDepositItem)."),
)
MODELS = tuple(dict.fromkeys(f.model for f in FIELDS))

# Odoo's standard units by external id -> Procuros code (dozens have no Procuros code)
STANDARD_UNITS: dict[str, str] = {
    "uom.product_uom_unit": "EA",
    "uom.product_uom_kgm": "KGM",
    "uom.product_uom_gram": "GRM",
    "uom.product_uom_ton": "TNE",
    "uom.product_uom_litre": "LTR",
    "uom.product_uom_cubic_meter": "MTQ",
    "uom.product_uom_meter": "MTR",
    "uom.product_uom_cm": "CMT",
    "uom.product_uom_km": "KMT",
    "uom.uom_square_meter": "MTK",
    "uom.product_uom_hour": "HUR",
    "uom.product_uom_day": "DAY",
}

PARTNER_VIEW_ARCH = """<data>
  <xpath expr="//page[@name='sales_purchases']" position="inside">
    <group string="Procuros" name="procuros">
      <field name="x_procuros_connector"/>
      <field name="x_procuros_require_order_response"/>
      <field name="x_procuros_send_invoice"/>
      <field name="x_procuros_send_credit_note_reason"/>
      <field name="x_procuros_send_shipping_notice"/>
    </group>
  </xpath>
</data>"""
UOM_VIEW_ARCH = """<data>
  <xpath expr="//field[@name='category_id']" position="after">
    <field name="x_procuros_unit_code"/>
  </xpath>
</data>"""


@dataclass(frozen=True)
class ViewSpec:
    xmlid: str         # procuros.<name>
    inherit: str       # external id of the inherited view
    model: str
    name: str
    arch: str


VIEWS = (
    ViewSpec("procuros.view_partner_form_procuros", "base.view_partner_form", "res.partner",
             "res.partner.form.procuros", PARTNER_VIEW_ARCH),
    ViewSpec("procuros.view_uom_form_procuros", "uom.product_uom_form_view", "uom.uom",
             "uom.uom.form.procuros", UOM_VIEW_ARCH),
)


@dataclass
class SetupReport:
    url: str = ""
    integration_name: str = ""
    fields_created: list[str] = field(default_factory=list)
    fields_updated: list[str] = field(default_factory=list)
    units_set: dict[str, str] = field(default_factory=dict)
    views_created: list[str] = field(default_factory=list)
    views_updated: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fields_created or self.fields_updated or self.units_set or self.views_created
                    or self.views_updated or self.access)

    def __str__(self) -> str:
        lines = [f"Procuros setup of Odoo at {self.url} ({self.integration_name})"]
        for label, items in (("fields created", self.fields_created), ("fields updated", self.fields_updated),
                             ("views created", self.views_created), ("views updated", self.views_updated)):
            lines.append(f"  {label}: {', '.join(items) if items else '-'}")
        units = ", ".join(f"{k}={v}" for k, v in self.units_set.items())
        lines.append(f"  unit codes set: {units or '-'}")
        lines.extend(f"  connector access: {a}" for a in self.access)
        lines.extend(f"  warning: {w}" for w in self.warnings)
        if not self.changed:
            lines.append("  nothing to do: already up to date")
        return "\n".join(lines)


def _key(model: str, name: str) -> str:
    return f"{model}.{name}"


def _existing_fields(gw) -> dict[tuple[str, str], dict]:
    rows = gw.search_read(
        "ir.model.fields",
        [("model", "in", list(MODELS)), ("name", "in", sorted({f.name for f in FIELDS}))],
        ["id", "model", "name", "ttype", "field_description", "help", "index", "selection", "state"],
    )
    found = {(r["model"], r["name"]): r for r in rows}
    gw.procuros_fields = set(found)
    return found


def check_setup(gw) -> None:
    """Raise SetupMissingError when any contract field is missing (one round trip)."""
    found = _existing_fields(gw)
    missing = [_key(f.model, f.name) for f in FIELDS if (f.model, f.name) not in found]
    if missing:
        raise SetupMissingError(
            f"Odoo at {gw.url} lacks the Procuros fields ({', '.join(missing)}). "
            "Run the setup job `setup_odoo` or `procuros-dagster setup-odoo` first."
        )


def _selection(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str) and value.strip():
        try:
            return [tuple(p) for p in ast.literal_eval(value)]
        except (ValueError, SyntaxError):
            return []
    return []


def _field_changes(spec: FieldSpec, row: dict) -> dict[str, Any]:
    wanted = spec.vals()
    changes = {}
    for k, v in wanted.items():
        have = row.get(k)
        if k == "selection":
            if _selection(have) != [tuple(p) for p in spec.selection or ()]:
                changes[k] = v
        elif k == "help":
            if (have or "") != v:
                changes[k] = v
        elif have != v:
            changes[k] = v
    return changes


def _norm_arch(arch: Any) -> str:
    return re.sub(r">\s+<", "><", str(arch or "")).strip()


def provision(gw, integration_name: str = "Procuros Connector", connector_user: str | None = None) -> SetupReport:
    """Everything the flows need in Odoo; ``connector_user`` (a login) gets the connector group."""
    report = SetupReport(url=gw.url, integration_name=integration_name)
    _provision_fields(gw, report)
    _provision_units(gw, report)
    _provision_views(gw, report)
    _provision_connector_group(gw, report, connector_user)
    return report


# --- the integration user's rights --------------------------------------------------------------
# The flows run as a least-privilege Odoo user. Sales / User: All Documents, Inventory / User and
# Invoicing / Billing cover the documents; what they lack (transcript 13) is granted by the
# "Procuros connector" group: reading and creating the connector's bindings in ir.model.data, and
# reading ir.model.fields (the setup check). Nothing may be written or deleted there.
GROUP_XMLID = "procuros.group_connector"
GROUP_NAME = CONNECTOR_GROUP
IMPLIED_GROUPS = ("sales_team.group_sale_salesman_all_leads", "stock.group_stock_user",
                  "account.group_account_invoice")
CONNECTOR_ACCESS: dict[str, tuple[bool, bool, bool, bool]] = {
    # model: (read, write, create, unlink)
    "ir.model.data": (True, False, True, False),
    "ir.model.fields": (True, False, False, False),
}


def _access_xmlid(model: str) -> str:
    return f"procuros.access_connector_{model.replace('.', '_')}"


def _provision_connector_group(gw, report: SetupReport, connector_user: str | None) -> None:
    refs = gw.xmlids([GROUP_XMLID, *IMPLIED_GROUPS, *(_access_xmlid(m) for m in CONNECTOR_ACCESS)])
    implied = sorted(refs[x][1] for x in IMPLIED_GROUPS if x in refs)
    missing = [x for x in IMPLIED_GROUPS if x not in refs]
    if missing:
        report.warnings.append(f"groups {', '.join(missing)} not found (is the app installed?)")
    group = refs.get(GROUP_XMLID)
    if group is None:
        [gid] = gw.create("res.groups", [{
            "name": GROUP_NAME, "implied_ids": [[6, 0, implied]],
            "comment": "Rights of the Odoo user the Procuros connector runs as (see the connector's README)."}])
        gw.create_bindings([(GROUP_XMLID.split(".", 1)[1], "res.groups", gid)])
        report.access.append(f"group '{GROUP_NAME}' created")
    else:
        gid = group[1]
        [row] = gw.read("res.groups", [gid], ["implied_ids"])
        if not set(implied) <= set(row.get("implied_ids") or []):
            gw.write("res.groups", [gid], {"implied_ids": [[4, i] for i in implied]})
            report.access.append(f"group '{GROUP_NAME}' implied groups updated")
    _provision_access_rows(gw, report, gid, refs)
    if connector_user:
        users = gw.search_read("res.users", [("login", "=", connector_user)], ["id", "groups_id"])
        if not users:
            report.warnings.append(f"user {connector_user!r} not found: no rights given")
        elif gid not in (users[0].get("groups_id") or []):
            gw.write("res.users", [users[0]["id"]], {"groups_id": [[4, gid]]})
            report.access.append(f"user {connector_user!r} added to '{GROUP_NAME}'")


def _provision_access_rows(gw, report: SetupReport, gid: int, refs: dict) -> None:
    fields = ["perm_read", "perm_write", "perm_create", "perm_unlink", "group_id", "active"]
    bound = {m: refs[_access_xmlid(m)][1] for m in CONNECTOR_ACCESS if _access_xmlid(m) in refs}
    current = {r["id"]: r for r in gw.read("ir.model.access", list(bound.values()), fields)}
    to_create = []
    for model, perms in CONNECTOR_ACCESS.items():
        wanted = dict(zip(fields[:4], perms)) | {"group_id": gid, "active": True}
        row = current.get(bound.get(model))
        if row is None:
            to_create.append(model)
            continue
        have = {**row, "group_id": row["group_id"][0] if isinstance(row.get("group_id"), list) else row.get("group_id")}
        changes = {k: v for k, v in wanted.items() if have.get(k) != v}
        if changes:
            gw.write("ir.model.access", [row["id"]], changes)
            report.access.append(f"access to {model} corrected")
    if not to_create:
        return
    model_ids = {r["model"]: r["id"] for r in gw.search_read("ir.model", [("model", "in", to_create)], ["id", "model"])}
    new_ids = gw.create("ir.model.access", [
        {"name": f"procuros connector {m}", "model_id": model_ids[m], "group_id": gid,
         **dict(zip(fields[:4], CONNECTOR_ACCESS[m]))} for m in to_create])
    stale = [_access_xmlid(m).split(".", 1)[1] for m in to_create if m in bound]
    if stale:  # a binding left behind by a deleted row would block the new one
        gw.unlink("ir.model.data", gw.search("ir.model.data", [("module", "=", "procuros"), ("name", "in", stale)]))
    gw.create_bindings([(_access_xmlid(m).split(".", 1)[1], "ir.model.access", i) for m, i in zip(to_create, new_ids)])
    report.access += [f"access to {m} granted ({_perms(CONNECTOR_ACCESS[m])})" for m in to_create]


def _perms(perms: tuple[bool, bool, bool, bool]) -> str:
    return ", ".join(n for n, on in zip(("read", "write", "create", "delete"), perms) if on)


def _provision_fields(gw, report: SetupReport) -> None:
    existing = _existing_fields(gw)
    to_create = [f for f in FIELDS if (f.model, f.name) not in existing]
    for spec in FIELDS:
        row = existing.get((spec.model, spec.name))
        if row is None:
            continue
        if row["ttype"] != spec.ttype:
            raise OdooError(f"{_key(spec.model, spec.name)} exists as {row['ttype']}, expected {spec.ttype}; "
                            "remove or rename it in Odoo first")
        changes = _field_changes(spec, row)
        if changes:
            gw.write("ir.model.fields", [row["id"]], changes)
            report.fields_updated.append(_key(spec.model, spec.name))
    if to_create:
        models = {r["model"]: r["id"] for r in gw.search_read(
            "ir.model", [("model", "in", sorted({f.model for f in to_create}))], ["id", "model"])}
        absent = sorted({f.model for f in to_create} - set(models))
        if absent:
            raise OdooError(f"Odoo at {gw.url} has no model(s) {', '.join(absent)} (apps not installed?)")
        gw.create("ir.model.fields", [
            {"model_id": models[f.model], "name": f.name, "ttype": f.ttype, "state": "manual", **f.vals()}
            for f in to_create
        ])
        report.fields_created = [_key(f.model, f.name) for f in to_create]
        gw.procuros_fields |= {(f.model, f.name) for f in to_create}


def _provision_units(gw, report: SetupReport) -> None:
    units = gw.xmlids(STANDARD_UNITS)
    ids = {xmlid: res_id for xmlid, (model, res_id) in units.items() if model == "uom.uom"}
    if not ids:
        return
    current = {r["id"]: r for r in gw.read("uom.uom", list(ids.values()), ["name", "x_procuros_unit_code"])}
    by_code: dict[str, list[int]] = defaultdict(list)
    for xmlid, res_id in ids.items():
        rec = current.get(res_id)
        if rec is not None and not rec.get("x_procuros_unit_code"):  # users' choice wins
            by_code[STANDARD_UNITS[xmlid]].append(res_id)
            report.units_set[rec["name"]] = STANDARD_UNITS[xmlid]
    for code, uom_ids in by_code.items():
        gw.write("uom.uom", uom_ids, {"x_procuros_unit_code": code})


def _provision_views(gw, report: SetupReport) -> None:
    refs = gw.xmlids([v.xmlid for v in VIEWS] + [v.inherit for v in VIEWS])
    bound = {v.xmlid: refs[v.xmlid][1] for v in VIEWS if v.xmlid in refs}
    current = {r["id"]: r for r in gw.read("ir.ui.view", list(bound.values()),
                                           ["name", "model", "inherit_id", "arch", "active"])}
    to_create: list[ViewSpec] = []
    for spec in VIEWS:
        parent = refs.get(spec.inherit)
        if parent is None:
            report.warnings.append(f"view {spec.inherit} not found: {spec.xmlid} not installed")
            continue
        vals = {"name": spec.name, "model": spec.model, "inherit_id": parent[1], "arch": spec.arch,
                "type": "form", "mode": "extension", "priority": 99, "active": True}
        rec = current.get(bound.get(spec.xmlid))
        if rec is None:
            to_create.append(spec)
            continue
        changes = {}
        if _norm_arch(rec.get("arch")) != _norm_arch(spec.arch):
            changes["arch"] = spec.arch
        inherit = rec.get("inherit_id")
        if (inherit[0] if isinstance(inherit, list) else inherit) != parent[1]:
            changes["inherit_id"] = parent[1]
        if not rec.get("active", True):
            changes["active"] = True
        if rec.get("name") != spec.name:
            changes["name"] = spec.name
        if changes:
            gw.write("ir.ui.view", [rec["id"]], changes)
            report.views_updated.append(spec.xmlid)
    if to_create:
        new_ids = gw.create("ir.ui.view", [
            {"name": s.name, "model": s.model, "inherit_id": refs[s.inherit][1], "arch": s.arch, "type": "form",
             "mode": "extension", "priority": 99, "active": True} for s in to_create
        ])
        # a binding left behind by a deleted view would block the create: drop stale ones first
        stale = [s.xmlid.split(".", 1)[1] for s in to_create if s.xmlid in bound]
        if stale:
            old = gw.search("ir.model.data", [("module", "=", "procuros"), ("name", "in", stale)])
            gw.unlink("ir.model.data", old)
        gw.create_bindings([(s.xmlid.split(".", 1)[1], "ir.ui.view", vid) for s, vid in zip(to_create, new_ids)])
        report.views_created = [s.xmlid for s in to_create]


def main(argv: list[str] | None = None) -> int:
    from .gateway import OdooGateway

    parser = argparse.ArgumentParser(prog="python -m procuros_dagster.odoo.setup",
                                     description="Create/update the Procuros fields and views in Odoo "
                                                 "(env: ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD).")
    parser.add_argument("--check", action="store_true", help="only check that the fields exist")
    parser.add_argument("--integration-name", default="Procuros Connector")
    parser.add_argument("--connector-user", metavar="LOGIN",
                        help="the Odoo user the flows run as: gets the 'Procuros connector' group")
    args = parser.parse_args(argv)
    try:
        gw = OdooGateway.from_env()
        if args.check:
            check_setup(gw)
            print(f"Odoo at {gw.url}: Procuros fields present")
        else:
            print(provision(gw, integration_name=args.integration_name, connector_user=args.connector_user))
    except OdooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
