"""Hand-written inbound-order fixtures: the API-NOTES §10.1 example plus a small Odoo world.

Fictional companies; every GLN/GTIN carries a valid GS1 check digit (asserted in the tests).
"""

from __future__ import annotations

import copy

import pandas as pd

from procuros_dagster.mapping.orders_in import OrderLookups, SalesDefaults

TID = "9c1e7a52-3b8d-4f6e-a0d2-5e4b7c9f1a23"
BUYER_GLN = "4012345000016"      # Kaufhaus Rheinland AG
SHIP_GLN = "4012345000023"       # its Zentrallager (delivery child)
BILL_GLN = "4012345000030"       # its Buchhaltung (invoice child)
OTHER_BUYER_GLN = "4023456000017"  # Bergmann Markt GmbH (has own payment term and carrier)
OTHER_SHIP_GLN = "4023456000024"   # Bergmann's delivery address
SUPPLIER_GLN = "4098765000010"
GTIN_SCHORLE, GTIN_DEPOSIT, GTIN_ESPRESSO = "4098765000102", "4098765000119", "4098765000126"
GTIN_FLOUR, GTIN_TWIN = "4098765000133", "4098765000140"
ALL_GS1 = [BUYER_GLN, SHIP_GLN, BILL_GLN, OTHER_BUYER_GLN, OTHER_SHIP_GLN, SUPPLIER_GLN,
           GTIN_SCHORLE, GTIN_DEPOSIT, GTIN_ESPRESSO, GTIN_FLOUR, GTIN_TWIN]

ORDER_TX = {
    "procurosTransactionId": TID,
    "type": "ORDER",
    "replacesProcurosTransactionId": None,
    "replacedByProcurosTransactionId": None,
    "isLatestVersion": True,
    "content": {
        "header": {
            "buyer": {
                "name": "Kaufhaus Rheinland AG",
                "identifiers": [{"identifier": BUYER_GLN, "domain": "GS1"}],
                "postalAddress": {"street": "Hohe Straße 52", "city": "Köln", "postalCode": "50667", "countryCode": "DE"},
            },
            "supplier": {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": SUPPLIER_GLN, "domain": "GS1"}]},
            "shipTo": {
                "name": "Kaufhaus Rheinland Zentrallager",
                "identifiers": [{"identifier": SHIP_GLN, "domain": "GS1"}],
                "postalAddress": {"street": "Industriestraße 8", "city": "Frechen", "postalCode": "50226", "countryCode": "DE"},
            },
            "billTo": {"identifiers": [{"identifier": BILL_GLN, "domain": "GS1"}]},
            "orderIdentifier": "PO-2025-004711",
            "orderDate": "2025-03-10T08:15:00+01:00",
            "requestedDeliveryDate": "2025-03-17T00:00:00+01:00",
            "currency": "EUR",
            "paymentTerms": [{"payInNumberOfDays": 14, "percentage": 2}, {"payInNumberOfDays": 30, "percentage": 0}],
            "comments": "Anlieferung Mo-Fr 06:00-10:00, Rampe 3.",
        },
        "items": [
            {"lineNumber": 1, "identifiers": [{"identifier": GTIN_SCHORLE, "domain": "GS1"},
                                              {"identifier": "KR-55102", "domain": "BUYER"},
                                              {"identifier": "NW-APS-12-05", "domain": "SUPPLIER"}],
             "isDepositItem": False, "quantity": 40, "unitOfMeasure": "CS",
             "description": "Apfelschorle 12 x 0,5 l PET", "unitPrice": 7.2},
            {"lineNumber": 2, "identifiers": [{"identifier": GTIN_DEPOSIT, "domain": "GS1"}],
             "isDepositItem": True, "quantity": 40, "unitOfMeasure": "CS",
             "description": "Pfand 12 x 0,25 EUR (Einweg)", "unitPrice": 3.0},
            {"lineNumber": 3, "identifiers": [{"identifier": GTIN_ESPRESSO, "domain": "GS1"},
                                              {"identifier": "KR-70931", "domain": "BUYER"}],
             "isDepositItem": False, "quantity": 10, "unitOfMeasure": "CT",
             "description": "Bio-Espresso ganze Bohne 6 x 1 kg", "unitPrice": 89.4},
        ],
    },
}


def order_tx(tid: str = TID, order: str | None = None, items: list | None = None, **header) -> dict:
    """A deep copy of the example with header keys replaced (value None removes the key)."""
    tx = copy.deepcopy(ORDER_TX)
    tx["procurosTransactionId"] = tid
    h = tx["content"]["header"]
    if order is not None:
        h["orderIdentifier"] = order
    for key, value in header.items():
        if value is None:
            h.pop(key, None)
        else:
            h[key] = value
    if items is not None:
        tx["content"]["items"] = items
    return tx


def item(n: int | None = 1, gtin: str | None = GTIN_SCHORLE, **kw) -> dict:
    it = {"identifiers": [{"identifier": gtin, "domain": "GS1"}] if gtin else []}
    if n is not None:
        it["lineNumber"] = n
    it.update(kw)
    return it


def party(gln: str, name: str | None = None) -> dict:
    p = {"identifiers": [{"identifier": gln, "domain": "GS1"}]}
    if name:
        p["name"] = name
    return p


def _partner(id, name, ref, type="contact", parent=None, commercial=None, connector=None, term=None, carrier=None, active=True):
    return {"id": id, "name": name, "ref": ref, "type": type, "parent_id": parent,
            "commercial_partner_id": commercial or id, "active": active, "x_procuros_connector": connector,
            "property_payment_term_id": term, "property_delivery_carrier_id": carrier}


PARTNERS = [
    _partner(10, "Kaufhaus Rheinland AG", BUYER_GLN),
    _partner(11, "Kaufhaus Rheinland AG, Zentrallager", SHIP_GLN, "delivery", 10, 10),
    _partner(12, "Kaufhaus Rheinland AG, Buchhaltung", BILL_GLN, "invoice", 10, 10),
    _partner(13, "Miriam Keller", None, "contact", 10, 10),
    _partner(20, "Bergmann Markt GmbH", OTHER_BUYER_GLN, term=7, carrier=3, connector="Procuros"),
    _partner(21, "Bergmann Markt GmbH, Lager Süd", OTHER_SHIP_GLN, "delivery", 20, 20),
]

# uom categories: 1 = Unit, 2 = Weight
UOMS = [
    {"id": 1, "name": "Units", "category_id": 1, "x_procuros_unit_code": "EA", "factor": 1.0},
    {"id": 21, "name": "Case", "category_id": 1, "x_procuros_unit_code": "CS", "factor": 1 / 12},
    {"id": 22, "name": "Carton", "category_id": 1, "x_procuros_unit_code": "CT", "factor": 1 / 6},
    {"id": 12, "name": "kg", "category_id": 2, "x_procuros_unit_code": "KGM", "factor": 1.0},
    {"id": 13, "name": "g", "category_id": 2, "x_procuros_unit_code": None, "factor": 1000.0},
]


def _product(id, name, barcode, code, uom=1, cat=1, sale_ok=True, active=True):
    return {"id": id, "barcode": barcode, "default_code": code, "name": name, "uom_id": uom,
            "uom_category_id": cat, "sale_ok": sale_ok, "active": active}


PRODUCTS = [
    _product(101, "Apfelschorle 12 x 0,5 l", GTIN_SCHORLE, "NW-APS-12-05"),
    _product(102, "Pfand Einweg 12 x 0,25", GTIN_DEPOSIT, "NW-PFAND-12"),
    _product(103, "Bio-Espresso 6 x 1 kg", GTIN_ESPRESSO, "NW-ESP-6"),
    _product(104, "Weizenmehl lose", GTIN_FLOUR, "NW-MEHL", uom=12, cat=2),
    _product(105, "Zitronenlimo A", GTIN_TWIN, "NW-LIMO-A"),
    _product(106, "Zitronenlimo B", "0" + GTIN_TWIN, "NW-LIMO-B"),  # same GTIN stored as GTIN-14
]

DEFAULTS = SalesDefaults(warehouse_id=1, location_id=8, carrier_id=2, payment_term_id=4, company_id=1,
                         charge_product_id=190, charge_uom_id=1)


def _term(id, name, days, early=None, delay="days_after"):
    return {"id": id, "name": name, "early_discount": bool(early), "discount_percentage": early[0] if early else 2.0,
            "discount_days": early[1] if early else 10, "lines": [("percent", 100.0, delay, days)]}


# as a fresh Odoo 17 has them (discount fields keep their defaults when early_discount is off)
PAYMENT_TERMS = [_term(1, "Immediate Payment", 0), _term(4, "30 Days", 30), _term(5, "45 Days", 45),
                 _term(6, "End of Following Month", 0, delay="days_after_end_of_next_month"),
                 _term(9, "2/7 Net 30", 30, (2.0, 7)), {**_term(10, "2/14 Net 30", 60), "lines": []}]
ORDER_COLUMNS = ["id", "name", "state", "x_procuros_transaction_id", "client_order_ref", "partner_id"]


ADDRESSES = [
    {"id": 10, "parent_id": None, "type": "contact", "street": "Hohe Straße 52", "zip": "50667", "city": "Köln", "country_id": 57},
    {"id": 11, "parent_id": 10, "type": "delivery", "street": "Industriestraße 8", "zip": "50226", "city": "Frechen", "country_id": 57},
    {"id": 14, "parent_id": 10, "type": "delivery", "street": "Markt 1", "zip": "53111", "city": "Bonn", "country_id": 57},
]


def lookups(partners=None, products=None, uoms=None, existing=None, overrides=None, integration="Procuros",
            payment_terms=None, addresses=None, defaults=None) -> OrderLookups:
    return OrderLookups(
        partners=pd.DataFrame(PARTNERS if partners is None else partners),
        products=pd.DataFrame(PRODUCTS if products is None else products),
        uoms=pd.DataFrame(UOMS if uoms is None else uoms),
        existing_orders=pd.DataFrame(existing or [], columns=ORDER_COLUMNS),
        defaults=defaults or DEFAULTS,
        integration_name=integration,
        uom_overrides=overrides or {},
        payment_terms=PAYMENT_TERMS if payment_terms is None else payment_terms,
        addresses=ADDRESSES if addresses is None else addresses,
        countries={"DE": 57, "AT": 13},
    )


def existing_order(id, name, state, tid, ref="PO-2025-004711", partner=10) -> dict:
    return {"id": id, "name": name, "state": state, "x_procuros_transaction_id": tid,
            "client_order_ref": ref, "partner_id": partner}
