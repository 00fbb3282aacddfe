"""Batched look-ups: one round trip per kind, whatever the number of values."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .errors import OdooLookupError, OdooValueError

PARTNER_SWITCHES = (
    "x_procuros_connector",
    "x_procuros_require_order_response",
    "x_procuros_send_invoice",
    "x_procuros_send_credit_note_reason",
    "x_procuros_send_shipping_notice",
)
PARTNER_FIELDS = (
    "id", "name", "display_name", "ref", "type", "parent_id", "commercial_partner_id", "is_company", "company_id",
    "email", "phone", "mobile", "street", "street2", "zip", "city", "country_id", "vat", "lang",
    "property_payment_term_id", "property_supplier_payment_term_id", "property_delivery_carrier_id",
)
PRODUCT_FIELDS = (
    "id", "name", "display_name", "default_code", "barcode", "uom_id", "uom_po_id", "product_tmpl_id",
    "detailed_type", "type", "company_id", "taxes_id", "supplier_taxes_id", "invoice_policy",
    "list_price", "standard_price", "sale_ok", "purchase_ok", "active",
)
UOM_FIELDS = ("id", "name", "category_id", "factor", "factor_inv", "uom_type", "rounding", "active")

#: models resolve() accepts, and the field holding the name users see
RESOLVABLE = {
    "stock.warehouse": "name",
    "stock.location": "complete_name",
    "delivery.carrier": "name",
    "account.payment.term": "name",
    "account.tax": "name",
    "account.journal": "name",
    "res.company": "name",
    "uom.uom": "name",
    "res.country": "code",
    "res.currency": "name",
    "product.product": "name",
}
_XMLID = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(v for v in values if v not in (None, "", False)))


class LookupsMixin:
    def _with_custom(self, model: str, fields: Sequence[str], custom: Sequence[str]) -> list[str]:
        known = {name for (m, name) in self.procuros_fields if m == model}
        return [*fields, *(f for f in custom if f in known and f not in fields)]

    def partners_by_ref(self, glns: Iterable[str], fields: Sequence[str] | None = None) -> list[dict]:
        """Active partners whose Reference (``ref``) is one of the GLNs - companies and their
        delivery/invoice child contacts alike (children carry their own GLN). One search_read.
        The x_procuros_* switches are included once setup has confirmed they exist."""
        glns = _unique(str(g) for g in glns)
        if not glns:
            return []
        fields = list(fields) if fields is not None else self._with_custom("res.partner", PARTNER_FIELDS,
                                                                            PARTNER_SWITCHES)
        return self.search_read("res.partner", [("ref", "in", glns)], fields, order="id")

    def products_by_barcode(self, barcodes: Iterable[str], fields: Sequence[str] | None = None) -> list[dict]:
        codes = _unique(str(b) for b in barcodes)
        if not codes:
            return []
        return self.search_read("product.product", [("barcode", "in", codes)], list(fields or PRODUCT_FIELDS),
                                order="id")

    def products_by_default_code(self, codes: Iterable[str], fields: Sequence[str] | None = None) -> list[dict]:
        """Fallback match by internal reference (``default_code``)."""
        codes = _unique(str(c) for c in codes)
        if not codes:
            return []
        return self.search_read("product.product", [("default_code", "in", codes)],
                                list(fields or PRODUCT_FIELDS), order="id")

    def uoms(self, fields: Sequence[str] | None = None) -> list[dict]:
        """All active units of measure, with x_procuros_unit_code once provisioned."""
        fields = list(fields) if fields is not None else self._with_custom("uom.uom", UOM_FIELDS,
                                                                            ("x_procuros_unit_code",))
        return self.search_read("uom.uom", [], fields, order="id")

    def unit_code_overrides(self, uom_codes: dict[str, str]) -> dict[str, int]:
        """The settings' ``uom_codes`` ({unit xml id: Procuros code}) as {code: uom id}; one call."""
        if not uom_codes:
            return {}
        resolved = self.resolve("uom.uom", list(uom_codes))
        return {code: resolved[ref] for ref, code in uom_codes.items()}

    def records_by_field(self, model: str, field: str, values: Iterable[Any],
                         fields: Sequence[str] = ("id",)) -> dict[Any, list[dict]]:
        """{value: [records]} for e.g. x_procuros_transaction_id idempotency keys; one search_read.
        Values without a record are absent; more than one record per value means a duplicate."""
        values = _unique(values)
        if not values:
            return {}
        wanted = list(dict.fromkeys(["id", field, *fields]))
        found: dict[Any, list[dict]] = defaultdict(list)
        for rec in self.search_read(model, [(field, "in", values)], wanted, order="id"):
            found[rec[field]].append(rec)
        return dict(found)

    def xmlids(self, xmlids: Iterable[str]) -> dict[str, tuple[str, int]]:
        """{"module.name": (model, res_id)} for the external ids that exist; one search_read."""
        xmlids = _unique(xmlids)
        pairs = set()
        for x in xmlids:
            if not _XMLID.match(x):
                raise OdooValueError(f"{x!r} is not an external id of the form module.name")
            pairs.add(tuple(x.split(".", 1)))
        if not pairs:
            return {}
        rows = self.search_read(
            "ir.model.data",
            [("module", "in", sorted({m for m, _ in pairs})), ("name", "in", sorted({n for _, n in pairs}))],
            ["module", "name", "model", "res_id"],
        )
        return {f"{r['module']}.{r['name']}": (r["model"], r["res_id"]) for r in rows
                if (r["module"], r["name"]) in pairs}

    def resolve(self, model: str, refs: Iterable[str]) -> dict[str, int]:
        """{ref: id} for names or external ids ("stock.warehouse0", "module.name").

        External ids are resolved in one ir.model.data search_read, names in one search_read on the
        model (exact match on the name users see; for stock.location the full path "WH/Stock" or the
        short name). Unknown or ambiguous refs raise OdooLookupError naming the model and refs."""
        if model not in RESOLVABLE:
            raise OdooValueError(f"resolve() does not handle {model!r}; known: {', '.join(sorted(RESOLVABLE))}")
        refs = _unique(str(r) for r in refs)
        xml_refs = [r for r in refs if _XMLID.match(r) and " " not in r]
        names = [r for r in refs if r not in xml_refs]
        result: dict[str, int] = {}
        unknown: list[str] = []
        ambiguous: list[str] = []
        if xml_refs:
            found = self.xmlids(xml_refs)
            for ref in xml_refs:
                hit = found.get(ref)
                if hit and hit[0] == model:
                    result[ref] = hit[1]
                else:
                    # an external id of another model counts as unknown here; a dotted name
                    # ("Proc.Term") is tried as a name below
                    names.append(ref)
        if names:
            field = RESOLVABLE[model]
            if model == "stock.location":
                domain: list[Any] = ["|", ("complete_name", "in", names), ("name", "in", names)]
                fields = ["id", "name", "complete_name"]
            else:
                domain = [(field, "in", names)]
                fields = ["id", field]
            matches: dict[str, list[int]] = defaultdict(list)
            for rec in self.search_read(model, domain, fields, order="id"):
                for key in {rec.get(f) for f in fields[1:]}:
                    if key in names and rec["id"] not in matches[key]:
                        matches[key].append(rec["id"])
            for name in names:
                ids = matches.get(name, [])
                if len(ids) == 1:
                    result[name] = ids[0]
                elif not ids:
                    unknown.append(name)
                else:
                    ambiguous.append(name)
        if unknown or ambiguous:
            raise OdooLookupError(model, unknown, ambiguous)
        return result
