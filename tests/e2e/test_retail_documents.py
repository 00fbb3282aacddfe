"""What a retailer's EDI team checks in our invoices, shipping notices and credit notes — through
real Dagster runs against the sandboxes (or a real Odoo 17)."""

from __future__ import annotations

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.mapping.identifiers import is_valid_sscc
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.settings import load_settings


def _import(stack, *contents) -> list[dict]:
    for content in contents:
        stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    return stack.orders(fields=["id", "name", "client_order_ref", "order_line"])


def _sent(stack, transaction_type) -> list[dict]:
    return [s["content"] if "content" in s else s["body"]["content"]
            for s in stack.procuros.sent if s["type"] == transaction_type]


def _invoice(stack, order_ids) -> list[int]:
    invoice_ids = stack.gateway.invoice_sale_orders(order_ids)
    stack.gateway.post_moves(invoice_ids)
    return invoice_ids


def test_discounted_invoice_with_freight_goes_out_with_allowances_and_charges(stack):
    """500 cases at 2.49 less 2.5 % and a freight flat rate: before, the discounted line's net unit
    price failed the rounding check and the freight line (no GTIN) blocked the invoice."""
    [order] = _import(stack, dd.order_content("PO-RABATT", [{"gtin": dd.APFELSCHORLE, "quantity": 500, "unit": "CS",
                                                              "price": 2.49}]))
    gw = stack.gateway
    [freight] = gw.create("product.product", [{"name": "Frachtpauschale", "detailed_type": "service",
                                               "invoice_policy": "order", "list_price": 25.0}])
    [line] = order["order_line"]
    # the buyer's article number as the import keeps it on the line: echoed on notice and invoice
    gw.write("sale.order.line", [line], {"discount": 2.5, "x_procuros_buyer_article_number": "KR-55102"})
    gw.write("sale.order", [order["id"]], {"order_line": [[0, 0, {"product_id": freight, "product_uom_qty": 1,
                                                                  "price_unit": 25.0}]]})
    dd.deliver(gw, order["id"])
    [invoice_id] = _invoice(stack, [order["id"]])
    [move] = gw.read("account.move", [invoice_id], ["amount_untaxed", "amount_total"])

    assert stack.run("export_shipping_notices").success
    assert stack.run("export_invoices").success
    [invoice] = _sent(stack, "INVOICE")
    assert stack.procuros.reported_errors == []
    assert validate_document("INVOICE", invoice) == []
    [item] = invoice["items"]
    assert (item["quantity"], item["unitPrice"]) == (500, 2.49)
    [notice] = _sent(stack, "SHIPPING_NOTICE")
    [notice_item] = notice["transportUnits"][0]["items"]
    for identifiers in (item["identifiers"], notice_item["identifiers"]):
        assert {"identifier": "KR-55102", "domain": "BUYER"} in identifiers
    [discount] = item["modificationGroups"][0]["modifications"]
    assert (discount["type"], discount["reasonCode"], discount["percentage"], discount["amount"]) == \
        ("ALLOWANCE", "DISCOUNT", 2.5, 31.12)
    s = invoice["summary"]
    assert (s["subtotalAmount"], s["totalCharges"], s["totalAllowances"]) == (1213.88, 25.0, 0)
    assert (s["netAmount"], s["grossAmount"]) == (move["amount_untaxed"], move["amount_total"])
    [charge] = s["modificationGroups"][0]["modifications"]
    assert (charge["type"], charge["calculationType"], charge["amount"]) == ("CHARGE", "ABSOLUTE", 25.0)
    assert charge["tax"]["percentage"] == 19


PREFIX = "4098765"  # our GS1 company prefix (of our GLN 4098765000010)


def test_every_transport_unit_carries_an_sscc_stored_on_the_package_and_the_delivery(stack, tmp_path, monkeypatch):
    """One crate on a Euro pallet packed in Odoo, the rest in no package: each unit gets an SSCC in
    our GS1 company prefix, kept on the package and on the delivery for the labels and reruns."""
    settings = tmp_path / "settings.yaml"
    settings.write_text(f'gs1_company_prefix: "{PREFIX}"\n')
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))
    stack.defs = build_definitions(load_settings())
    [order] = _import(stack, dd.order_content("PO-NVE", [{"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS"},
                                                          {"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}]))
    gw = stack.gateway
    gw.confirm_sale_orders([order["id"]])
    [picking] = gw.read("sale.order", [order["id"]], ["picking_ids"])[0]["picking_ids"]
    gw.call("stock.picking", "action_assign", [[picking]])
    moves = gw.search_read("stock.move", [("picking_id", "=", picking)], ["id", "product_uom_qty", "product_id"],
                           order="id")
    gw.set_move_quantities({m["id"]: m["product_uom_qty"] for m in moves})
    gw.write("product.product", [stack.data.products[dd.APFELSCHORLE]], {"weight": 0.6})  # kg per bottle
    [pallet_type] = gw.create("stock.package.type", [{"name": "Euro-Palette 120 x 80"}])
    [package] = gw.create("stock.quant.package", [{"name": "PACK0000001", "package_type_id": pallet_type}])
    apfel = gw.search_read("stock.move.line", [("move_id", "=", moves[0]["id"])], ["id"])
    gw.write("stock.move.line", [ml["id"] for ml in apfel], {"result_package_id": package})
    assert gw.validate_pickings([picking]).validated == [picking]

    assert stack.run("export_shipping_notices").success
    [notice] = _sent(stack, "SHIPPING_NOTICE")
    assert validate_document("SHIPPING_NOTICE", notice) == []
    units = notice["transportUnits"]
    assert [(u["unitType"], u.get("containedTradeUnitCount")) for u in units] == [("EURO_PALLET", 4), ("PALLET", 2)]
    assert units[0]["items"][0]["grossWeight"] == 28800  # 4 cases of 12 bottles, 600 g each, in grams
    codes = [u["unitIdentifier"] for u in units]
    assert all(is_valid_sscc(c) and c[1:8] == PREFIX for c in codes)
    assert codes[0] == f"0{PREFIX}{package:09d}"[:17] + codes[0][17] and codes[1][0] == "1"
    stored_package = gw.read("stock.quant.package", [package], ["name", "x_procuros_sscc"])[0]
    stored_picking = gw.read("stock.picking", [picking], ["x_procuros_sscc"])[0]
    assert (stored_package["x_procuros_sscc"], stored_picking["x_procuros_sscc"]) == tuple(codes)
    assert stored_package["name"] == "PACK0000001"  # the user's package keeps its name

    # Sent again (its binding lost, say): the same units, so Procuros sees the same payload.
    gw.write("ir.model.data", [r["id"] for r in gw.search_read(
        "ir.model.data", [("module", "=", "procuros"), ("name", "=", f"shipping_notice_{picking}")], ["id"])],
        {"name": "lost_binding"})
    [name] = [p["name"] for p in gw.read("stock.picking", [picking], ["name"])]
    job = stack.defs.resolve_job_def("send_to_procuros")
    assert job.execute_in_process(instance=stack.instance, run_config={
        "ops": {"send_documents_now": {"config": {"shipping_notices": [name]}}}}).success
    first, again = _sent(stack, "SHIPPING_NOTICE")
    assert again == first  # Procuros answers "Payload already received": it counts as sent
    assert gw.read("stock.picking", [picking], ["x_procuros_sscc"])[0]["x_procuros_sscc"] == codes[1]


def test_notice_echoes_the_requested_date_and_shows_an_over_delivery(stack):
    early = dd.order_content("PO-SPAET", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}],
                             requested_delivery_date="2020-01-06T00:00:00+01:00")
    later = dd.order_content("PO-MEHR", [{"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS"}],
                             requested_delivery_date="2099-06-01T00:00:00+02:00")
    orders = {o["client_order_ref"]: o for o in _import(stack, early, later)}
    dd.deliver(stack.gateway, orders["PO-SPAET"]["id"])
    dd.deliver(stack.gateway, orders["PO-MEHR"]["id"], fraction=1.25)  # 5 cases of 4 ordered
    assert stack.run("export_shipping_notices").success
    notices = {n["header"]["orderIdentifier"]: n for n in _sent(stack, "SHIPPING_NOTICE")}
    for notice in notices.values():
        assert validate_document("SHIPPING_NOTICE", notice) == []
    late, ahead = notices["PO-SPAET"]["header"], notices["PO-MEHR"]["header"]
    # late: expected when it left (Odoo knows no transit time); ahead of time: as requested
    assert (late["requestedDeliveryDate"], late["expectedDeliveryDate"]) == (
        "2020-01-06T00:00:00+01:00", late["despatchDate"])
    assert ahead["requestedDeliveryDate"] == ahead["expectedDeliveryDate"] == "2099-06-01T00:00:00+02:00"
    [item] = [i for u in notices["PO-MEHR"]["transportUnits"] for i in u["items"]]
    assert (item["orderedQuantity"], item["shippedQuantity"]) == (4, 5)
    assert item["comments"] == "Over-delivery: 1 CS more than ordered (5 CS shipped, 4 CS ordered)"


def test_intra_community_invoice_names_bank_tax_category_and_legal_texts(stack):
    """A French customer with a VAT id: Odoo's fiscal position makes the lines tax-free; the invoice
    says why, names both VAT ids and where to pay."""
    gw = stack.gateway
    france = gw.search_read("res.country", [("code", "=", "FR")], ["id"], limit=1)[0]["id"]
    position = gw.xmlids(["account.1_fiscal_position_eu_vat_id_partner_skr03"])[
        "account.1_fiscal_position_eu_vat_id_partner_skr03"][1]
    gw.write("account.fiscal.position", [position], {"note": "<p>Steuerfreie innergemeinschaftliche Lieferung</p>"})
    gw.write("res.partner", [stack.data.buyer_id], {"country_id": france, "zip": "75001", "city": "Paris",
                                                    "vat": "FR40303265045", "property_account_position_id": position})
    [company] = gw.search_read("res.company", [], ["partner_id"], limit=1)
    [bank] = gw.create("res.bank", [{"name": "Sparkasse Bremen", "bic": "SBREDE22XXX"}])
    gw.create("res.partner.bank", [{"acc_number": "DE89 2905 0101 0012 3456 78", "bank_id": bank,
                                    "partner_id": company["partner_id"][0]}])
    [order] = _import(stack, dd.order_content("PO-FR", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT",
                                                          "price": 89.4}]))
    dd.deliver(gw, order["id"])
    _invoice(stack, [order["id"]])
    assert stack.run("export_shipping_notices").success
    assert stack.run("export_invoices").success
    [invoice] = _sent(stack, "INVOICE")
    assert validate_document("INVOICE", invoice) == []
    h = invoice["header"]
    assert h["supplier"]["financialInstitution"] == {
        "name": "Sparkasse Bremen", "institutionId": "SBREDE22XXX", "institutionIdDomain": "BIC",
        "accountNumber": "DE89290501010012345678", "accountHolder": "Nordwind Getränke GmbH"}
    [rate] = invoice["summary"]["tax"]["items"]
    assert (rate["percentage"], rate["category"]) == (0, "intra-community supply")
    legal = h["legalInformation"].splitlines()
    assert legal[:3] == ["Steuerfreie innergemeinschaftliche Lieferung", "Intra-Community supply (VATEX-EU-IC)",
                         "VAT ID of the buyer: FR40303265045; VAT ID of the supplier: DE298765435"]
    assert legal[3] == f"Date of supply: {invoice['items'][0]['shippingNoticeDate'][:10]}"


def test_credit_note_names_its_invoice_payment_terms_and_line_reasons(stack):
    [order] = _import(stack, dd.order_content("PO-GUTSCHRIFT", [
        {"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS", "price": 7.2},
        {"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}]))
    gw = stack.gateway
    dd.deliver(gw, order["id"])
    [invoice_id] = _invoice(stack, [order["id"]])
    [credit_note] = gw.reverse_moves([invoice_id], reason="Transportschaden")
    lines = gw.search_read("account.move.line", [("move_id", "=", credit_note), ("display_type", "=", "product")],
                           ["id", "name"], order="sequence, id")
    gw.write("account.move.line", [lines[0]["id"]], {"name": f"{lines[0]['name']} – 2 Kisten Bruch"})
    gw.post_moves([credit_note])
    assert stack.run("export_credit_notes").success
    [cn] = _sent(stack, "CREDIT_NOTE")
    assert validate_document("CREDIT_NOTE", cn) == []
    [invoice] = gw.read("account.move", [invoice_id], ["name"])
    h = cn["header"]
    assert (h["invoiceIdentifier"], h["reason"]) == (invoice["name"], "Transportschaden")
    assert h["paymentTerms"] == [{"payInNumberOfDays": 0, "percentage": 0}]  # Odoo's reversal: due at once
    apfel, espresso = cn["items"]
    assert apfel["reason"] == "2 Kisten Bruch" and "reason" not in espresso
