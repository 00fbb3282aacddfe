"""Languages in the Odoo sandbox (as transcript 12 records them): what is translated follows the
context.lang of each call, once the language is installed."""
from __future__ import annotations

import httpx


from .rpc import connect, call, rpc_error

EN = {"lang": "en_US", "tz": "Europe/Berlin"}
DE = {"lang": "de_DE", "tz": "Europe/Berlin"}


def install_german(o):
    wiz = call(o, "base.language.install", "create", {"lang_ids": [[6, 0, [32]]], "overwrite": False})
    assert call(o, "base.language.install", "read", [wiz], fields=["lang_ids", "first_lang_id"]) == [
        {"id": wiz, "lang_ids": [32], "first_lang_id": [32, "German / Deutsch"]}]
    return wiz, call(o, "base.language.install", "lang_install", [wiz])


def test_german_exists_inactive_until_installed(admin):
    fields = ["code", "active", "date_format", "decimal_point", "thousands_sep"]
    assert call(admin, "res.lang", "search_read", [["code", "in", ["en_US", "de_DE"]]], fields=fields,
                context={"active_test": False}) == [
        {"id": 1, "code": "en_US", "active": True, "date_format": "%m/%d/%Y", "decimal_point": ".", "thousands_sep": ","},
        {"id": 32, "code": "de_DE", "active": False, "date_format": "%d.%m.%Y", "decimal_point": ",",
         "thousands_sep": "."}]
    assert call(admin, "res.lang", "search", [["code", "=", "de_DE"]]) == []
    user = {"name": "Rec German User", "login": "rec_de", "password": "pw", "lang": "de_DE"}
    # res.users inherits the partner's language field
    assert rpc_error(admin, "res.users", "create", user) == (
        "builtins.ValueError", "Wrong value for res.partner.lang: 'de_DE'")
    assert rpc_error(admin, "res.partner", "create", {"name": "X", "lang": "de_DE"})[1] == \
        "Wrong value for res.partner.lang: 'de_DE'"
    wiz, action = install_german(admin)
    assert action == {"type": "ir.actions.act_window", "res_model": "base.language.install", "res_id": wiz,
                      "view_mode": "form", "target": "new", "views": [[100, "form"]]}
    assert call(admin, "res.lang", "search", [["code", "=", "de_DE"]]) == [32]
    uid = call(admin, "res.users", "create", {**user, "tz": "Europe/Berlin"})
    assert call(admin, "res.users", "read", [uid], fields=["lang", "tz"]) == [
        {"id": uid, "lang": "de_DE", "tz": "Europe/Berlin"}]
    assert call(admin, "res.partner", "fields_get", ["lang"], attributes=["selection"])["lang"]["selection"] == [
        ["en_US", "English (US)"], ["de_DE", "German / Deutsch"]]


def test_a_language_that_is_not_installed_is_refused_where_terms_are_needed(admin):
    # Odoo's env.lang raises as soon as a translated term is needed
    assert rpc_error(admin, "uom.uom", "read", [1], fields=["name"], context=DE) == (
        "odoo.exceptions.UserError", "Invalid language code: de_DE")
    assert call(admin, "res.partner", "search_count", [], context=DE) > 0  # no term needed


def test_names_follow_the_context_language(admin):
    install_german(admin)
    pid = call(admin, "product.product", "create", {"name": "Rec Language Item", "default_code": "REC-LANG"},
               context=EN)
    assert call(admin, "product.product", "write", [pid], {"name": "Rec Sprachartikel"}, context=DE) is True
    read = lambda ctx: call(admin, "product.product", "read", [pid], fields=["name", "display_name"], context=ctx)
    assert read(EN) == [{"id": pid, "name": "Rec Language Item", "display_name": "[REC-LANG] Rec Language Item"}]
    assert read(DE) == [{"id": pid, "name": "Rec Sprachartikel", "display_name": "[REC-LANG] Rec Sprachartikel"}]
    assert read(None)[0]["name"] == "Rec Language Item"  # no context: English
    # created in German: the German value stays when the English one is written later
    other = call(admin, "product.product", "create", {"name": "Rec Deutsch"}, context=DE)
    call(admin, "product.product", "write", [other], {"name": "Rec English"}, context=EN)
    assert [call(admin, "product.product", "read", [other], fields=["name"], context=c)[0]["name"] for c in (EN, DE)] == [
        "Rec English", "Rec Deutsch"]
    types = lambda ctx: [t["display_name"] for t in call(admin, "stock.picking.type", "search_read", [],
                                                           fields=["display_name"], order="id", context=ctx)]
    assert types(EN) == ["My Company: Receipts", "My Company: Delivery Orders"]
    assert types(DE) == ["My Company: Eingänge", "My Company: Lieferaufträge"]
    assert types({"lang": "de_DE"}) == types(DE)
    assert call(admin, "uom.uom", "read", [1], fields=["name"], context=DE) == [{"id": 1, "name": "Einheit(en)"}]


def test_sale_line_name_in_the_partners_language_and_messages_in_the_callers(admin):
    install_german(admin)
    cust = call(admin, "res.partner", "create", {"name": "Rec Sprache Kunde GmbH", "is_company": True,
                                                 "ref": "4260999003017", "lang": "de_DE"}, context=EN)
    pid = call(admin, "product.product", "create", {"name": "Rec Language Item", "default_code": "REC-LANG"},
               context=EN)
    call(admin, "product.product", "write", [pid], {"name": "Rec Sprachartikel"}, context=DE)
    so = call(admin, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": pid, "product_uom_qty": 4, "price_unit": 20.0}]]}, context=EN)
    [line] = call(admin, "sale.order.line", "search_read", [["order_id", "=", so]],
                  fields=["name", "product_id", "product_uom"], context=EN)
    assert line["name"] == "[REC-LANG] Rec Sprachartikel"  # built in the customer's language
    assert (line["product_id"][1], line["product_uom"][1]) == ("[REC-LANG] Rec Language Item", "Units")
    [de_line] = call(admin, "sale.order.line", "read", [line["id"]], fields=["name", "product_uom"], context=DE)
    assert (de_line["name"], de_line["product_uom"]) == ("[REC-LANG] Rec Sprachartikel", [1, "Einheit(en)"])
    call(admin, "sale.order", "action_confirm", [so], context=EN)
    name = call(admin, "sale.order", "read", [so], fields=["name"])[0]["name"]
    assert rpc_error(admin, "sale.order", "action_confirm", [so], context=DE)[1] == \
        f"Die folgenden Aufträge befinden sich in keinem Status, der eine Bestätigung erfordert: {name}"
    assert rpc_error(admin, "sale.order", "action_confirm", [so], context=EN)[1] == \
        f"The following orders are not in a state requiring confirmation: {name}"


def test_credit_note_ref_is_stored_in_the_language_of_its_creation(sb, admin):
    install_german(admin)
    uid = call(admin, "res.users", "create", {"name": "Rec German User", "login": "rec_de", "password": "pw",
                                              "lang": "de_DE", "tz": "Europe/Berlin",
                                              "groups_id": [[6, 0, [1, 22, 37, 26]]]})
    cust = call(admin, "res.partner", "create", {"name": "Kunde", "is_company": True})
    pid = call(admin, "product.product", "create", {"name": "Item", "list_price": 20.0})
    moves = [call(admin, "account.move", "create", {"move_type": "out_invoice", "partner_id": cust,
                                                    "invoice_date": "2026-12-01", "invoice_line_ids": [
                                                        [0, 0, {"product_id": pid, "quantity": 1, "price_unit": 20.0}]]})
             for _ in range(2)]
    call(admin, "account.move", "action_post", moves)
    names = [m["name"] for m in call(admin, "account.move", "read", moves, fields=["name"])]

    def reverse(o, move, reason, ctx):
        ctx = {**ctx, "active_model": "account.move", "active_ids": [move], "active_id": move}
        wiz = call(o, "account.move.reversal", "create", {"reason": reason, "journal_id": 1, "date": "2026-12-01"},
                   context=ctx)
        return call(o, "account.move.reversal", "refund_moves", [wiz], context=ctx)

    en = reverse(admin, moves[0], "Goods returned", EN)
    assert en["name"] == "Reverse Moves"
    german = connect(sb, "rec_de", "pw")
    assert german.env.uid == uid
    de = reverse(german, moves[1], "Ware retourniert", {**DE, "uid": uid})
    assert de["name"] == "Buchungen stornieren"
    for ctx in (EN, DE):
        assert [m["ref"] for m in call(german, "account.move", "read", [en["res_id"], de["res_id"]], fields=["ref"],
                                       context=ctx)] == [f"Reversal of: {names[0]}, Goods returned",
                                                         f"Stornierung von: {names[1]}, Ware retourniert"]


def test_a_users_language_applies_only_through_the_context(sb, admin):
    install_german(admin)
    call(admin, "res.users", "create", {"name": "Rec German User", "login": "rec_de", "password": "pw",
                                        "lang": "de_DE", "tz": "Europe/Berlin", "groups_id": [[6, 0, [1, 37]]]})
    r = httpx.post(sb.url + "/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "db": "procuros", "login": "rec_de", "password": "pw"}})
    info = r.json()["result"]
    assert info["user_context"] == {"lang": "de_DE", "tz": "Europe/Berlin", "uid": info["uid"]}
    cookie = r.headers["set-cookie"].split("session_id=", 1)[1].split(";", 1)[0]

    def names(kwargs):
        body = {"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
            "model": "stock.picking.type", "method": "search_read", "args": [[]],
            "kwargs": {"fields": ["display_name"], "order": "id", **kwargs}}}
        res = httpx.post(sb.url + "/web/dataset/call_kw", json=body, headers={"Cookie": f"session_id={cookie}"})
        return [t["display_name"] for t in res.json()["result"]]

    assert names({}) == ["My Company: Receipts", "My Company: Delivery Orders"]  # the context is replaced
    assert names({"context": {"lang": "de_DE"}}) == ["My Company: Eingänge", "My Company: Lieferaufträge"]
