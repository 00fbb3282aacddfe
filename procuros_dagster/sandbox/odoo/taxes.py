"""Fiscal positions, tax mapping and tax rounding, as Odoo 17's account module does them.

* ``fiscal_position`` is ``account.fiscal.position._get_fiscal_position`` (partner-fixed position,
  then auto-applied positions by country / country group, VAT-required ones first);
* ``map_tax`` is ``account.fiscal.position.map_tax``;
* ``tax_amounts_by_tax`` sums a document's taxes under the company's
  ``tax_calculation_rounding_method``: ``round_per_line`` rounds each line's tax,
  ``round_globally`` rounds each tax once on the document's total.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .errors import RpcValueError
from .orm import DISPLAY


def r2(x: float) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rec(db, model, rid):
    return db.tables[model].get(rid) if rid else None


def _commercial(db, p: dict) -> dict:
    while p.get("parent_id") and not p.get("is_company") and p["parent_id"] in db.tables["res.partner"]:
        p = db.tables["res.partner"][p["parent_id"]]
    return p


def _eu_codes(db) -> set[str]:
    europe = next((g for g in db.tables["res.country.group"].values() if g.get("name") == "European Union"), None)
    countries = db.tables["res.country"]
    return {countries[c]["code"] for c in (europe or {}).get("country_ids") or [] if c in countries}


def _fpos_by_region(db, country_id, state_id, zipcode, vat_required: bool):
    """_get_fpos_by_region: the first auto-applied position (by sequence, id) of the most specific
    kind — country with state/zip, country, country group, then one without any country."""
    if not country_id:
        return False
    cands = sorted((fp for fp in db.tables["account.fiscal.position"].values()
                    if fp.get("active", True) and fp.get("auto_apply")
                    and bool(fp.get("vat_required")) == vat_required and fp.get("company_id") in (1, False, None)),
                   key=lambda fp: (fp.get("sequence") or 0, fp["id"]))

    def no_zip(fp):
        return not fp.get("zip_from") and not fp.get("zip_to")

    def zip_ok(fp):
        return no_zip(fp) if not zipcode else bool(fp.get("zip_from")) and bool(fp.get("zip_to")) \
            and fp["zip_from"] <= zipcode <= fp["zip_to"]

    def state_ok(fp):
        states = fp.get("state_ids") or []
        return not states if not state_id else state_id in states

    def in_group(fp):
        group = _rec(db, "res.country.group", fp.get("country_group_id"))
        return bool(group) and country_id in (group.get("country_ids") or [])

    tiers = [lambda fp: fp.get("country_id") == country_id and state_ok(fp) and zip_ok(fp)]
    if state_id:
        tiers.append(lambda fp: fp.get("country_id") == country_id and not fp.get("state_ids") and zip_ok(fp))
    if zipcode:
        tiers.append(lambda fp: fp.get("country_id") == country_id and state_ok(fp) and no_zip(fp))
    if state_id and zipcode:
        tiers.append(lambda fp: fp.get("country_id") == country_id and not fp.get("state_ids") and no_zip(fp))
    tiers.append(lambda fp: in_group(fp) and not fp.get("state_ids") and no_zip(fp))
    tiers.append(lambda fp: not fp.get("country_id") and not fp.get("country_group_id"))
    for tier in tiers:
        found = next((fp["id"] for fp in cands if tier(fp)), None)
        if found:
            return found
    return False


def fiscal_position(db, partner_id, delivery_id=None):
    """account.fiscal.position._get_fiscal_position(partner, delivery) → id or False."""
    partner = _rec(db, "res.partner", partner_id)
    if not partner:
        return False
    delivery = _rec(db, "res.partner", delivery_id)
    company = db.tables["res.company"][1]
    # vat is a commercial field: Odoo keeps it in sync on every contact of the company
    partner_vat = _commercial(db, partner).get("vat") or ""
    company_vat = company.get("vat") or ""
    intra_eu = vat_exclusion = False
    if company_vat and partner_vat:
        eu = _eu_codes(db)
        intra_eu = company_vat[:2] in eu and partner_vat[:2] in eu
        vat_exclusion = company_vat[:2] == partner_vat[:2]
    if not delivery or (intra_eu and vat_exclusion):
        delivery = partner
    manual = delivery.get("property_account_position_id") or partner.get("property_account_position_id")
    if manual:
        return manual
    vat_valid = bool(_commercial(db, delivery).get("vat"))
    args = (delivery.get("country_id"), delivery.get("state_id"), delivery.get("zip") or False)
    fp = _fpos_by_region(db, *args, vat_valid)
    if not fp and vat_valid:
        fp = _fpos_by_region(db, *args, False)
    return fp or False


def map_tax(db, fpos_id, tax_ids) -> list[int]:
    """account.fiscal.position.map_tax: each tax replaced by its mapping's destination taxes (a
    mapping without destination drops it), duplicates merged."""
    if not fpos_id:
        return list(tax_ids or [])
    mappings = [m for m in db.tables["account.fiscal.position.tax"].values() if m.get("position_id") == fpos_id]
    out: list[int] = []
    for tid in tax_ids or []:
        hits = [m for m in mappings if m.get("tax_src_id") == tid
                and (not m.get("tax_dest_id") or (_rec(db, "account.tax", m["tax_dest_id"]) or {}).get("active", True))]
        for dest in ([m.get("tax_dest_id") for m in hits if m.get("tax_dest_id")] if hits else [tid]):
            if dest not in out:
                out.append(dest)
    return out


def product_taxes(db, product: dict, fpos_id, purchase: bool = False) -> list[int]:
    """The taxes a new document line gets from its product: the product's (sales or vendor)
    taxes of the company, mapped by the document's fiscal position."""
    taxes = db.raw_value("product.product", product, "supplier_taxes_id" if purchase else "taxes_id") or []
    return map_tax(db, fpos_id, taxes)


def rounding_method(db) -> str:
    return db.tables["res.company"][1].get("tax_calculation_rounding_method") or "round_per_line"


# Purchase taxes of the SKR03 chart whose tax repartition is +100 % and -100 % (reverse charge:
# intra-EU acquisitions, imports, §13b): they book the tax on both sides, so the document's tax is
# 0 — a German supplier with a VAT id and no fiscal position set gets "19% EU" on its PO lines and
# bills, amount_tax 0.0 (transcript 17; the real template's account.tax.repartition.line rows).
SELF_CANCELLING = {f"account.1_{name}" for name in (
    "tax_eu_19_purchase_skr03", "tax_eu_7_purchase_skr03", "tax_eu_19_purchase_no_vst_skr03",
    "tax_eu_7_purchase_no_vst_skr03", "tax_eu_car_purchase_skr03", "tax_import_19_and_payable_skr03",
    "tax_import_7_and_payable_skr03", "tax_eu_19_purchase_goods_skr03", "tax_eu_7_purchase_goods_skr03",
    "tax_ust_vst_19_purchase_13b_bau_skr03", "tax_ust_vst_7_purchase_13b_bau_skr03",
    "tax_vst_ust_19_purchase_13b_mobil_skr03", "tax_vst_ust_19_purchase_3eck_last_skr03",
    "tax_vst_ust_19_purchase_13b_werk_ausland_skr03", "tax_vst_ust_7_purchase_13b_werk_ausland_skr03",
    "tax_vst_ust_19_purchase_13a_auslagerung_skr03", "tax_vst_ust_7_purchase_13a_auslagerung_skr03")}


def self_cancelling(t: dict) -> bool:
    return bool(t.get("_self_cancelling"))


def _tax_raw(db, tid, base: float) -> float:
    t = _rec(db, "account.tax", tid) or {}
    if self_cancelling(t):
        return 0.0
    if t.get("amount_type") == "fixed":
        return t.get("amount") or 0.0
    return base * (t.get("amount") or 0.0) / 100.0


def tax_amounts_by_tax(db, lines: list[tuple[list, float]], method: str) -> dict[int, float]:
    """{tax id: amount} for (tax ids, base) lines: per line rounded, or rounded once per tax."""
    out: dict[int, float] = {}
    for tax_ids, base in lines:
        for tid in tax_ids or []:
            if tid not in db.tables["account.tax"]:
                continue
            amount = _tax_raw(db, tid, base)
            out[tid] = out.get(tid, 0.0) + (r2(amount) if method == "round_per_line" else amount)
    return {tid: r2(v) for tid, v in out.items()}


def action_update_taxes(db, model, ids):
    """sale.order.action_update_taxes: recompute every product line's taxes from its product and
    the order's current fiscal position (a plain write of the position does not), and log it."""
    ids = db.as_ids(ids)
    if len(ids) != 1:
        raise RpcValueError(f"Expected singleton: sale.order({', '.join(map(str, ids))})")
    order = db.tables["sale.order"].get(ids[0])
    if order is None:
        raise db.missing(model, ids)
    fpos = order.get("fiscal_position_id") or False
    for line in sorted(db.index("sale.order.line", "order_id").get(order["id"], ())):
        sol = db.tables["sale.order.line"][line]
        product = _rec(db, "product.product", sol.get("product_id"))
        if sol.get("display_type"):
            continue
        db.write("sale.order.line", [line], {"tax_id": [[6, 0, product_taxes(db, product, fpos) if product else []]]})
    if order.get("partner_id"):
        fp = _rec(db, "account.fiscal.position", fpos)
        link = (f'<a href="#" data-oe-model="account.fiscal.position" data-oe-id="{fpos}">{fp.get("name")}</a>'
                if fp else "")
        from .orm import METHODS
        METHODS["*"]["message_post"](
            db, "sale.order", [order["id"]],
            body=f"Product taxes have been recomputed according to fiscal position {link}.")
    return None


def so_written(db, ids, raw, x2m):
    """sale.order.fiscal_position_id is computed from the invoice and delivery partners: writing
    either recomputes it (unless the position is written too); the lines keep their taxes."""
    if "fiscal_position_id" in raw or not {"partner_id", "partner_shipping_id"} & set(raw):
        return
    for oid in ids:
        o = db.tables["sale.order"][oid]
        db.set("sale.order", oid, {"fiscal_position_id": fiscal_position(db, o.get("partner_id"),
                                                                         o.get("partner_shipping_id"))})


def sol_changed(db, ids):
    """A created or written sale line recomputes its order's stored amounts, under the
    company's rounding method of that moment."""
    ids = [ids] if isinstance(ids, int) else ids
    for oid in {db.tables["sale.order.line"][i].get("order_id") for i in ids if i in db.tables["sale.order.line"]}:
        if oid in db.tables["sale.order"]:
            db.set("sale.order", oid, {"_tax_rounding": rounding_method(db)})


def _mapping_display(db, r):
    """The mapping models' _rec_name is position_id: they read as their position's name."""
    return db.display_name("account.fiscal.position", r.get("position_id")) if r.get("position_id") else ""


for _model in ("account.fiscal.position.tax", "account.fiscal.position.account"):
    DISPLAY[_model] = _mapping_display
