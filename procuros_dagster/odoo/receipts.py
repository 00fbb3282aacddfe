"""The receipts' Odoo reader and writer: a supplier's shipping notice set on our purchase order's receipt.

Reading: one batched read per kind and chunk — suppliers, purchase orders, their receipts, the
receipts' moves, the moves' products and order lines, the notices' bindings.

Writing, per chunk, a constant number of calls: the reservation lines of the moves a notice
fills are replaced by the notice's (quantity in the move's unit, lot, SSCC package), the moves
marked picked, packages and lots created once by name, the notice bound to the receipt through
the Binder, a chatter note on the receipt. The receipt is left for the warehouse to validate
unless ``purchase_defaults.validate_receipts`` is on.

Exactly once even after a crash, as the sales orders (sale_orders.py): each line carries its
notice's transaction id in the same create, so a notice's lines exist completely or not at all,
and a rerun that finds them finishes the notice (picked, bound, noted) instead of setting it
again. A killed run's create keeps running in Odoo and may commit after the rerun looked, so
notices are claimed first (``Binder.claim``): one an earlier run claimed and may still be
setting is left pending at Procuros (``in_flight``); a claim that expired is taken over, after
looking once more for lines the dead run set. Only Odoo's reservation lines are replaced, never
lines another notice set.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Sequence

from procuros_dagster.mapping import receipts_in
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.bindings import MAX_CLAIMS
from procuros_dagster.odoo.errors import OdooRpcError

log = logging.getLogger(__name__)

MODEL = "stock.picking"
BINDING_PREFIX = "receipt"  # the movement's (movements.RECEIPTS); the Binder builds the names
PICKING_FIELDS = ["id", "name", "state", "purchase_id", "picking_type_code", "location_id", "location_dest_id"]
MOVE_FIELDS = ["id", "picking_id", "product_id", "product_uom", "product_uom_qty", "quantity", "picked", "state",
               "purchase_line_id"]
LINE_MODEL = "stock.move.line"
TX_FIELD = "x_procuros_transaction_id"  # on the lines a notice sets (odoo/setup.py)


@dataclass(frozen=True)
class RunLookups:
    uoms: dict[int, dict]
    uom_overrides: dict[str, int]
    scope: str  # the integration's binding scope


def run_lookups(gateway, settings, integration) -> RunLookups:
    uoms = {u["id"]: {**u, "category_id": m2o_id(u.get("category_id"))} for u in gateway.uoms()}
    overrides = gateway.unit_code_overrides(settings.uom_codes)
    return RunLookups(uoms, overrides, integration.prefix)


def lot_has_expiry(gateway) -> bool:
    """stock.lot has expiration_date only with Odoo's product_expiry (Inventory > Settings >
    Expiration Dates); without it the expiry is kept in the receipt's chatter note only."""
    found = gateway.call("stock.lot", "fields_get", [["expiration_date"]], {"attributes": ["type"]})
    return "expiration_date" in (found or {})


def _unique(values) -> list:
    return sorted({v for v in values if isinstance(v, str) and v})


def fetch_receipt_lookups(gateway, norm: receipts_in.Normalised, settings, integration,
                          per_run: RunLookups | None = None) -> receipts_in.ReceiptLookups:
    per_run = per_run or run_lookups(gateway, settings, integration)
    headers = norm.headers
    glns = _unique(headers["supplier_gln"])
    refs = _unique(headers["order_identifier"])
    tids = _unique(headers["transaction_id"])
    suppliers: dict[str, list[int]] = {}
    for p in gateway.partners_by_ref(glns, ["id", "ref", "commercial_partner_id"]) if glns else []:
        suppliers.setdefault(p["ref"], []).append(m2o_id(p.get("commercial_partner_id")) or p["id"])
    orders = (gateway.search_read("purchase.order", [("name", "in", refs)], ["id", "name", "state", "partner_id",
                                                                            "company_id"]) if refs else [])
    # the order's supplier as its commercial partner: a PO may be placed with a supplier's contact
    partner_ids = sorted({m2o_id(o["partner_id"]) for o in orders if o.get("partner_id")})
    commercial = ({p["id"]: m2o_id(p["commercial_partner_id"]) or p["id"]
                   for p in gateway.read("res.partner", partner_ids, ["id", "commercial_partner_id"])}
                  if partner_ids else {})
    orders = [{"id": o["id"], "name": o["name"], "state": o["state"],
               "partner_id": commercial.get(m2o_id(o.get("partner_id"))), "company_id": m2o_id(o.get("company_id"))}
              for o in orders]
    pickings = (gateway.search_read(MODEL, [("purchase_id", "in", [o["id"] for o in orders])], PICKING_FIELDS)
                if orders else [])
    receipts = [{"id": p["id"], "name": p["name"], "state": p["state"], "purchase_id": m2o_id(p["purchase_id"])}
                for p in pickings if p.get("picking_type_code") == "incoming"]
    open_ids = [r["id"] for r in receipts if r["state"] in receipts_in.OPEN_RECEIPT]
    # lines these notices set already: an interrupted run's, not bound yet (see the module docstring)
    marked = _marked_lines(gateway, tids)
    applied = {ln["tid"]: ln["picking_id"] for ln in marked}
    touched = {ln["move_id"] for ln in marked}
    # a move holding a notice's lines has that notice's quantity, even if the run died before picking it
    moves = [{**m, "picking_id": m2o_id(m["picking_id"]), "product_id": m2o_id(m["product_id"]),
              "product_uom": m2o_id(m["product_uom"]), "purchase_line_id": m2o_id(m.get("purchase_line_id")),
              "picked": bool(m.get("picked")) or m["id"] in touched}
             for m in (gateway.search_read("stock.move", [("picking_id", "in", open_ids)], MOVE_FIELDS)
                       if open_ids else [])]
    product_ids = sorted({m["product_id"] for m in moves})
    products = ({p["id"]: p for p in gateway.read("product.product", product_ids,
                                                   ["id", "barcode", "default_code", "name"])}
                if product_ids else {})
    line_ids = sorted({m["purchase_line_id"] for m in moves if m["purchase_line_id"]})
    line_units = ({l["id"]: m2o_id(l["product_uom"]) for l in gateway.read("purchase.order.line", line_ids,
                                                                           ["id", "product_uom"])}
                  if line_ids else {})
    binder = Binder(gateway, BINDING_PREFIX, per_run.scope)
    bound = {key: res_id for key, (_, res_id) in binder.find(tids, MODEL).items()} if tids else {}
    return receipts_in.ReceiptLookups(suppliers=suppliers, orders=orders, receipts=receipts, moves=moves,
                                      products=products, line_units=line_units, uoms=per_run.uoms,
                                      uom_overrides=per_run.uom_overrides, bound=bound, applied=applied)


def _marked_lines(gateway, tids: Sequence[str]) -> list[dict]:
    """The receipt lines these notices set: [{tid, move_id, picking_id}]; one search_read."""
    if not tids:
        return []
    rows = gateway.search_read(LINE_MODEL, [(TX_FIELD, "in", sorted(set(tids)))],
                               ["move_id", "picking_id", TX_FIELD], order="id")
    return [{"tid": r[TX_FIELD], "move_id": m2o_id(r["move_id"]), "picking_id": m2o_id(r["picking_id"])}
            for r in rows]


# --- writing ---------------------------------------------------------------------------------

@dataclass
class ReceiptOutcome:
    transaction_id: str
    notice_identifier: str | None
    status: str  # updated | already_imported | in_flight | failed
    picking_id: int | None = None
    picking_name: str | None = None
    validated: bool = False
    error: str | None = None
    error_type: str = "INTERNAL"

    record_id = property(lambda self: self.picking_id)
    record_name = property(lambda self: self.picking_name)

    @property
    def log_reason(self) -> str | None:
        """What the Logs entry says (the generic "updated" wording is the sales orders')."""
        if self.status != "updated":
            return None
        return "quantities set; receipt validated" if self.validated else \
            "quantities set; left for the warehouse to validate"

    @staticmethod
    def columns() -> list[str]:
        return ["transaction_id", "notice_identifier", "status", "picking_id", "picking_name", "validated", "error",
                "error_type"]

    def as_row(self) -> dict:
        return {c: getattr(self, c) for c in self.columns()}


def _by_name(gateway, model: str, domain: list, key) -> dict:
    return {key(r): r["id"] for r in gateway.search_read(model, domain, ["id", "name", "product_id"]
                                                         if model == "stock.lot" else ["id", "name"])}


def _apply(gateway, writes: Sequence, *, lot_expiry) -> None:
    """Set a group of notices on their receipts: one call per kind for the whole group."""
    lines = [(w, ln) for w in writes for ln in w.lines]
    ssccs = sorted({ln["sscc"] for _, ln in lines if ln["sscc"]})
    packages = _by_name(gateway, "stock.quant.package", [("name", "in", ssccs)], lambda r: r["name"]) if ssccs else {}
    missing = [s for s in ssccs if s not in packages]
    if missing:
        packages.update(zip(missing, gateway.create("stock.quant.package", [{"name": s} for s in missing])))
    wanted = {(ln["lot"], ln["product_id"]): ln["expiry"] for _, ln in lines if ln["lot"]}
    lots = (_by_name(gateway, "stock.lot", [("name", "in", sorted({n for n, _ in wanted})),
                                            ("product_id", "in", sorted({p for _, p in wanted}))],
                     lambda r: (r["name"], m2o_id(r["product_id"]))) if wanted else {})
    new_lots = [k for k in wanted if k not in lots]
    if new_lots:
        expiry = any(wanted[k] for k in new_lots) and lot_expiry()
        vals = [{"name": n, "product_id": p, **({"expiration_date": f"{wanted[(n, p)]} 00:00:00"}
                                                if expiry and wanted[(n, p)] else {})} for n, p in new_lots]
        lots.update(zip(new_lots, gateway.create("stock.lot", vals)))
    replace = sorted({ln["move_id"] for _, ln in lines if ln["replace"]})
    if replace:  # Odoo's reservation lines: the notice says what actually comes (another notice's stay)
        old = gateway.search_read(LINE_MODEL, [("move_id", "in", replace), (TX_FIELD, "=", False)], ["id"])
        if old:
            gateway.unlink("stock.move.line", [r["id"] for r in old])
    locations = {p["id"]: p for p in gateway.read(MODEL, sorted({w.picking_id for w in writes}),
                                                  ["id", "location_id", "location_dest_id"])}
    vals = []
    for w, ln in lines:
        where = locations[w.picking_id]
        v = {"move_id": ln["move_id"], "picking_id": w.picking_id, "product_id": ln["product_id"],
             "product_uom_id": ln["uom_id"], "quantity": ln["quantity"], "picked": True,
             TX_FIELD: w.transaction_id,  # the idempotency key, in the same create
             "location_id": m2o_id(where["location_id"]), "location_dest_id": m2o_id(where["location_dest_id"])}
        if ln["lot"]:
            v["lot_id"] = lots[(ln["lot"], ln["product_id"])]
        if ln["sscc"]:
            v["result_package_id"] = packages[ln["sscc"]]
        vals.append(v)
    gateway.create(LINE_MODEL, vals)
    gateway.write("stock.move", sorted({ln["move_id"] for _, ln in lines}), {"picked": True})


def _apply_isolating(gateway, writes: Sequence, *, lot_expiry) -> list[ReceiptOutcome]:
    """Apply; a group Odoo refuses is halved until the refused notice stands alone."""
    try:
        _apply(gateway, writes, lot_expiry=lot_expiry)
        return [ReceiptOutcome(w.transaction_id, w.notice_identifier, "updated", w.picking_id, w.picking_name)
                for w in writes]
    except OdooRpcError as exc:
        if len(writes) == 1:
            w = writes[0]
            log.warning("Odoo refused shipping notice %s: %s", w.transaction_id, exc.message)
            return [ReceiptOutcome(w.transaction_id, w.notice_identifier, "failed", w.picking_id, w.picking_name,
                                   error=f"Odoo refused the receipt's quantities: {exc.message}")]
    middle = len(writes) // 2
    return (_apply_isolating(gateway, writes[:middle], lot_expiry=lot_expiry)
            + _apply_isolating(gateway, writes[middle:], lot_expiry=lot_expiry))


def _groups(writes: list) -> list[list]:
    """Notices in groups where no receipt appears twice: a later notice on the same receipt adds
    to the first one's lines, so it must not be applied (or its lines replaced) in the same calls."""
    groups: list[list] = []
    for w in writes:
        for g in groups:
            if all(x.picking_id != w.picking_id for x in g):
                g.append(w)
                break
        else:
            groups.append([w])
    return groups


def _note(o: ReceiptOutcome, w, validated: bool) -> str:
    then = "Validated on arrival of the notice." if validated else "Left for the warehouse to check and validate."
    head = (f"<p>Shipping notice <b>{html.escape(w.notice_identifier)}</b> for {html.escape(w.order_identifier)} "
            f"from Procuros transaction {html.escape(w.transaction_id)}")
    if not w.lines:  # finished after a crash: the lines were set by the interrupted run
        return f"{head}: quantities set (by an interrupted run, finished now). {then}</p>"
    lines = "".join(
        f"<li>{ln['quantity']:g} {html.escape(ln['unit'])} {html.escape(ln['product'])}"
        + (f", lot {html.escape(ln['lot'])}" if ln["lot"] else "")
        + (f", expiry {html.escape(ln['expiry'])}" if ln["expiry"] else "")
        + (f", SSCC {html.escape(ln['sscc'])}" if ln["sscc"] else "") + "</li>" for ln in w.lines)
    return f"{head}: quantities set. {then}</p><ul>{lines}</ul>"


def _claimed(gateway, binder: Binder, todo: list, outcomes: list[ReceiptOutcome], timeout: timedelta):
    """The notices this run may set (claimed, nothing of them in Odoo) and those an interrupted run
    set but did not bind (to finish); the others become already_imported / in_flight / failed."""
    claims = binder.claim(MODEL, [w.transaction_id for w in todo], timeout=timeout)
    in_flight, exhausted, claimed = set(claims.in_flight), set(claims.exhausted), set(claims.claimed)
    for w in todo:
        key = w.transaction_id
        if key in claims.bound:  # a run that died after binding, before its Logs entry
            outcomes.append(ReceiptOutcome(key, w.notice_identifier, "already_imported", claims.bound[key][1],
                                           w.picking_name))
        elif key in in_flight:
            outcomes.append(ReceiptOutcome(
                key, w.notice_identifier, "in_flight", w.picking_id, w.picking_name,
                error="an earlier run may still be setting this shipping notice in Odoo; a later run finishes it"))
        elif key in exhausted:
            outcomes.append(ReceiptOutcome(
                key, w.notice_identifier, "failed", w.picking_id, w.picking_name,
                error=f"Gave up setting the shipping notice after {MAX_CLAIMS} interrupted attempts; "
                      "check the receipt in Odoo, then replay the transaction"))
    todo = [w for w in todo if w.transaction_id in claimed and w.transaction_id not in claims.bound]
    # taken over from a run that died: it may have set the lines before it died (its requests are
    # over by now, the claim having expired), so look once more
    taken_over = set(claims.taken_over) & {w.transaction_id for w in todo}
    found = {ln["tid"]: ln["picking_id"] for ln in _marked_lines(gateway, sorted(taken_over))}
    finish = [replace(w, status="applied", picking_id=found[w.transaction_id], lines=())
              for w in todo if w.transaction_id in found]
    return [w for w in todo if w.transaction_id not in found], finish


def _finish(gateway, writes: list) -> list[ReceiptOutcome]:
    """Notices whose lines an interrupted run set: their moves picked (the step it may not have
    reached); bound, noted and validated with the rest. Nothing is set again."""
    if not writes:
        return []
    lines = _marked_lines(gateway, [w.transaction_id for w in writes])
    moves = sorted({ln["move_id"] for ln in lines})
    if moves:
        gateway.write("stock.move", moves, {"picked": True})
    names = {r["id"]: r["name"] for r in gateway.read(MODEL, sorted({w.picking_id for w in writes}), ["name"])}
    return [ReceiptOutcome(w.transaction_id, w.notice_identifier, "updated", w.picking_id, names.get(w.picking_id))
            for w in writes]


def write_receipts(gateway, writes: Sequence, *, validate: bool = False, chunk_size: int = 200,
                   binder: Binder | None = None,
                   claim_timeout: timedelta = timedelta(minutes=10)) -> list[ReceiptOutcome]:
    binder = binder or Binder(gateway, BINDING_PREFIX)
    known: list[bool] = []

    def lot_expiry() -> bool:  # asked once per chunk, and only when a new lot has an expiry date
        if not known:
            known.append(lot_has_expiry(gateway))
        return known[0]

    outcomes: list[ReceiptOutcome] = [
        ReceiptOutcome(w.transaction_id, w.notice_identifier, "already_imported", w.picking_id, w.picking_name)
        for w in writes if w.status == "already_imported"]
    todo = [w for w in writes if w.status == "update"]
    finish = [w for w in writes if w.status == "applied"]
    if todo:
        todo, taken_over = _claimed(gateway, binder, todo, outcomes, claim_timeout)
        finish += taken_over
    by_tid = {w.transaction_id: w for w in todo + finish}
    fresh: list[ReceiptOutcome] = _finish(gateway, finish)
    binder.bind([(o.transaction_id, MODEL, o.picking_id) for o in fresh])
    for group in _groups(todo):
        for start in range(0, len(group), max(1, chunk_size)):
            part = group[start:start + chunk_size]
            result = _apply_isolating(gateway, part, lot_expiry=lot_expiry)
            ok = [o for o in result if o.status == "updated"]
            # bound right after its write: a rerun never sets the same notice twice
            binder.bind([(o.transaction_id, MODEL, o.picking_id) for o in ok], known={})
            fresh += result
    updated = [o for o in fresh if o.status == "updated"]
    if validate and updated:
        pickings = sorted({o.picking_id for o in updated})
        try:
            summary = gateway.validate_pickings(pickings, backorder=True)
            for o in updated:
                o.validated = o.picking_id in set(summary.validated)
        except OdooRpcError as exc:  # the quantities stay set: the warehouse validates by hand
            log.warning("Odoo refused to validate receipts %s: %s", pickings, exc.message)
    if updated:
        gateway.post_messages(MODEL, [(o.picking_id, _note(o, by_tid[o.transaction_id], o.validated))
                                      for o in updated])
    outcomes += fresh
    order = {w.transaction_id: i for i, w in enumerate(writes)}
    return sorted(outcomes, key=lambda o: order.get(o.transaction_id, 0))
