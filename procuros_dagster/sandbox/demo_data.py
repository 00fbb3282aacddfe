"""Master data and sample documents for the demo, the end-to-end tests and the benchmarks.

Everything is seeded through the same RPC API a user's Odoo offers (via the gateway), so it works
against the sandbox and, for a try-out, against a scratch Odoo 17 database too.
The companies are fictional; every GLN and GTIN carries a valid GS1 check digit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from procuros_dagster.mapping.identifiers import with_check_digit

OWN_GLN = "4098765000010"  # Nordwind Getränke GmbH: us, the supplier
BUYER_GLN = "4012345000016"  # Kaufhaus Rheinland AG: a customer trading through Procuros
SHIP_TO_GLN = "4012345000023"  # its central warehouse (delivery address)
BILL_TO_GLN = "4012345000030"  # its accounts department (invoice address)
QUIET_BUYER_GLN = with_check_digit("401234500005")  # a customer with every Procuros switch off
# The trade partners the Procuros network knows (the Procuros sandbox refuses documents naming any
# other party).  The quiet buyer is none: it does not trade through Procuros.
PROCUROS_PARTNERS = frozenset({BUYER_GLN})

APFELSCHORLE = "4098765000102"  # sold by the case of 12
PFAND = "4098765000119"  # deposit article for the case
ESPRESSO = "4098765000126"  # sold by the carton


@dataclass
class DemoMasterData:
    company_id: int
    buyer_id: int
    ship_to_id: int
    bill_to_id: int
    quiet_buyer_id: int
    products: dict[str, int] = field(default_factory=dict)  # GTIN → product.product id
    uoms: dict[str, int] = field(default_factory=dict)  # Procuros code → uom.uom id


def _catalogue(extra_products: int) -> list[dict[str, Any]]:
    base = [
        {"barcode": APFELSCHORLE, "default_code": "NW-APS-12-05", "name": "Apfelschorle 0,5 l PET", "list_price": 0.6, "unit": "EA"},
        {"barcode": PFAND, "default_code": "NW-PFAND-025", "name": "Pfand 0,25 EUR (Einweg)", "list_price": 0.25, "unit": "EA"},
        {"barcode": ESPRESSO, "default_code": "NW-ESP-1KG", "name": "Bio-Espresso ganze Bohne 1 kg", "list_price": 14.9, "unit": "EA"},
    ]
    for n in range(extra_products):
        base.append(
            {
                "barcode": with_check_digit(f"409876510{n:03d}"),
                "default_code": f"NW-ART-{n:03d}",
                "name": f"Artikel {n:03d}",
                "list_price": 1.0 + n % 17,
                "unit": "EA",
            }
        )
    return base


DOMESTIC_POSITION = "account.1_fiscal_position_domestic_skr03"


def seed_odoo(gateway, *, extra_products: int = 0, stock: float = 10_000.0) -> DemoMasterData:
    """Customers with addresses and switches, units with Procuros codes, products with stock."""
    # A German company's users work in Berlin time; Odoo dates invoices in the user's time zone.
    gateway.write("res.users", [gateway.uid], {"tz": "Europe/Berlin"})
    gateway.context["tz"] = "Europe/Berlin"  # what context_get returns from now on
    company = gateway.search_read("res.company", [], ["id", "partner_id"], order="id", limit=1)[0]
    germany = gateway.search_read("res.country", [("code", "=", "DE")], ["id"], limit=1)[0]["id"]
    gateway.write(
        "res.partner",
        [company["partner_id"][0]],
        {"name": "Nordwind Getränke GmbH", "street": "Am Speicher 3", "zip": "28195", "city": "Bremen", "country_id": germany, "vat": "DE298765435", "ref": OWN_GLN},
    )
    buyer_vals = {
        "name": "Kaufhaus Rheinland AG",
        "is_company": True,
        "ref": BUYER_GLN,
        "street": "Hohe Straße 52",
        "zip": "50667",
        "city": "Köln",
        "country_id": germany,
        "vat": "DE123456788",
        "x_procuros_connector": "Procuros Connector",
        "x_procuros_send_invoice": True,
        "x_procuros_send_credit_note_reason": True,
        "x_procuros_send_shipping_notice": True,
    }
    # Odoo 17.0 gives a German customer with a VAT id the chart's "EU (with VAT ID)" position
    # (0 %): fiscal positions needing a VAT id are searched first. German users set the domestic one.
    domestic = gateway.xmlids([DOMESTIC_POSITION]).get(DOMESTIC_POSITION)
    if domestic:
        buyer_vals["property_account_position_id"] = domestic[1]
    [buyer_id, quiet_id] = gateway.create(
        "res.partner",
        [
            buyer_vals,
            {"name": "Markt Süd GmbH", "is_company": True, "ref": QUIET_BUYER_GLN, "street": "Marktplatz 1", "zip": "80331", "city": "München", "country_id": germany},
        ],
    )
    [ship_to_id, bill_to_id] = gateway.create(
        "res.partner",
        [
            {"name": "Zentrallager", "type": "delivery", "parent_id": buyer_id, "ref": SHIP_TO_GLN, "street": "Industriestraße 8", "zip": "50226", "city": "Frechen", "country_id": germany},
            {"name": "Buchhaltung", "type": "invoice", "parent_id": buyer_id, "ref": BILL_TO_GLN, "street": "Postfach 10 02 44", "zip": "50442", "city": "Köln", "country_id": germany},
        ],
    )
    units = gateway.search_read("uom.uom", [], ["id", "name", "category_id", "uom_type", "x_procuros_unit_code"])
    unit_category = next(u["category_id"][0] for u in units if u.get("x_procuros_unit_code") == "EA")
    uoms = {u["x_procuros_unit_code"]: u["id"] for u in units if u.get("x_procuros_unit_code")}
    missing = [code for code in ("CS", "CT") if code not in uoms]
    if missing:
        names = {"CS": ("Case of 12", 12.0), "CT": ("Carton of 6", 6.0)}
        created = gateway.create(
            "uom.uom",
            [
                {"name": names[code][0], "category_id": unit_category, "uom_type": "bigger", "factor_inv": names[code][1], "x_procuros_unit_code": code}
                for code in missing
            ],
        )
        uoms.update(dict(zip(missing, created)))
    catalogue = _catalogue(extra_products)
    product_ids = gateway.create(
        "product.product",
        [
            {"name": p["name"], "barcode": p["barcode"], "default_code": p["default_code"], "list_price": p["list_price"], "detailed_type": "product", "uom_id": uoms[p["unit"]], "uom_po_id": uoms[p["unit"]], "invoice_policy": "order"}
            for p in catalogue
        ],
    )
    stock_location = gateway.resolve("stock.location", ["stock.stock_location_stock"])["stock.stock_location_stock"]
    quants = gateway.call(
        "stock.quant",
        "create",
        [[{"product_id": pid, "location_id": stock_location, "inventory_quantity": stock} for pid in product_ids]],
        {"context": {"inventory_mode": True}},
    )
    gateway.call("stock.quant", "action_apply_inventory", [quants if isinstance(quants, list) else [quants]])
    return DemoMasterData(
        company_id=company["id"],
        buyer_id=buyer_id,
        ship_to_id=ship_to_id,
        bill_to_id=bill_to_id,
        quiet_buyer_id=quiet_id,
        products={p["barcode"]: pid for p, pid in zip(catalogue, product_ids)},
        uoms=uoms,
    )


def order_content(
    order_identifier: str,
    lines: list[dict[str, Any]],
    *,
    buyer_gln: str = BUYER_GLN,
    ship_to_gln: str | None = SHIP_TO_GLN,
    bill_to_gln: str | None = None,
    order_date: str = "2026-11-27T08:15:00+01:00",
    requested_delivery_date: str | None = "2026-12-03T00:00:00+01:00",
    comments: str | None = None,
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Procuros ORDER as a buyer sends it to us. ``lines``: gtin, quantity, and optionally
    unit, price, deposit, description, buyer_id (buyer's article number instead of a GTIN),
    item (more OrderItem keys, e.g. pricingUnitQuantity, modificationGroups)."""
    header: dict[str, Any] = {
        "buyer": {"name": "Kaufhaus Rheinland AG", "identifiers": [{"identifier": buyer_gln, "domain": "GS1"}]},
        "supplier": {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": OWN_GLN, "domain": "GS1"}]},
        "orderIdentifier": order_identifier,
        "orderDate": order_date,
        "currency": "EUR",
    }
    if ship_to_gln:
        header["shipTo"] = {"name": "Zentrallager", "identifiers": [{"identifier": ship_to_gln, "domain": "GS1"}]}
    if bill_to_gln:
        header["billTo"] = {"name": "Buchhaltung", "identifiers": [{"identifier": bill_to_gln, "domain": "GS1"}]}
    if requested_delivery_date:
        header["requestedDeliveryDate"] = requested_delivery_date
    if comments:
        header["comments"] = comments
    items = []
    for n, line in enumerate(lines, start=1):
        identifiers = []
        if line.get("gtin"):
            identifiers.append({"identifier": line["gtin"], "domain": "GS1"})
        if line.get("buyer_id"):
            identifiers.append({"identifier": line["buyer_id"], "domain": "BUYER"})
        item = {
            "lineNumber": line.get("line_number", n),
            "identifiers": identifiers,
            "isDepositItem": bool(line.get("deposit", False)),
            "quantity": line.get("quantity", 1),
            "unitOfMeasure": line.get("unit", "EA"),
        }
        if line.get("price") is not None:
            item["unitPrice"] = line["price"]
        if line.get("description"):
            item["description"] = line["description"]
        items.append(item | line.get("item", {}))
    return {"header": header, "items": items} | ({"summary": summary} if summary else {})


def demo_orders() -> list[dict[str, Any]]:
    """A realistic morning: two good orders and one the buyer must fix."""
    return [
        order_content(
            "PO-2026-004711",
            [
                {"gtin": APFELSCHORLE, "quantity": 40, "unit": "CS", "price": 7.2, "description": "Apfelschorle 12 x 0,5 l PET"},
                {"gtin": PFAND, "quantity": 40, "unit": "CS", "price": 3.0, "deposit": True, "description": "Pfand 12 x 0,25 EUR"},
                {"gtin": ESPRESSO, "quantity": 10, "unit": "CT", "price": 89.4},
            ],
            bill_to_gln=BILL_TO_GLN,
            comments="Anlieferung Mo-Fr 06:00-10:00, Rampe 3.",
        ),
        # priced per 100 cartons (44.70 a carton), with the buyer's 5 % off
        order_content("PO-2026-004712", [{"gtin": ESPRESSO, "quantity": 5, "unit": "CT", "price": 4470.0, "item": {
            "pricingUnitQuantity": 100, "modificationGroups": [{"level": 1, "basis": 223.5, "modifications": [
                {"type": "ALLOWANCE", "calculationType": "RELATIVE", "reasonCode": "DISCOUNT", "percentage": 5}]}]}}],
            ship_to_gln=None, summary={"subtotalAmount": 212.33, "totalCharges": 0.0, "totalAllowances": 0.0,
                                       "netAmount": 212.33, "grossAmount": 227.19, "dueAmount": 227.19,
                                       "tax": {"total": 14.86, "items": [{"percentage": 7, "taxableAmount": 212.33,
                                                                          "taxAmount": 14.86, "category": "sales"}]}}),
        order_content("PO-2026-004713", [{"gtin": "4300348765432", "quantity": 3}]),
    ]


def new_transaction_id() -> str:
    return str(uuid.uuid4())


def deliver(gateway, order_id: int, *, fraction: float = 1.0, backorder: bool = True):
    """What a user does in Odoo after an import: confirm the quotation, reserve and ship it.

    ``fraction`` < 1 ships part of every line; ``backorder`` says whether Odoo keeps the rest.
    Returns the delivery's id and the gateway's validation summary (backorders included).
    """
    gateway.confirm_sale_orders([order_id])
    [order] = gateway.read("sale.order", [order_id], ["picking_ids"])
    picking = order["picking_ids"][-1]
    gateway.call("stock.picking", "action_assign", [[picking]])
    moves = gateway.search_read("stock.move", [("picking_id", "=", picking)], ["id", "product_uom_qty"], order="id")
    gateway.set_move_quantities({m["id"]: m["product_uom_qty"] * fraction for m in moves})
    return picking, gateway.validate_pickings([picking], backorder=backorder)


# --- purchase-to-pay: our suppliers ---------------------------------------------------------------

SUPPLIER_GLN = with_check_digit("409111100001")  # Brauerei Weserbergland KG: confirms orders without a response
SUPPLIER_ORR_GLN = with_check_digit("409222200002")  # Kaffeerösterei Hanse GmbH: answers every order (Require Order Response)
SUPPLIER_PARTNERS = frozenset({SUPPLIER_GLN, SUPPLIER_ORR_GLN})


@dataclass
class DemoSuppliers:
    supplier_id: int  # confirmed when the order is sent
    orr_supplier_id: int  # "Require Order Response": confirmed by its ORDER_RESPONSE


def seed_suppliers(gateway, *, connector: str = "Procuros Connector") -> DemoSuppliers:
    """Two suppliers set up for Procuros as users set them up: the Procuros Connector field, the
    supplier's GLN in Reference, Require Order Response on or off."""
    germany = gateway.search_read("res.country", [("code", "=", "DE")], ["id"], limit=1)[0]["id"]
    common = {"is_company": True, "country_id": germany, "x_procuros_connector": connector,
              "x_procuros_send_invoice": False, "x_procuros_send_shipping_notice": False}
    # as for the customers: Odoo 17.0 would give a German supplier with a VAT id the EU position
    domestic = gateway.xmlids([DOMESTIC_POSITION]).get(DOMESTIC_POSITION)
    if domestic:
        common["property_account_position_id"] = domestic[1]
    supplier_id, orr_id = gateway.create("res.partner", [
        {**common, "name": "Brauerei Weserbergland KG", "ref": SUPPLIER_GLN, "street": "Brauhausweg 2",
         "zip": "37603", "city": "Holzminden", "vat": "DE811907980", "x_procuros_require_order_response": False},
        {**common, "name": "Kaffeerösterei Hanse GmbH", "ref": SUPPLIER_ORR_GLN, "street": "Speicherstadt 9",
         "zip": "20457", "city": "Hamburg", "vat": "DE813495425", "x_procuros_require_order_response": True},
    ])
    return DemoSuppliers(supplier_id=supplier_id, orr_supplier_id=orr_id)


def purchase_order(gateway, supplier_id: int, lines: list[dict[str, Any]], *, confirm: bool = False,
                   date_planned: str | None = None) -> int:
    """An RFQ as a buyer enters it: ``lines`` with product_id, product_qty and optionally product_uom,
    price_unit. ``confirm`` makes it a purchase order (its receipt is created)."""
    # the form's Expected Arrival is copied onto the lines by an onchange; over RPC each line needs
    # its own (a line without one gets today plus the vendor's lead time, transcript 17)
    planned = {"date_planned": date_planned} if date_planned else {}
    vals: dict[str, Any] = {"partner_id": supplier_id, "order_line": [
        [0, 0, {**planned, **{k: v for k, v in line.items() if v is not None}}] for line in lines]}
    [order_id] = gateway.create("purchase.order", [vals])
    if confirm:
        gateway.confirm_purchase_orders([order_id])
    return order_id
