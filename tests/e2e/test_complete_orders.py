"""Everything the buyer says on an ORDER reaches the quotation: prices per pricing unit, discounts
and charges, the delivery address given by address, dates, terms and references."""

from __future__ import annotations

from procuros_dagster.sandbox import demo_data as dd

SHIP_TO = {"name": "Filiale Aachen", "postalAddress": {"street": "Dom 3", "postalCode": "52062", "city": "Aachen",
                                                       "countryCode": "DE"}}


def _complete_order(number: str, **header) -> dict:
    content = dd.order_content(number, [
        {"gtin": dd.APFELSCHORLE, "quantity": 40, "unit": "CS", "price": 7.2, "buyer_id": "KR-55102"},
        {"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT", "price": 894.0},
    ], ship_to_gln=None, requested_delivery_date=None)
    schorle, espresso = content["items"]
    # 10 % off the Apfelschorle; the espresso's price is per 10 cartons
    schorle["modificationGroups"] = [{"level": 1, "basis": 288.0, "modifications": [
        {"type": "ALLOWANCE", "calculationType": "RELATIVE", "reasonCode": "DISCOUNT", "percentage": 10}]}]
    espresso.update(pricingUnitQuantity=10, requestedDeliveryDate="2026-12-04")
    content["summary"] = {"subtotalAmount": 1153.2, "totalCharges": 25.0, "totalAllowances": 0.0,
                          "netAmount": 1178.2, "grossAmount": 1402.06, "dueAmount": 1402.06,
                          "tax": {"total": 223.86, "items": []},
                          "modificationGroups": [{"level": 1, "basis": 1153.2, "modifications": [
                              {"type": "CHARGE", "calculationType": "ABSOLUTE", "reasonCode": "SHIPPING",
                               "description": "Fracht", "amount": 25.0,
                               "tax": {"amount": 4.75, "percentage": 19}}]}]}
    content["header"].update({
        "shipTo": SHIP_TO, "type": "CROSS_DOCKING", "promotionCode": "WINTER26", "contractReference": "RV-2026-12",
        "requestedEarliestDeliveryDate": "2026-12-03", "requestedLatestDeliveryDate": "2026-12-05",
        "finalRecipient": {"name": "Markt Aachen-Nord", "identifiers": [{"identifier": dd.QUIET_BUYER_GLN, "domain": "GS1"}]},
        "paymentTerms": [{"payInNumberOfDays": 30, "percentage": 0}], **header})
    return content


def test_a_complete_order_keeps_everything_the_buyer_said(stack):
    first = stack.enqueue_order(_complete_order("PO-FULL-1"))
    second = stack.enqueue_order(_complete_order("PO-FULL-2", paymentTerms=[{"payInNumberOfDays": 75, "percentage": 0}]))
    result = stack.run("import_sales_orders")
    assert result.success
    acks = stack.procuros.acknowledgements
    assert acks[first]["success"] is True and acks[second]["success"] is True, acks

    fields = ["id", "partner_id", "partner_shipping_id", "commitment_date", "payment_term_id", "x_procuros_transaction_id",
              "x_procuros_delivery_earliest", "x_procuros_delivery_latest", "x_procuros_order_type",
              "x_procuros_promotion_code", "x_procuros_contract_reference", "x_procuros_final_recipient",
              "x_procuros_buyer_payment_terms", "amount_untaxed"]
    by_tid = {o["x_procuros_transaction_id"]: o for o in stack.orders(fields=fields)}
    order, other = by_tid[first], by_tid[second]

    # the ship-to given by address is a new delivery address of the buyer, the same for both orders
    ship = order["partner_shipping_id"][0]
    assert ship not in (stack.data.buyer_id, stack.data.ship_to_id)
    assert other["partner_shipping_id"][0] == ship
    [address] = stack.gateway.read("res.partner", [ship], ["parent_id", "type", "name", "street", "zip", "city"])
    assert (address["parent_id"][0], address["type"], address["street"], address["zip"], address["city"]) == (
        stack.data.buyer_id, "delivery", "Dom 3", "52062", "Aachen")
    assert not [m for m in stack.gateway.search_read("sale.order", [("id", "=", order["id"])], ["note"])
                if "Ship to" in (m["note"] or "")]

    assert order["commitment_date"] == "2026-12-02 23:00:00"  # the window's first day (Berlin midnight)
    assert (order["x_procuros_delivery_earliest"], order["x_procuros_delivery_latest"]) == (
        "2026-12-02 23:00:00", "2026-12-04 23:00:00")
    assert (order["x_procuros_order_type"], order["x_procuros_promotion_code"], order["x_procuros_contract_reference"]) == (
        "CROSS_DOCKING", "WINTER26", "RV-2026-12")
    assert order["x_procuros_final_recipient"] == f"Markt Aachen-Nord (GLN {dd.QUIET_BUYER_GLN})"
    assert order["payment_term_id"][1] == "30 Days"  # the buyer's net 30 matched to Odoo's term
    assert order["x_procuros_buyer_payment_terms"] == "net 30 days"

    lines = stack.gateway.search_read(
        "sale.order.line", [("order_id", "=", order["id"])],
        ["product_id", "product_uom_qty", "price_unit", "discount", "name", "price_subtotal",
         "x_procuros_buyer_article_number", "x_procuros_buyer_price", "x_procuros_delivery_date"], order="sequence, id")
    schorle, espresso, freight = lines
    assert (schorle["price_unit"], schorle["discount"], schorle["price_subtotal"]) == (7.2, 10.0, 259.2)
    assert schorle["x_procuros_buyer_article_number"] == "KR-55102"
    # 894.00 per 10 cartons is 89.40 per carton, not 894.00
    assert (espresso["price_unit"], espresso["price_subtotal"]) == (89.4, 894.0)
    assert espresso["x_procuros_buyer_price"] == "894 per 10 CT"
    assert espresso["x_procuros_delivery_date"] == "2026-12-03 23:00:00"
    assert (freight["name"], freight["price_unit"], freight["product_uom_qty"]) == ("Fracht", 25.0, 1.0)
    standard_delivery = stack.gateway.xmlids(["delivery.product_product_delivery"])["delivery.product_product_delivery"][1]
    assert freight["product_id"][0] == standard_delivery
    assert order["amount_untaxed"] == 259.2 + 894.0 + 25.0

    # the chatter says how the price was read, and that the second order's terms had no match
    def chatter(order_id):
        return " ".join(m["body"] for m in stack.gateway.search_read(
            "mail.message", [("model", "=", "sale.order"), ("res_id", "=", order_id)], ["body"]))
    assert "the buyer&#x27;s price 894 per 10 CT is 89.4 per CT" in chatter(order["id"])
    assert "net 75 days; no Odoo payment term matches them" in chatter(other["id"])
    assert other["payment_term_id"] is False or other["payment_term_id"][1] != "30 Days"

    # a rerun creates no second delivery address
    assert stack.run("import_sales_orders").success
    assert stack.gateway.search_count("res.partner", [("parent_id", "=", stack.data.buyer_id),
                                                      ("street", "=", "Dom 3")]) == 1
