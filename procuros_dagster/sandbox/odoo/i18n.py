"""Languages of the Odoo sandbox: res.lang, the base.language.install wizard and translations.

What Odoo 17 translates follows ``context.lang`` of each call (a call without context gets the
English source terms): translatable fields (a unit's, a picking type's, a product's name),
error messages and action names. Stored texts built from a translated term (a credit note's
``ref``) keep the language of the call that created them. Terms are loaded when a language is
installed, so nothing is translated before. The term table holds only what the recordings and the
connector meet.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import business, registry  # noqa: F401  (business first: some of its hooks are wrapped here)
from .errors import UserError
from .orm import AFTER_CREATE, COMPUTE, DEFAULTS, DISPLAY, METHODS, TRANSLATE

if TYPE_CHECKING:
    from .errors import OdooRpcError
    from .orm import Database

LANGS = [  # id as in a fresh Odoo 17 database; only English is active there
    {"id": 1, "code": "en_US", "name": "English (US)", "iso_code": "en", "url_code": "en", "active": True,
     "direction": "ltr", "date_format": "%m/%d/%Y", "time_format": "%H:%M:%S", "decimal_point": ".",
     "thousands_sep": ",", "grouping": "[3,0]", "week_start": "7"},
    {"id": 32, "code": "de_DE", "name": "German / Deutsch", "iso_code": "de", "url_code": "de", "active": False,
     "direction": "ltr", "date_format": "%d.%m.%Y", "time_format": "%H:%M:%S", "decimal_point": ",",
     "thousands_sep": ".", "grouping": "[3,0]", "week_start": "1"},
]
TERMS = {
    "de_DE": {
        # field values (uom.uom, stock.picking.type)
        "Units": "Einheit(en)", "Receipts": "Eingänge", "Delivery Orders": "Lieferaufträge",
        # action names
        "Reverse Moves": "Buchungen stornieren",
        # texts stored on records
        "Reversal of: %(move_name)s, %(reason)s": "Stornierung von: %(move_name)s, %(reason)s",
        "Reversal of: %s": "Stornierung von: %s",
    },
}
# Error messages: English pattern -> translated template (groups of the pattern as {0}, {1}...).
ERRORS = {
    "de_DE": [
        (r"The following orders are not in a state requiring confirmation: (.*)",
         "Die folgenden Aufträge befinden sich in keinem Status, der eine Bestätigung erfordert: {0}"),
    ],
}
TRANSLATABLE = [("uom.uom", "name"), ("uom.category", "name"), ("stock.picking.type", "name"),
                ("product.template", "name")]
LANG_FIELDS = [("res.partner", "lang"), ("res.users", "lang")]


def install(db: "Database") -> None:
    for lang in LANGS:
        db.tables["res.lang"][lang["id"]] = dict(lang)
    db.next_id["res.lang"] = max(db.tables["res.lang"]) + 1
    for model, fname in LANG_FIELDS:  # this database's own copy: its selection follows the installed languages
        db.model_fields[model][fname] = dict(db.model_fields[model][fname])
    _refresh_lang_selection(db)


def _refresh_lang_selection(db: "Database") -> None:
    sel = sorted(([r["code"], r["name"]] for r in db.tables["res.lang"].values() if r.get("active")),
                 key=lambda s: s[1])
    for model, fname in LANG_FIELDS:
        db.model_fields[model][fname]["selection"] = sel


def installed(db: "Database", code: str | None) -> bool:
    return any(r.get("code") == code and r.get("active") for r in db.tables["res.lang"].values())


def active_lang(db: "Database", strict: bool = True) -> str:
    """The call's language (English without one). Like Odoo's ``env.lang``, a language that is not
    installed is refused where a translation is needed."""
    lang = db.ctx.get("lang") if isinstance(db.ctx, dict) else None
    if not lang or lang == "en_US":
        return "en_US"
    if installed(db, lang):
        return lang
    if strict:
        raise UserError(f"Invalid language code: {lang}")
    return "en_US"


def tr(db: "Database", text: str) -> str:
    return TERMS.get(active_lang(db), {}).get(text, text)


class _Field:
    """A translatable field: the stored value is the English source; a value written with another
    language is kept per record in ``__tr_<field>``; otherwise the loaded terms apply."""

    def read(self, db: "Database", rec: dict, value):
        lang = active_lang(db)
        if lang == "en_US" or not isinstance(value, str):
            return value
        own = rec.get(f"__tr_{self.fname}") or {}
        return own.get(lang) or TERMS.get(lang, {}).get(value, value)

    def write(self, db: "Database", model: str, ids, fname: str, value) -> bool:
        lang = db.ctx.get("lang") if isinstance(db.ctx, dict) else None
        if not lang or lang == "en_US" or not isinstance(value, str):
            return False
        for rid in ids:  # a new dict each time: the undo journal keeps the old one
            old = db.tables[model][rid].get(f"__tr_{fname}") or {}
            db.set(model, rid, {f"__tr_{fname}": {**old, lang: value}})
        return True

    def __init__(self, fname: str):
        self.fname = fname


for _m, _f in TRANSLATABLE:
    TRANSLATE[(_m, _f)] = _Field(_f)


def _created_in(model: str, after):
    """A record created in another language holds the value in that language too (Odoo stores
    {"en_US": v, lang: v}), so a later English write leaves it."""
    fnames = [f for m, f in TRANSLATABLE if m == model]

    def hook(db, rid, raw, x2m):
        lang = db.ctx.get("lang") if isinstance(db.ctx, dict) else None
        if lang and lang != "en_US":
            own = {f"__tr_{f}": {lang: raw[f]} for f in fnames if isinstance(raw.get(f), str)}
            if own:
                db.set(model, rid, own)
        if after:
            after(db, rid, raw, x2m)
    return hook


for _m in {m for m, _ in TRANSLATABLE}:
    AFTER_CREATE[_m] = _created_in(_m, AFTER_CREATE.get(_m))


def _named(model: str, display):
    """A display name built from the record's name in the call's language."""
    return lambda db, r: display(db, {**r, "name": db.raw_value(model, r, "name")})


for _m in ("stock.picking.type", "product.template"):
    if _m in DISPLAY:
        DISPLAY[_m] = _named(_m, DISPLAY[_m])

_orig_sol_defaults = DEFAULTS.get("sale.order.line")


def _sol_defaults(db, raw, x2m):
    """A sale line's description is built in the customer's language (Odoo's
    ``_compute_name`` runs ``with_context(lang=partner.lang)``)."""
    order = db.tables["sale.order"].get(raw.get("order_id")) or {}
    partner = db.tables["res.partner"].get(order.get("partner_id")) or {}
    saved = db.ctx
    db.ctx = {**(saved if isinstance(saved, dict) else {}), "lang": partner.get("lang") or "en_US"}
    try:
        _orig_sol_defaults(db, raw, x2m)
    finally:
        db.ctx = saved


if _orig_sol_defaults:
    DEFAULTS["sale.order.line"] = _sol_defaults


def translate_result(db: "Database", result: Any) -> Any:
    """Action names returned by a method are translated."""
    if isinstance(result, dict) and str(result.get("type", "")).startswith("ir.actions") \
            and isinstance(result.get("name"), str):
        result = {**result, "name": tr(db, result["name"])}
    return result


def translate_error(db: "Database", exc: "OdooRpcError") -> "OdooRpcError":
    for pattern, template in ERRORS.get(active_lang(db, strict=False), []):
        m = re.fullmatch(pattern, exc.message, re.S)
        if m:
            exc.message = template.format(*m.groups())
            exc.args = (exc.message,)
            break
    return exc


# ---------------------------------------------------------------------------------------- wizard
COMPUTE["base.language.install"]["first_lang_id"] = lambda db, r: (r.get("lang_ids") or [False])[0]
DISPLAY["res.lang"] = lambda db, r: r.get("name")
LANG_SWITCH_VIEW = 100  # base.language_install_view_form_lang_switch in the recorded database


def lang_install(db, model, ids):
    """Activates the languages (and thereby loads their terms)."""
    ids = db.as_ids(ids)
    wiz = db.tables[model].get(ids[0]) if len(ids) == 1 else None
    if wiz is None:
        raise ValueError(f"Expected singleton: {model}({', '.join(map(str, ids))})")
    for lid in wiz.get("lang_ids") or []:
        db.set("res.lang", lid, {"active": True})
    _refresh_lang_selection(db)
    if len(wiz.get("lang_ids") or []) == 1:
        return {"type": "ir.actions.act_window", "res_model": "base.language.install", "res_id": wiz["id"],
                "view_mode": "form", "target": "new", "views": [[LANG_SWITCH_VIEW, "form"]]}
    return {"type": "ir.actions.client", "tag": "reload"}


METHODS["base.language.install"]["lang_install"] = lang_install
# Odoo's order is "active desc, name"; the sandbox cannot sort False apart from NULL, and by name
# the two languages come in the same order.
registry.ORDERS.setdefault("res.lang", "name asc")
