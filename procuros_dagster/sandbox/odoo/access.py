"""Users, groups and model access rights (ir.model.access) of the Odoo sandbox.

Odoo 17 checks every model operation of a non-superuser against the ``ir.model.access`` rows of
the user's groups (``ir.model.access.check``). The rows are data: the subset of Odoo 17's own
``security/ir.model.access.csv`` files (base, sales_team/sale, stock, purchase, purchase_stock,
account, product, uom, mail) for the models the connector touches, loaded as ``ir.model.access``
records, so rows an admin creates over RPC (a "Procuros connector" group) take effect as well.
The admin (uid 2, who has every group) and the superuser bypass the check.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import business, registry  # noqa: F401  (business first: some of its hooks are wrapped here)
from .errors import AccessError, UserError
from .orm import AFTER_CREATE, AFTER_WRITE, COMPUTE, DEFAULTS, DISPLAY, METHODS

if TYPE_CHECKING:
    from .orm import Database

SUPERUSER_IDS = (1, 2)  # __system__ and admin: no access check (admin holds every group)

# ---------------------------------------------------------------------------------------- groups
# Module categories: English name, German name. German names decide the order of the group list
# in an AccessError once German is installed (Odoo sorts by the jsonb name); only
# "Administration/Zugriffsrechte" is recorded, the others are Odoo's terms as far as the recorded
# order shows them (Einkauf < Extra-Rechte < Lager < Verkauf, Administration < Buchhaltung < Einkauf).
CATEGORIES = {
    "user_types": ("User types", None), "administration": ("Administration", "Administration"),
    "sales": ("Sales", "Verkauf"), "invoicing": ("Invoicing", "Buchhaltung"),
    "inventory": ("Inventory", "Lager"), "purchase": ("Purchase", "Einkauf"),
    "extra": ("Extra Rights", "Extra-Rechte"), "technical": ("Technical", None), "hidden": (None, None),
}
# id (as in the recorded database), xml id, ir.model.data id (recorded where known), category,
# English name, German name (only where recorded), implied groups (xml ids).
GROUPS = [
    (1, "base.group_user", 5, "user_types", "Internal User", None,
     ["base.group_multi_currency", "base.group_no_one", "mail.group_mail_template_editor",
      "stock_sms.group_confirm_delivery_reminder"]),
    (2, "base.group_erp_manager", 24002, "administration", "Access Rights", "Zugriffsrechte", ["base.group_user"]),
    (3, "base.group_partner_manager", 24003, "extra", "Contact Creation", None, []),
    (4, "base.group_system", 24004, "administration", "Settings", None, ["base.group_erp_manager"]),
    (6, "base.group_multi_currency", 24006, "extra", "Multi Currencies", None, []),
    (7, "base.group_no_one", 24007, "extra", "Technical Features", None, []),
    (8, "base.group_allow_export", 24008, "technical", "Access to export feature", None, []),
    # 9, 33, 34: admin-only groups whose names the recordings do not show; named so that the
    # recorded order of the admin's groups_id holds.
    (9, "base.group_sanitize_override", 24009, "technical", "Group Sanitize Override", None, []),
    (13, "mail.group_mail_template_editor", 24013, "technical", "Mail Template Editor", None, []),
    (21, "sales_team.group_sale_salesman", 24021, "sales", "User: Own Documents Only", None, ["base.group_user"]),
    (22, "sales_team.group_sale_salesman_all_leads", 11009, "sales", "User: All Documents", None,
     ["sales_team.group_sale_salesman"]),
    (23, "sales_team.group_sale_manager", 24023, "sales", "Administrator", None,
     ["sales_team.group_sale_salesman_all_leads"]),
    (26, "account.group_account_invoice", 15092, "invoicing", "Billing", None, ["base.group_user"]),
    (28, "account.group_account_manager", 24028, "invoicing", "Billing Administrator", None,
     ["account.group_account_invoice"]),
    (33, "account.group_validate_bank_account", 24033, "hidden", "Validate bank account", None, []),
    (34, "account.group_account_user", 24034, "hidden", "Accountant", None, ["account.group_account_invoice"]),
    (37, "stock.group_stock_user", 17084, "inventory", "User", None, ["base.group_user"]),
    (38, "stock.group_stock_manager", 24038, "inventory", "Administrator", None, ["stock.group_stock_user"]),
    (50, "purchase.group_purchase_user", 24050, "purchase", "User", None, ["base.group_user"]),
    (51, "purchase.group_purchase_manager", 24051, "purchase", "Administrator", None,
     ["purchase.group_purchase_user"]),
    (53, "stock_sms.group_confirm_delivery_reminder", 24053, "technical",
     "Send an automatic reminder email to confirm delivery", None, []),
]
ADMIN_GROUPS = [2, 8, 34, 23, 38, 51, 26, 28, 3, 9, 1, 13, 6, 53, 4, 7, 37, 50, 22, 21, 33]  # as recorded

# ---------------------------------------------------------------------------------------- rules
# model -> [(group xml id or None for everyone, "rwcu" permissions)], from Odoo 17's CSV files.
_U, _ERP, _SYS, _PM = "base.group_user", "base.group_erp_manager", "base.group_system", "base.group_partner_manager"
_SALE, _SALE_M = "sales_team.group_sale_salesman", "sales_team.group_sale_manager"
_INV, _ACC_M = "account.group_account_invoice", "account.group_account_manager"
_ST, _ST_M = "stock.group_stock_user", "stock.group_stock_manager"
_PO, _PO_M = "purchase.group_purchase_user", "purchase.group_purchase_manager"
_PRODUCT_ADMINS = [(_SYS, "rwcu"), (_ACC_M, "rwcu"), (_PO_M, "rwcu"), (_ST_M, "rwcu"), (_SALE_M, "rwcu")]
RULES: dict[str, list[tuple[str | None, str]]] = {
    # base
    "ir.model": [(_ERP, "rwcu")],
    "ir.model.data": [(_ERP, "rwcu")],
    "ir.model.fields": [(_ERP, "rwcu")],
    "ir.model.fields.selection": [(_ERP, "rwcu")],
    "ir.model.access": [(_ERP, "rwcu")],
    "ir.ui.view": [(_SYS, "rwcu")],
    "ir.ui.menu": [(_U, "r"), (_SYS, "rwcu")],
    "ir.actions.act_window": [(_SYS, "rwcu")],
    "ir.actions.server": [(_SYS, "rwcu")],
    "ir.sequence": [(_U, "r"), (_SYS, "rwcu")],
    "decimal.precision": [(_SYS, "rw")],
    "res.company": [(_ERP, "rwcu"), (_U, "r")],
    "res.country": [(_U, "r"), (_PM, "r"), (_SYS, "rwcu")],
    "res.country.group": [(_U, "r"), (_PM, "rwcu")],
    "res.currency": [(_U, "r"), (_SYS, "rwcu")],
    "res.groups": [(_ERP, "rwcu"), (_U, "r")],
    "res.lang": [(_U, "r"), (_SYS, "rwcu")],
    "res.partner": [(_PM, "rwcu"), (_U, "r"), (_PO_M, "rwc"), (_ST_M, "rwc"), (_SALE_M, "rwc")],
    "res.partner.category": [(_U, "r"), (_PM, "rwcu")],
    "res.users": [(_U, "r"), (_ERP, "rwcu")],
    "base.language.install": [(_SYS, "rwc")],
    # mail
    "mail.message": [(_U, "rwc")],
    "mail.message.subtype": [(_U, "r"), (_SYS, "rwcu")],
    # product, uom
    "product.product": [(_U, "r")] + _PRODUCT_ADMINS,
    "product.template": [(_U, "r")] + _PRODUCT_ADMINS,
    "product.category": [(_U, "r"), (_ST_M, "rwcu"), (_PO_M, "rwcu"), (_SALE_M, "rwcu"), (_ACC_M, "rwcu")],
    "product.pricelist": [(_U, "r"), (_SALE_M, "rwcu"), (_ST_M, "rwcu")],
    "product.pricelist.item": [(_U, "r"), (_SALE_M, "rwcu"), (_ST_M, "rwcu"), (_PO_M, "rwcu")],
    "uom.uom": [(_U, "r"), (_ST_M, "rwcu"), (_PO_M, "rwcu"), (_SALE_M, "rwcu")],
    "uom.category": [(_U, "r"), (_ST_M, "rwcu"), (_PO_M, "rwcu"), (_SALE_M, "rwcu")],
    # sale
    "sale.order": [(_SALE, "rwc"), (_SALE_M, "rwcu"), (_ST, "rw"), (_INV, "rw")],
    "sale.order.line": [(_SALE, "rwcu"), (_SALE_M, "rwcu"), (_ST, "rw"), (_INV, "rw")],
    "sale.advance.payment.inv": [(_SALE, "rwc")],
    # stock
    "procurement.group": [(_U, "rwc")],
    "stock.warehouse": [(_U, "r"), (_ST_M, "rwcu")],
    "stock.location": [(_U, "r"), (_PM, "r"), (_ST_M, "rwcu")],
    "stock.route": [(_U, "r"), (_ST_M, "rwcu")],
    "stock.picking": [(_ST, "rwcu"), (_ST_M, "rwcu"), (_SALE, "rwc"), (_SALE_M, "rwcu"), (_PO, "rwcu")],
    "stock.picking.type": [(_U, "r"), (_ST, "r"), (_ST_M, "rwcu")],
    "stock.move": [(_ST, "rwc"), (_ST_M, "rwcu"), (_SALE, "rwc"), (_PO, "rwc"), (_PO_M, "rwcu")],
    "stock.move.line": [(_U, "rwcu"), (_ST, "rwcu"), (_ST_M, "rwcu")],
    "stock.quant": [(_ST, "rwc"), (_U, "r")],
    "stock.quant.package": [(_U, "r"), (_ST, "rwcu"), (_ST_M, "rwcu")],
    "stock.package.type": [(_ST, "r"), (_ST_M, "rwcu")],  # stock/security/ir.model.access.csv
    # base/security/ir.model.access.csv
    "res.bank": [(_U, "r"), (_PM, "rwcu"), (_SYS, "rwcu")],
    "res.partner.bank": [(_U, "r"), (_PM, "rwcu")],
    "stock.lot": [(_ST, "rwcu"), (_ST_M, "rwcu")],
    "stock.backorder.confirmation": [(_ST, "rwc")],
    "stock.backorder.confirmation.line": [(_ST, "rwc")],
    "confirm.stock.sms": [(_ST, "rwc")],
    "delivery.carrier": [(_U, "r"), (_ST_M, "rwcu"), (_SALE_M, "rwcu")],
    # purchase (+ purchase_stock: Inventory / User may read orders)
    "purchase.order": [(_PO, "rwcu"), (_PO_M, "rwc"), (_INV, "rw"), (_ST, "r")],
    "purchase.order.line": [(_PO, "rwcu"), (_PO_M, "rwcu"), (_INV, "rw"), (_ST, "r")],
    # account
    "account.move": [(_INV, "rwcu"), (_PO, "rwcu"), (_SALE, "rwc")],
    "account.move.line": [(_INV, "rwcu"), (_PO, "rwc"), (_PO_M, "rwcu"), (_SALE, "r")],
    "account.move.reversal": [(_INV, "rwc")],
    "account.tax": [(_U, "r"), (_INV, "r"), (_ACC_M, "rwcu")],
    "account.tax.group": [(_U, "r"), (_ACC_M, "rwcu")],
    "account.payment.term": [(_U, "r"), (_ACC_M, "rwcu")],
    "account.payment.term.line": [(_U, "r"), (_ACC_M, "rwcu")],
    "account.journal": [(_U, "r"), (_INV, "r"), (_ACC_M, "rwcu")],
    "account.account": [(_INV, "r"), (_ACC_M, "rwcu")],
    "account.fiscal.position": [(_U, "r"), (_ACC_M, "rwcu")],
    "account.fiscal.position.tax": [(_U, "r"), (_ACC_M, "rwcu")],
    # last, so the rows above keep their recorded ids
    "ir.module.module": [(_U, "r"), (_SYS, "rwcu")],
}
MODES = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# The access mode a call needs on its own model. Other methods write their records (Odoo has no
# check at the call itself: the method's reads and writes are checked), so they need "write".
METHOD_MODE = {"read": "read", "search": "read", "search_read": "read", "search_count": "read",
               "read_group": "read", "name_search": "read", "default_get": "read", "exists": "read",
               "context_get": "read", "name_get": "read", "create": "create", "write": "write",
               "unlink": "unlink"}
# check_object_reference checks its target (below); check_access_rights is the check itself
# ir.actions.server.run checks the rights on the model it writes itself (actions.py)
NO_CHECK = {"fields_get", "check_object_reference", "check_access_rights", "run"}
# Models a call reads before touching its own: ir.model.fields.create resolves model_id first,
# so its error is about ir.model.
READS_FIRST = {("ir.model.fields", "create"): ["ir.model"], ("ir.model.fields", "write"): ["ir.model"]}
# Methods restricted to a group inside Odoo's code, with the UserError they raise.
METHOD_GROUPS = {
    ("stock.quant", "action_apply_inventory"):
        ("stock.group_stock_manager", "Only a stock manager can validate an inventory adjustment."),
}


def install(db: "Database") -> None:
    """Groups, their xml ids, the access rows, the admin's groups (called once per database)."""
    db.passwords = {}
    xml = {x: gid for gid, x, *_ in GROUPS}
    groups = db.tables["res.groups"]
    imd = db.tables["ir.model.data"]
    for gid, xmlid, imd_id, categ, name, name_de, implied in GROUPS:
        groups[gid] = {"id": gid, "name": name, "_name_de": name_de, "_category": categ, "share": False,
                       "implied_ids": [xml[i] for i in implied], "comment": False, "color": 0}
        module, _, xname = xmlid.partition(".")
        imd[imd_id] = {"id": imd_id, "module": module, "name": xname, "model": "res.groups", "res_id": gid,
                       "noupdate": True}
    model_ids = {r["model"]: r["id"] for r in db.tables["ir.model"].values()}
    acl = db.tables["ir.model.access"]
    for model, rows in RULES.items():
        if model not in model_ids:
            continue
        for group, perms in rows:
            rid = len(acl) + 1
            acl[rid] = {"id": rid, "name": f"{model} {group or 'all'}", "model_id": model_ids[model],
                        "group_id": xml[group] if group else False, "active": True,
                        **{f"perm_{m}": k in perms for k, m in MODES.items()}}
    db.tables["res.users"][2]["groups_id"] = list(ADMIN_GROUPS)
    for model in ("res.groups", "ir.model.data", "ir.model.access"):
        db.next_id[model] = max(db.next_id[model], max(db.tables[model], default=0) + 1)
    db.next_id["ir.model.access"] = max(db.next_id["ir.model.access"], 738)  # as in the recorded database
    db.next_id["res.users"] = max(db.next_id["res.users"], 6)  # 1, 3-5: __system__, public, portal, OdooBot


# ---------------------------------------------------------------------------------------- checks
def user_groups(db: "Database", uid: int) -> set[int]:
    user = db.tables["res.users"].get(uid) or {}
    return set(user.get("groups_id") or [])


def has_group(db: "Database", uid: int, xmlid: str) -> bool:
    module, _, name = xmlid.partition(".")
    gid = next((r["res_id"] for r in db.tables["ir.model.data"].values()
                if r.get("model") == "res.groups" and r.get("module") == module and r.get("name") == name), None)
    return uid in SUPERUSER_IDS or gid in user_groups(db, uid)


def _rows(db: "Database", model: str, mode: str) -> list[dict]:
    names = {r["id"]: r.get("model") for r in db.tables["ir.model"].values()}
    return [r for r in db.tables["ir.model.access"].values()
            if r.get("active", True) and r.get(f"perm_{mode}") and names.get(r.get("model_id")) == model]


def allowed(db: "Database", uid: int, model: str, mode: str) -> bool:
    if uid in SUPERUSER_IDS:
        return True
    groups = user_groups(db, uid)
    return any(not r.get("group_id") or r["group_id"] in groups for r in _rows(db, model, mode))


def _lang(db: "Database") -> str:
    from .i18n import active_lang
    return active_lang(db)


def _jsonb(db: "Database", en: str | None, de: str | None):
    """Sort key of a translated name as PostgreSQL orders its jsonb value: fewer pairs first,
    then the values by key (de_DE before en_US) -- so German decides once it is installed."""
    if en is None:
        return (1,)  # no category: NULLs last
    pairs = ([de] if de and installed_de(db) else []) + [en]
    return (0, len(pairs), pairs)


def installed_de(db: "Database") -> bool:
    from .i18n import installed
    return installed(db, "de_DE")


def group_names(db: "Database", model: str, mode: str) -> list[str]:
    """'Category/Group' of every group with a row granting ``mode``, ordered like Odoo's SQL
    (ORDER BY category name, group name) and labelled in the call's language."""
    german = _lang(db) == "de_DE"
    out = []
    for r in _rows(db, model, mode):
        g = db.tables["res.groups"].get(r.get("group_id"))
        if g is None:
            continue
        cat_en, cat_de = CATEGORIES.get(g.get("_category"), (None, None))
        cat = (cat_de or cat_en) if german else cat_en
        name = (g.get("_name_de") or g["name"]) if german else g["name"]
        out.append((_jsonb(db, cat_en, cat_de), _jsonb(db, g["name"], g.get("_name_de")),
                    f"{cat}/{name}" if cat else name))
    seen, labels = set(), []
    for *_, label in sorted(out, key=lambda t: (t[0], t[1])):
        if label not in seen:
            seen.add(label)
            labels.append(label)
    return labels


MESSAGES = {
    "en_US": {
        "read": "You are not allowed to access '{kind}' ({model}) records.",
        "write": "You are not allowed to modify '{kind}' ({model}) records.",
        "create": "You are not allowed to create '{kind}' ({model}) records.",
        "unlink": "You are not allowed to delete '{kind}' ({model}) records.",
        "groups": "This operation is allowed for the following groups:\n{groups}",
        "nogroup": "No group currently allows this operation.",
        "contact": "Contact your administrator to request access if necessary.",
    },
    # Only the texts recorded in German (a create); other modes answer in English.
    "de_DE": {
        "create": "Sie sind nicht berechtigt „{kind}“-Datensätze ({model}) zu erstellen.",
        "groups": "Dieser Vorgang ist für die folgenden Gruppen erlaubt:\n{groups}",
        "contact": "Wenden Sie sich gegebenenfalls an Ihren Administrator, um den Zugang zu beantragen.",
    },
}
MODEL_NAMES_DE = {"ir.model.data": "Modelldaten"}


def access_error(db: "Database", model: str, mode: str) -> AccessError:
    from . import registry
    lang = _lang(db)
    texts = MESSAGES["de_DE"] if lang == "de_DE" and mode in MESSAGES["de_DE"] else MESSAGES["en_US"]
    german = texts is MESSAGES["de_DE"]
    ir_model = next((r for r in db.tables["ir.model"].values() if r.get("model") == model), None)
    kind = (MODEL_NAMES_DE.get(model) if german else None) or (ir_model or {}).get("name") or \
        registry.description(model)
    groups = "\n".join(f"\t- {g}" for g in group_names(db, model, mode))
    info = texts["groups"].format(groups=groups) if groups else MESSAGES["en_US"]["nogroup"]
    return AccessError(f"{texts[mode].format(kind=kind, model=model)}\n\n{info}\n\n{texts['contact']}")


def check(db: "Database", model: str, mode: str) -> None:
    if not allowed(db, db.uid, model, mode):
        raise access_error(db, model, mode)


def check_call(db: "Database", model: str, method: str) -> None:
    """The model-level checks of one RPC call by ``db.uid``."""
    if db.uid in SUPERUSER_IDS:
        return
    for other in READS_FIRST.get((model, method), ()):
        check(db, other, "read")
    if method not in NO_CHECK:
        check(db, model, METHOD_MODE.get(method, "write"))
    need = METHOD_GROUPS.get((model, method))
    if need and not has_group(db, db.uid, need[0]):
        raise UserError(need[1])


# ---------------------------------------------------------------------------------------- users
def closure(db: "Database", ids) -> list[int]:
    """The groups with all the groups they imply, in res.groups order (name, id)."""
    groups = db.tables["res.groups"]
    seen: set[int] = set()
    todo = [i for i in ids if i in groups]
    while todo:
        gid = todo.pop()
        if gid not in seen:
            seen.add(gid)
            todo += [i for i in groups[gid].get("implied_ids") or [] if i in groups]
    return sorted(seen, key=lambda g: (groups[g]["name"], g))


def authenticate(db: "Database", login, password) -> int | None:
    for uid, user in db.tables["res.users"].items():
        if user.get("login") == login and user.get("active", True) and uid in db.passwords:
            return uid if db.passwords[uid] == password else None
    return None


def create_users(db: "Database", model, vals_list):
    """res.users.create: the user's partner first (res.users inherits res.partner, so a bad
    language fails as "Wrong value for res.partner.lang"), implied groups added."""
    single = isinstance(vals_list, dict)
    ids = []
    for vals in [vals_list] if single else list(vals_list):
        vals = dict(vals)
        password = vals.pop("password", None)
        if not vals.get("partner_id"):
            pvals = {k: vals[k] for k in ("name", "email", "lang", "tz") if k in vals}
            vals["partner_id"] = db.create("res.partner", {**pvals, "company_id": vals.get("company_id", 1)},
                                           top=False)
        uid = db.create("res.users", vals)
        if password:
            db.passwords[uid] = password
        ids.append(uid)
    return ids[0] if single else ids


def write_users(db, model, ids, vals):
    """res.users.write: a new password is kept aside (Odoo stores only its hash)."""
    vals = dict(vals) if isinstance(vals, dict) else vals
    password = vals.pop("password", None) if isinstance(vals, dict) else None
    result = db.write(model, ids, vals)
    if password:
        for uid in db.as_ids(ids):
            db.passwords[uid] = password
    return result


def _user_defaults(db, raw, x2m):
    raw.setdefault("company_id", 1)
    x2m.setdefault("company_ids", [[6, 0, [raw["company_id"]]]])
    raw.setdefault("share", False)
    raw.setdefault("notification_type", "email")
    raw.setdefault("lang", db.ctx.get("lang") or "en_US")
    raw.setdefault("tz", False)
    if "groups_id" not in x2m:
        x2m["groups_id"] = [[6, 0, [1]]]  # new users are internal users


def _user_groups_changed(db, ids, raw=None, x2m=None):
    for uid in [ids] if isinstance(ids, int) else ids:
        user = db.tables["res.users"][uid]
        db.set("res.users", uid, {"groups_id": closure(db, user.get("groups_id") or [])})


def context_get(db, model):
    user = db.tables["res.users"].get(db.uid) or {}
    return {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": db.uid}


def check_object_reference(db, model, module, xml_id, raise_on_access_error=False):
    """Looks the xml id up without the ir.model.data check; the target must be readable."""
    target = business.check_object_reference(db, model, module, xml_id, raise_on_access_error)
    check(db, target[0], "read")
    return target


def check_access_rights(db, model, operation, raise_exception=True):
    """BaseModel.check_access_rights: may the calling user ``operation`` records of ``model``?"""
    if operation not in MODES.values():
        raise ValueError(f"Invalid access mode {operation!r}")
    if allowed(db, db.uid, model, operation):
        return True
    if raise_exception:
        raise access_error(db, model, operation)
    return False


_orig_mail_defaults = DEFAULTS.get("mail.message")


def _mail_defaults(db, raw, x2m):
    user = db.tables["res.users"].get(db.uid) or {}
    raw.setdefault("author_id", user.get("partner_id") or 3)  # the calling user's partner
    if _orig_mail_defaults:
        _orig_mail_defaults(db, raw, x2m)


METHODS["res.users"]["create"] = create_users
METHODS["res.users"]["write"] = write_users
METHODS["res.users"]["context_get"] = context_get
METHODS["*"]["check_access_rights"] = check_access_rights
METHODS["ir.model.data"]["check_object_reference"] = check_object_reference
DEFAULTS["res.users"] = _user_defaults
DEFAULTS["mail.message"] = _mail_defaults
AFTER_CREATE["res.users"] = lambda db, rid, raw, x2m: _user_groups_changed(db, [rid])
AFTER_WRITE["res.users"] = lambda db, ids, raw, x2m: _user_groups_changed(db, ids) if "groups_id" in x2m else None
COMPUTE["res.groups"]["full_name"] = lambda db, r: (
    f"{CATEGORIES[r['_category']][0]} / {r['name']}" if CATEGORIES.get(r.get("_category"), (None,))[0]
    else r.get("name"))
COMPUTE["res.groups"]["trans_implied_ids"] = lambda db, r: [g for g in closure(db, r.get("implied_ids") or [])]
DISPLAY["res.groups"] = lambda db, r: COMPUTE["res.groups"]["full_name"](db, r)
registry.ORDERS.setdefault("res.groups", "name asc, id asc")
registry.DESCRIPTIONS.setdefault("res.company", "Companies")
