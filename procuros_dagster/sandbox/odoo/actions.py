"""Buttons in forms: server actions, related fields and what the web client calls when a button of
type "action" is pressed — as a real Odoo 17 does it (transcript 16, recorded on a real Odoo 17;
odoo/addons/base/models/ir_actions.py, ir_ui_view.py and addons/web/controllers/action.py of 17.0).

* ``ir.actions.server`` of state ``object_write``: ``update_path`` is traversed at create/write
  (``update_field_id``, ``crud_model_id`` computed; an unknown field is a KeyError, a path through a
  non-relational field a ValidationError), ``model_id`` is required, ``state`` a selection. It
  shares the ``ir_actions`` id sequence with window actions (one table in Odoo).
* ``run`` (call_kw, or ``/web/action/run``): the user needs write access on the action's model
  and on the records (``active_id``/``active_ids`` of the context), then the field is written as
  superuser (``self.sudo()`` in ``run``); answers ``False``. An unknown action id is a MissingError.
* ``/web/action/load``: the action as the web client gets it (``clean_action``), ``False`` for an
  unknown id; a window action's domain stays text (the client evaluates it with active_id).
* manual fields with ``related``: the path is checked (UserError "Unknown field name", the type must
  match) and read through.
* view validation of buttons (type "action": the action must exist; "object": the method) and of
  modifiers (invisible, readonly, required, column_invisible): every field they name must be in
  the (combined) view.
"""
from __future__ import annotations

import ast

from . import access, orm
from .errors import AccessError, MissingError, RpcKeyError, UserError, ValidationError
from .orm import AFTER_CREATE, AFTER_WRITE, COMPUTE, DEFAULTS, METHODS, Database

MODEL = "ir.actions.server"
ID_SEQUENCE = "ir.actions.act_window"  # the ir_actions table's sequence, shared by every action type
ACTION_MODELS = ("ir.actions.act_window", MODEL)


# ---------------------------------------------------------------------------- ir.actions.server
def _defaults(db: Database, raw, x2m) -> None:
    raw.setdefault("type", MODEL)
    raw.setdefault("usage", "ir_actions_server")
    raw.setdefault("state", "object_write")
    raw.setdefault("binding_type", "action")
    raw.setdefault("binding_view_types", "list,form")
    raw.setdefault("sequence", 5)
    raw.setdefault("evaluation_type", "value")
    raw.setdefault("update_boolean_value", "true")
    raw.setdefault("update_m2m_operation", "add")
    raw.setdefault("update_path", False)
    raw.setdefault("value", False)
    # one sequence for every action type: take the id from the window actions' counter
    rid = db.alloc(ID_SEQUENCE)
    db.next_id[MODEL] = rid


def _model_of(db: Database, r: dict) -> str | None:
    m = db.tables["ir.model"].get(r.get("model_id"))
    return m and m.get("model")


def _traverse(db: Database, model: str, path: str) -> tuple[str, str]:
    """The (model, field) at the end of ``path``, as _traverse_path does."""
    parts = path.split(".")
    for i, name in enumerate(parts):
        fields = db.model_fields[model]
        if name not in fields:
            raise RpcKeyError(name)
        fdef = fields[name]
        last = i == len(parts) - 1
        relational = fdef["type"] in ("many2one", "one2many", "many2many")
        if relational and not last:
            model = fdef["relation"]
        elif not relational and not last:
            raise ValidationError(
                f"The path to the field to update contains a non-relational field ({name}) that is not the last "
                "field in the path. You can't traverse non-relational fields (even in the quantum realm). Make sure "
                "only the last field in the path is non-relational.")
    return model, parts[-1]


def _field_id(db: Database, model: str, name: str):
    return next((f["id"] for f in db.tables["ir.model.fields"].values()
                 if f.get("model") == model and f.get("name") == name), False)


def _model_id(db: Database, model: str):
    return next((m["id"] for m in db.tables["ir.model"].values() if m.get("model") == model), False)


def _compute_relations(db: Database, rid: int) -> None:
    r = db.tables[MODEL][rid]
    model = _model_of(db, r)
    values = {"model_name": model or False}
    if model and r.get("state") == "object_write":
        if r.get("update_path"):
            target, fname = _traverse(db, model, r["update_path"])
            values |= {"crud_model_id": _model_id(db, target), "update_field_id": _field_id(db, target, fname)}
        else:
            values |= {"crud_model_id": _model_id(db, model), "update_field_id": False}
    elif model and r.get("state") == "object_create":
        values |= {"crud_model_id": _model_id(db, model), "update_field_id": False, "update_path": False}
    else:
        values |= {"crud_model_id": False, "update_field_id": False, "update_path": False}
    db.set(MODEL, rid, values)


def _value_field_to_show(db: Database, r: dict) -> str:
    f = db.tables["ir.model.fields"].get(r.get("update_field_id"))
    ttype = (f or {}).get("ttype")
    return {"many2one": "resource_ref", "many2many": "resource_ref", "selection": "selection_value",
            "boolean": "update_boolean_value"}.get(ttype, "value")


def _eval_value(db: Database, r: dict):
    f = db.tables["ir.model.fields"].get(r.get("update_field_id")) or {}
    if r.get("evaluation_type") == "equation":
        raise UserError("The sandbox runs no Python expressions in server actions.")  # not modelled
    value, ttype = r.get("value"), f.get("ttype")
    if ttype == "boolean":
        return r.get("update_boolean_value") == "true"
    if ttype in ("many2one", "integer"):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if ttype == "float":
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


def run(db: Database, model: str, ids, *args, **kwargs):
    """ir.actions.server.run: the caller's rights on the model and records, then the write as
    superuser. Answers False (an object_write returns no action)."""
    ids = db.as_ids(ids)
    ctx = db.ctx or {}
    for aid in ids:
        r = db.tables[MODEL].get(aid)
        if r is None:
            user = db.uid
            raise MissingError(f"Record does not exist or has been deleted.\n(Record: {MODEL}({aid},), User: {user})")
        target = _model_of(db, r)
        groups = set(r.get("groups_id") or [])
        if groups:
            if not groups & access.user_groups(db, db.uid):
                raise AccessError("You don't have enough access rights to run this action.")
        else:
            access.check(db, target, "write")
        records = []
        if ctx.get("active_model") == target:
            records = [i for i in (ctx.get("active_ids") or ([ctx["active_id"]] if ctx.get("active_id") else []))]
        if records:
            for check in orm.ACCESS_CHECKS:
                check(db, target, records, "write")
        if r.get("state") != "object_write":
            raise UserError(f"The sandbox runs server actions of state object_write only, not {r.get('state')!r}.")
        if not r.get("update_path"):
            continue
        path = r["update_path"].split(".")
        for rid in records:  # single mode: once per active id
            if rid not in db.tables[target]:
                raise MissingError(f"Record does not exist or has been deleted.\n(Record: {target}({rid},), "
                                   f"User: {db.uid})")
            fname = _traverse(db, target, r["update_path"])[1]
            rec_model, rec_ids = target, [rid]
            for step in path[:-1]:
                fdef = db.model_fields[rec_model][step]
                nxt = []
                for i in rec_ids:
                    v = db.raw_value(rec_model, db.tables[rec_model][i], step)
                    nxt += v if isinstance(v, list) else ([v] if v else [])
                rec_model, rec_ids = fdef["relation"], nxt
            su = getattr(db, "su", False)
            db.su = True  # Odoo writes with the sudo()ed action's environment
            try:
                db.write(rec_model, rec_ids, {fname: _eval_value(db, r)})
            finally:
                db.su = su
    return False


# ---------------------------------------------------------------------------- /web/action/*
SERVER_KEYS = ("id", "name", "type", "xml_id", "help", "binding_model_id", "binding_type", "binding_view_types",
               "display_name", "model_name", "groups_id")
WINDOW_KEYS = ("id", "name", "type", "xml_id", "help", "binding_model_id", "binding_type", "binding_view_types",
               "display_name", "view_id", "domain", "context", "res_id", "res_model", "target", "view_mode",
               "mobile_view_mode", "views", "limit", "groups_id", "search_view_id", "filter")
DEFAULT_HELP = "<p class='o_view_nocontent_smiling_face'>Create new document</p>"


def _xml_id(db: Database, model: str, rid: int) -> str:
    imd = next((d for d in db.tables["ir.model.data"].values() if d.get("model") == model and d.get("res_id") == rid),
               None)
    return f"{imd['module']}.{imd['name']}" if imd else ""


def resolve_action(db: Database, ref) -> tuple[str, int] | None:
    """(action model, id) of an action id or xml id, None when there is none."""
    try:
        aid = int(ref)
    except (TypeError, ValueError):
        module, _, name = str(ref).partition(".")
        imd = next((d for d in db.tables["ir.model.data"].values()
                    if d.get("module") == module and d.get("name") == name and d.get("model") in ACTION_MODELS), None)
        if imd is None:
            return None
        aid = imd["res_id"]
    for model in ACTION_MODELS:
        if aid in db.tables[model]:
            return model, aid
    return None


def load(db: Database, action_id, additional_context=None):
    """/web/action/load: the action read as superuser and cleaned, False for an unknown id."""
    found = resolve_action(db, action_id)
    if found is None:
        try:
            int(action_id)
        except (TypeError, ValueError):
            raise MissingError(f"The action {action_id!r} does not exist.") from None
        return False
    model, aid = found
    [row] = db.read(model, [aid], [k for k in (SERVER_KEYS if model == MODEL else WINDOW_KEYS)
                                   if k in db.model_fields[model] and k not in ("xml_id", "views")])
    r = db.tables[model][aid]
    out = {"id": aid, **row, "xml_id": _xml_id(db, model, aid)}
    out["help"] = r.get("help") or (DEFAULT_HELP if model != MODEL else False)
    if model == MODEL:
        out["model_name"] = r.get("model_name") or _model_of(db, r) or False
        return {k: out.get(k, False) for k in SERVER_KEYS}
    modes = [("list" if m.strip() == "tree" else m.strip()) for m in str(r.get("view_mode") or "tree,form").split(",")]
    out["view_mode"] = ",".join(modes)
    out["mobile_view_mode"] = r.get("mobile_view_mode") or "kanban"
    out["res_id"] = r.get("res_id") or 0
    # the action's own view for the first mode (Odoo matches it by type: the connector's first is it)
    out["views"] = [[(r.get("view_id") or False) if i == 0 else False, m] for i, m in enumerate(modes)]
    return {k: out.get(k, False) for k in WINDOW_KEYS}


# ---------------------------------------------------------------------------- related fields
def related_created(db: Database, r: dict) -> None:
    """ir.model.fields with ``related``: the path must lead to a field of the same type."""
    path = r.get("related")
    if not path:
        return
    model = r["model"]
    for i, name in enumerate(path.split(".")):
        fdef = db.model_fields.get(model, {}).get(name)
        if fdef is None:
            raise UserError(f"Unknown field name '{name}' in related field '{path}'")
        if i < len(path.split(".")) - 1:
            model = fdef.get("relation")
    if fdef["type"] != r.get("ttype"):
        raise ValidationError(f"Related field '{path}' does not have type '{r.get('ttype')}'")


def read_related(db: Database, model: str, rec: dict, path: str):
    value, cur_model, cur = False, model, rec
    parts = path.split(".")
    for i, name in enumerate(parts):
        value = db.raw_value(cur_model, cur, name)
        if i == len(parts) - 1:
            return value
        fdef = db.model_fields[cur_model][name]
        cur_model = fdef["relation"]
        cur = db.tables[cur_model].get(value) if value else None
        if cur is None:
            return db.empty(db.model_fields[cur_model][parts[-1]]) if i == len(parts) - 2 else False
    return value


def install_related(db: Database, model: str, name: str, path: str) -> None:
    """Reads of the field follow its path (COMPUTE is shared by every sandbox: the hook looks the
    path up in this database's own field definition)."""
    def compute(db: Database, rec: dict):
        fdef = db.model_fields.get(model, {}).get(name) or {}
        return read_related(db, model, rec, fdef["related"]) if fdef.get("related") else rec.get(name, False)
    COMPUTE[model][name] = compute


# ---------------------------------------------------------------------------- buttons and modifiers
MODIFIERS = ("invisible", "readonly", "required", "column_invisible")
ALWAYS = {"True", "False", "None", "id", "context", "uid", "parent", "today", "now", "current_company_id",
          "allowed_company_ids", "active_id", "active_ids", "active_model", "companies"}
GENERIC_METHODS = {"write", "unlink", "copy", "toggle_active", "action_archive", "action_unarchive"}


def _names(expr: str) -> list[str]:
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        return []
    return list(dict.fromkeys(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in ALWAYS))


def _fields_of(node) -> set[str]:
    out = {node.get("name")} if node.tag == "field" else set()
    for c in node.children:
        out |= _fields_of(c)
    return out


def check_buttons(db: Database, view: dict, model: str, arch: str, root, parse, error) -> None:
    """Buttons and modifiers of ``root`` (this view's arch) against the combined view: the fields of
    the views it inherits from and its own."""
    present = _fields_of(root)
    parent = db.tables["ir.ui.view"].get(view.get("inherit_id")) if view.get("inherit_id") else None
    while parent is not None:
        try:
            present |= _fields_of(parse(parent.get("arch_db") or parent.get("arch") or "<data/>"))
        except Exception:  # noqa: BLE001 - a baseline arch the sandbox cannot parse adds nothing
            pass
        parent = db.tables["ir.ui.view"].get(parent.get("inherit_id")) if parent.get("inherit_id") else None

    def walk(node):
        for child in node.children:
            if child.tag == "button":
                _check_button(db, model, arch, child, error)
            for attr in MODIFIERS:
                expr = child.get(attr)
                if expr and expr.strip() not in ("0", "1"):
                    for name in _names(expr):
                        if name not in present:
                            raise error(arch, child, f"Field '{name}' used in modifier '{attr}' ({expr}) must be "
                                                     "present in view but is missing.")
            if child.tag != "field" or not child.children:  # an x2many's sub-view is another model's
                walk(child)
    walk(root)


def _check_button(db: Database, model: str, arch: str, node, error) -> None:
    name, type_ = node.get("name"), node.get("type")
    if node.get("special") or not type_ or type_ == "edit":
        return
    if not name:
        raise error(arch, node, "Button must have a name")
    if type_ == "object":
        if name not in METHODS.get(model, {}) and name not in GENERIC_METHODS:
            raise error(arch, node, f"{name} is not a valid action on {model}")
    elif type_ == "action":
        try:
            aid = int(name)
        except ValueError:
            found = resolve_action(db, name)
            if found is None:
                raise error(arch, node, f"Invalid xmlid {name} for button of type action.") from None
            aid = found[1]
        if not any(aid in db.tables[m] for m in ACTION_MODELS):
            raise error(arch, node, f"Action {name} (id: {aid}) does not exist for button of type action.")


def install() -> None:
    DEFAULTS[MODEL] = _defaults
    AFTER_CREATE[MODEL] = lambda db, rid, raw, x2m: _compute_relations(db, rid)

    def written(db, ids, raw, x2m):
        if {"model_id", "update_path", "state"} & set(raw):
            for rid in ids:
                _compute_relations(db, rid)
    AFTER_WRITE[MODEL] = written
    METHODS[MODEL]["run"] = run
    COMPUTE[MODEL]["value_field_to_show"] = _value_field_to_show
    COMPUTE[MODEL]["xml_id"] = lambda db, r: _xml_id(db, MODEL, r["id"])
    COMPUTE[MODEL]["update_field_type"] = lambda db, r: (
        (db.tables["ir.model.fields"].get(r.get("update_field_id")) or {}).get("ttype") or False)
