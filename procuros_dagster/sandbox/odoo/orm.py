"""A small in-memory ORM that behaves like Odoo 17 seen over RPC.

Records are plain dicts of stored values (many2one = int or False, many2many = list of ids).
Computed fields, display names and business methods are plugged in by ``business``. Every RPC
call runs as a transaction: changed records are journalled and restored when the call raises.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any, Callable

from . import clock, registry
from .domain import Compiler, normalize
from .floats import round_field
from .errors import (AccessError, InvalidTextRepresentation, MissingError, RpcAttributeError,
                     RpcKeyError, RpcTypeError, RpcValueError, UserError, ValidationError)

# Plug-in points filled by the business module.
DEFAULTS: dict[str, Callable] = {}
AFTER_CREATE: dict[str, Callable] = {}
AFTER_WRITE: dict[str, Callable] = {}
BEFORE_UNLINK: dict[str, Callable] = {}
COMPUTE: dict[str, dict[str, Callable]] = defaultdict(dict)
DISPLAY: dict[str, Callable] = {}
METHODS: dict[str, dict[str, Callable]] = defaultdict(dict)
DELEGATE: dict[str, tuple[str, str, frozenset]] = {}  # model -> (parent model, link field, own fields)
# Checks run after every create/write, like Odoo's _validate_fields: fn(db, model, ids, fnames or None)
VALIDATORS: list[Callable] = []
# Record rules: fn(db, model) -> extra domain (or None), ANDed to every search
SEARCH_RULES: list[Callable] = []
# Record rules on RPC read/write/unlink of given ids: fn(db, model, ids, operation), raises AccessError
ACCESS_CHECKS: list[Callable] = []
# Translatable fields (filled by ``i18n``): (model, field) -> translator with
# ``read(db, rec, value)`` (the value in the call's language) and
# ``write(db, model, ids, field, value) -> bool`` (True when it stored a translation instead).
TRANSLATE: dict[tuple[str, str], Any] = {}

COMPANY_MODELS = {"sale.order", "sale.order.line", "purchase.order", "purchase.order.line", "stock.picking",
                  "stock.move", "stock.move.line", "stock.quant", "account.move", "account.move.line",
                  "account.move.reversal", "stock.lot", "stock.quant.package", "account.account"}
CURRENCY_MODELS = {"sale.order", "purchase.order", "account.move", "account.move.line", "account.move.reversal"}
CASCADE = {("sale.order", "order_line"), ("purchase.order", "order_line"), ("account.move", "line_ids"),
           ("stock.picking", "move_ids"), ("stock.move", "move_line_ids"),
           ("stock.backorder.confirmation", "backorder_confirmation_line_ids")}
NUMERIC = {"float", "monetary"}
EMPTY = (None, False, "")


def now() -> str:
    return clock.now()


def today() -> str:
    return clock.today()


def _bad_integer_message(v, stamp: str) -> str:
    """PostgreSQL's error for a non-integer in an integer column of Odoo's INSERT, with the query
    excerpt libpq adds (reportErrorPosition: a 60-column window ending 10 columns past the error)."""
    if isinstance(v, (list, tuple)):
        parts = [repr(x) if isinstance(x, str) else str(x) for x in v]
        first = next((i for i, x in enumerate(v) if isinstance(x, str)), max(len(v) - 1, 0))
        bad = v[first] if v else v
        token = "ARRAY[" + ",".join(parts) + "]"
        loc_in_token = len("ARRAY[") + sum(len(x) + 1 for x in parts[:first])
    else:
        bad, token, loc_in_token = v, repr(v), 0
    # Odoo inserts the stored columns in alphabetical order: active, color, then the many2one
    sql = ('INSERT INTO "res_partner" ("active", "color", "country_id", "create_date", "create_uid", '
           '"name", "partner_id", "write_date", "write_uid") VALUES (true, 0, ')
    loc = len(sql) + loc_in_token
    sql += f"{token}, '{stamp}', 2, 'x', NULL, '{stamp}', 2) RETURNING id"
    end = min(len(sql), loc + 10)
    begin = max(0, end - 60)
    line = ("..." if begin else "") + sql[begin:end] + ("..." if end < len(sql) else "")
    caret = " " * (len("LINE 1: ") + (3 if begin else 0) + loc - begin) + "^"
    return f'invalid input syntax for type integer: "{bad}"\nLINE 1: {line}\n{caret}\n'


class _K:
    """Sort key element: NULLs last ascending / first descending, like PostgreSQL."""
    __slots__ = ("v", "desc")

    def __init__(self, v, desc):
        self.v = None if v is False or v == [] else v
        self.desc = desc

    def _lt(self, a, b):
        if a is None:
            return False
        if b is None:
            return True
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

    def __lt__(self, other):
        return self._lt(other.v, self.v) if self.desc else self._lt(self.v, other.v)

    def __eq__(self, other):
        return self.v == other.v


class Database:
    """One Odoo database: tables, sequences, the undo journal of the running call."""

    def __init__(self, name: str = "procuros", login: str = "admin", password: str = "admin",
                 company_name: str | None = None, used_ids: dict | None = None, pricelists: bool = False):
        self.name = name
        self.login = login
        self.password = password
        self.uid = 2
        self.model_fields = {m: dict(f) for m, f in registry.base_fields().items()}
        self.tables: dict[str, dict[int, dict]] = {m: {} for m in self.model_fields}
        self.next_id: dict[str, int] = defaultdict(lambda: 1)
        self.idx: dict[tuple[str, str], dict[Any, set]] = {}
        self.idx_fields: dict[str, set] = defaultdict(set)
        self.undo: dict | None = None
        self.ctx: dict = {}
        self.counters: dict[str, int] = defaultdict(int)
        self.model_orders: dict[str, str] = {}  # custom models' _order (ir.model.order)
        from .baseline import load_baseline
        load_baseline(self, company_name, used_ids, pricelists)

    # ------------------------------------------------------------------ metadata
    def fields(self, model: str) -> dict:
        try:
            return self.model_fields[model]
        except KeyError:
            raise RpcKeyError(model) from None

    def field(self, model: str, fname: str) -> dict:
        fields = self.fields(model)
        if fname not in fields:
            raise RpcValueError(f"Invalid field {fname!r} on model {model!r}")
        return fields[fname]

    def description(self, model: str) -> str:
        """The model's ``_description``; a custom model's is its ir.model name."""
        for r in self.tables.get("ir.model", {}).values():
            if r.get("model") == model and r.get("state") == "manual":
                return r.get("name") or model
        return registry.description(model)

    def current_company(self) -> int:
        """env.company: the first of the context's allowed_company_ids, else the user's company."""
        allowed = self.ctx.get("allowed_company_ids")
        if isinstance(allowed, list) and allowed and isinstance(allowed[0], int) \
                and allowed[0] in self.tables.get("res.company", {}):
            return allowed[0]
        user = self.tables.get("res.users", {}).get(self.uid) or {}
        return user.get("company_id") or 1

    def parent_field(self, model: str) -> str:
        return "location_id" if model == "stock.location" else "parent_id"

    # ------------------------------------------------------------------ transactions
    def begin(self):
        self.undo = {}
        self.undo_schema: list[Callable] = []

    def commit(self):
        self.undo = None
        self.undo_schema = []

    def on_rollback(self, fn: Callable) -> None:
        """Undo a schema change (a custom model or field) if the running call fails."""
        if self.undo is not None:
            self.undo_schema.append(fn)

    def rollback(self):
        for fn in reversed(getattr(self, "undo_schema", [])):
            fn()
        self.undo_schema = []
        journal, self.undo = self.undo or {}, None
        for (model, rid), old in journal.items():
            cur = self.tables[model].get(rid)
            self._reindex(model, rid, cur, old)
            if old is None:
                self.tables[model].pop(rid, None)
            else:
                self.tables[model][rid] = old

    def _touch(self, model: str, rid: int):
        if self.undo is not None and (model, rid) not in self.undo:
            rec = self.tables[model].get(rid)
            self.undo[(model, rid)] = None if rec is None else {
                k: (list(v) if isinstance(v, list) else v) for k, v in rec.items()}

    # ------------------------------------------------------------------ indexes (many2one -> ids)
    def index(self, model: str, fname: str) -> dict[Any, set]:
        key = (model, fname)
        ix = self.idx.get(key)
        if ix is None:
            ix = defaultdict(set)
            for rid, rec in self.tables[model].items():
                v = rec.get(fname)
                if v:
                    ix[v].add(rid)
            self.idx[key] = ix
            self.idx_fields[model].add(fname)
        return ix

    def _reindex(self, model, rid, old, new):
        for fname in self.idx_fields.get(model, ()):
            ov = old.get(fname) if old else None
            nv = new.get(fname) if new else None
            if ov == nv:
                continue
            ix = self.idx[(model, fname)]
            if ov:
                ix[ov].discard(rid)
            if nv:
                ix[nv].add(rid)

    def children_index(self, model: str, parent: str) -> dict:
        return self.index(model, parent)

    # ------------------------------------------------------------------ raw storage
    def insert(self, model: str, raw: dict, rid: int | None = None) -> int:
        if rid is None:
            rid = self.alloc(model)
        raw["id"] = rid
        self._touch(model, rid)
        self.tables[model][rid] = raw
        self._reindex(model, rid, None, raw)
        return rid

    def alloc(self, model: str) -> int:
        rid = self.next_id[model]
        self.next_id[model] = rid + 1
        return rid

    def set(self, model: str, rid: int, values: dict):
        rec = self.tables[model][rid]
        self._touch(model, rid)
        old = dict(rec)
        rec.update(values)
        self._reindex(model, rid, old, rec)

    def delete(self, model: str, rid: int):
        self._touch(model, rid)
        rec = self.tables[model].pop(rid)
        self._reindex(model, rid, rec, None)

    def rec(self, model: str, rid) -> dict | None:
        return self.tables[model].get(rid) if rid else None

    # ------------------------------------------------------------------ values
    @staticmethod
    def empty(fdef: dict):
        t = fdef["type"]
        if t in NUMERIC:
            return 0.0
        if t == "integer":
            return 0
        if t in ("one2many", "many2many"):
            return []
        return False

    def raw_value(self, model: str, rec: dict, fname: str):
        comp = COMPUTE.get(model)
        if comp and fname in comp:
            return comp[fname](self, rec)
        if fname == "id":
            return rec["id"]
        deleg = DELEGATE.get(model)
        if deleg and fname not in deleg[2] and fname in self.model_fields[deleg[0]]:
            parent = self.tables[deleg[0]].get(rec.get(deleg[1]))
            if parent is not None:
                return self.raw_value(deleg[0], parent, fname)
        if fname in rec:
            tr = TRANSLATE.get((model, fname))
            return tr.read(self, rec, rec[fname]) if tr else rec[fname]
        fdef = self.model_fields[model].get(fname)
        if fdef is None:
            return False
        if fdef["type"] == "one2many":
            inv = registry.INVERSES.get((model, fname))
            if inv:
                return sorted(self.index(inv[0], inv[1]).get(rec["id"], ()))
            return []
        if fname == "display_name":
            return self.display_name(model, rec["id"])
        return self.empty(fdef)

    def display_name(self, model: str, rid: int) -> str:
        rec = self.tables.get(model, {}).get(rid)
        if rec is None:
            return f"{model},{rid}"
        fn = DISPLAY.get(model)
        if fn:
            return fn(self, rec)
        # Odoo's _rec_name: "name", else a custom model's "x_name"
        rec_name = next((f for f in ("name", "x_name") if f in self.model_fields[model]), None)
        name = self.raw_value(model, rec, rec_name) if rec_name else False
        return name if name else f"{model},{rid}"

    def fmt(self, model: str, fname: str, fdef: dict, v):
        t = fdef["type"]
        if t == "many2one":
            if not v or v not in self.tables.get(fdef.get("relation"), {}):
                return False
            return [v, self.display_name(fdef["relation"], v)]
        if t == "many2many" and v:
            # Odoo reads a many2many in its comodel's _order, whatever order it was written in
            table = self.tables.get(fdef.get("relation"), {})
            if all(i in table for i in v):
                return [r["id"] for r in self.sort(fdef["relation"], [table[i] for i in v])]
        if t in ("one2many", "many2many"):
            return list(v or [])
        if t in NUMERIC:
            return float(v or 0.0)
        if t == "integer":
            return int(v or 0) if not isinstance(v, (dict, list)) else v
        if t == "boolean":
            return bool(v)
        return False if v is None else v

    # ------------------------------------------------------------------ conversion
    def convert(self, model: str, fname: str, fdef: dict, v, creating: bool):
        t = fdef["type"]
        if t == "many2one":
            if v in (None, False, 0):
                return False
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            if creating:
                raise InvalidTextRepresentation(_bad_integer_message(v, now()))
            return False  # Odoo's write silently empties a many2one given a name or a pair
        if t in NUMERIC:
            if v in (None, False):
                return 0.0
            if isinstance(v, str):
                raise RpcTypeError("unsupported operand type(s) for /: 'str' and 'float'")
            return round_field(self, model, fname, float(v))  # to the field's digits, as Odoo's cache does
        if t == "integer":
            if v in (None, False):
                return 0
            if isinstance(v, str):
                raise RpcValueError(f"invalid literal for int() with base 10: {v!r}")
            return int(v)
        if t == "boolean":
            return bool(v)
        if v in (None, False):
            return False
        if t == "selection":
            sel = fdef.get("selection")
            if isinstance(sel, list) and sel and v not in {s[0] for s in sel}:
                raise RpcValueError(f"Wrong value for {model}.{fname}: {v!r}")
            return v
        if t == "html":
            s = str(v)
            return s if s.lstrip().startswith("<") or not s else f"<p>{s}</p>"
        if t == "date":  # fields.Date.to_date: the first 10 characters, strictly %Y-%m-%d
            try:
                return dt.datetime.strptime(str(v)[:10], "%Y-%m-%d").date().isoformat()
            except ValueError as e:
                raise RpcValueError(str(e)) from None
        if t == "datetime":  # fields.Datetime.to_datetime: no 'T', no zone; a date alone is midnight
            s = str(v)
            try:
                return dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S"[:len(s) - 2]).strftime("%Y-%m-%d %H:%M:%S")
            except ValueError as e:
                raise RpcValueError(str(e)) from None
        if t in ("char", "text"):
            return v if isinstance(v, str) else str(v)
        return v

    # ------------------------------------------------------------------ create / write / unlink
    def create(self, model: str, vals_list, top: bool = True):
        fields = self.fields(model)
        single = isinstance(vals_list, dict)
        items = [vals_list] if single else list(vals_list)
        ids = []
        for vals in items:
            if not isinstance(vals, dict):
                raise RpcValueError(f"Invalid create values {vals!r}")
            ids.append(self._create_one(model, fields, vals, top))
        return ids[0] if single else ids

    def _split(self, model, fields, vals, creating):
        raw, x2m = {}, {}
        for k, v in vals.items():
            if k not in fields:
                raise RpcValueError(f"Invalid field {k!r} on model {model!r}")
            fdef = fields[k]
            if k == "id":
                continue
            if fdef["type"] in ("one2many", "many2many"):
                x2m[k] = v
            else:
                raw[k] = self.convert(model, k, fdef, v, creating)
        return raw, x2m

    def _create_one(self, model, fields, vals, top) -> int:
        if top:
            for key, v in self.ctx.items():
                if key.startswith("default_") and key[8:] in fields and key[8:] not in vals:
                    vals = {**vals, key[8:]: v}
        raw, x2m = self._split(model, fields, vals, True)
        if model in DEFAULTS:
            DEFAULTS[model](self, raw, x2m)
        stamp = now()
        raw.setdefault("create_date", stamp)
        raw["write_date"] = raw.get("write_date") or stamp
        raw.setdefault("create_uid", self.uid)
        raw.setdefault("write_uid", self.uid)
        if "active" in fields:
            raw.setdefault("active", True)
        if model in COMPANY_MODELS and "company_id" in fields:
            raw.setdefault("company_id", self.current_company())
        if model in CURRENCY_MODELS and "currency_id" in fields:
            raw.setdefault("currency_id", 126)
        rid = self.alloc(model)
        self._check_required(model, fields, raw)
        self._check_fk(model, fields, raw)
        m2m_now = {k: v for k, v in x2m.items() if fields[k]["type"] == "many2many"}
        for k, v in m2m_now.items():
            raw[k] = self._m2m(model, k, fields[k], [], v)
        self.insert(model, raw, rid)
        for k, v in x2m.items():
            if fields[k]["type"] == "one2many":
                self._o2m(model, rid, k, v)
        if model in AFTER_CREATE:
            AFTER_CREATE[model](self, rid, raw, x2m)
        for check in VALIDATORS:
            check(self, model, [rid], None)
        return rid

    def _check_required(self, model, fields, raw):
        for fname, fdef in fields.items():
            if fdef.get("required") and fdef["type"] not in ("one2many", "many2many", "boolean", "integer",
                                                            "float", "monetary", "binary") \
                    and not fdef.get("readonly") and raw.get(fname) in EMPTY and not fname.startswith("property_") \
                    and not (DELEGATE.get(model) and fname not in DELEGATE[model][2]):
                raise self.not_null(model, fname)

    def not_null(self, model, fname) -> ValidationError:
        fdef = self.model_fields[model][fname]
        return ValidationError(
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {self.description(model)} ({model})\nField: {fdef['string']} ({fname})\n")

    def _check_fk(self, model, fields, raw):
        for fname, v in raw.items():
            fdef = fields.get(fname)
            if fdef and fdef["type"] == "many2one" and v:
                table = self.tables.get(fdef.get("relation"))
                if table is not None and v not in table:
                    raise ValidationError(
                        "The operation cannot be completed: another model requires the record being deleted. "
                        "If possible, archive it instead.\n\n"
                        f"Model: {self.description(model)} ({model})\n"
                        f"Constraint: {registry.table(model)}_{fname}_fkey\n")

    def _m2m(self, model, fname, fdef, current: list, commands) -> list:
        comodel = fdef["relation"]
        ids = list(current)
        if commands in (False, None):
            return []
        for cmd in commands:
            if isinstance(cmd, int):  # a bare list of ids replaces the set
                ids = [c for c in commands if isinstance(c, int)]
                break
            if not isinstance(cmd, (list, tuple)) or not cmd:
                raise RpcValueError(f"Invalid command {cmd!r} for field {fname!r}")
            op = cmd[0]
            if op == 6:
                ids = list(dict.fromkeys(cmd[2] or []))
            elif op == 5:
                ids = []
            elif op == 4:
                if cmd[1] not in ids:
                    ids.append(cmd[1])
            elif op == 3:
                ids = [i for i in ids if i != cmd[1]]
            elif op == 0:
                ids.append(self.create(comodel, cmd[2], top=False))
            elif op == 1:
                self.write(comodel, [cmd[1]], cmd[2])
            elif op == 2:
                self.unlink(comodel, [cmd[1]])
                ids = [i for i in ids if i != cmd[1]]
            else:
                raise RpcValueError(f"Invalid command {cmd!r}")
        table = self.tables.get(comodel, {})
        missing = [i for i in ids if i not in table]
        if missing and table:
            raise ValidationError(
                "The operation cannot be completed: another model requires the record being deleted. "
                "If possible, archive it instead.\n\n"
                f"Model: {self.description(model)} ({model})\nConstraint: {fname}_fkey\n")
        return ids

    def _o2m(self, model, rid, fname, commands):
        inv = registry.INVERSES.get((model, fname))
        if not inv or commands in (False, None):
            return
        comodel, inverse = inv
        current = lambda: sorted(self.index(comodel, inverse).get(rid, ()))
        for cmd in commands:
            if isinstance(cmd, int):
                cmd = (4, cmd)
            if not isinstance(cmd, (list, tuple)) or not cmd:
                raise RpcValueError(f"Invalid command {cmd!r} for field {fname!r}")
            op = cmd[0]
            if op == 0:
                self.create(comodel, {**(cmd[2] or {}), inverse: rid}, top=False)
            elif op == 1:
                self.write(comodel, [cmd[1]], cmd[2])
            elif op in (2, 3):
                self.unlink(comodel, [cmd[1]])
            elif op == 4:
                self.write(comodel, [cmd[1]], {inverse: rid})
            elif op == 5:
                self.unlink(comodel, current())
            elif op == 6:
                keep = set(cmd[2] or [])
                self.unlink(comodel, [i for i in current() if i not in keep])
                for i in keep:
                    self.write(comodel, [i], {inverse: rid})
            else:
                raise RpcValueError(f"Invalid command {cmd!r}")

    def missing(self, model, ids) -> MissingError:
        shown = ",".join(str(i) for i in ids) + ("," if len(ids) == 1 else "")
        return MissingError(f"Record does not exist or has been deleted.\n(Record: {model}({shown}), User: {self.uid})")

    def write(self, model: str, ids, vals: dict) -> bool:
        fields = self.fields(model)
        ids = self.as_ids(ids)
        table = self.tables[model]
        missing = [i for i in ids if i not in table]
        if missing:
            raise self.missing(model, missing)
        if not isinstance(vals, dict):
            raise RpcValueError(f"Invalid write values {vals!r}")
        raw, x2m = self._split(model, fields, vals, False)
        self._check_fk(model, fields, raw)
        for k in [k for k in raw if (model, k) in TRANSLATE]:
            if TRANSLATE[(model, k)].write(self, model, ids, k, raw[k]):
                del raw[k]
        deleg = DELEGATE.get(model)
        if deleg:
            parent_x2m = {k: x2m.pop(k) for k in list(x2m)
                          if k not in deleg[2] and k in self.model_fields[deleg[0]]}
        for rid in ids:
            own = dict(raw)
            if deleg:
                parent_vals = {k: v for k, v in raw.items()
                               if k not in deleg[2] and k in self.model_fields[deleg[0]]}
                for k in parent_vals:
                    own.pop(k)
                parent_vals.update(parent_x2m)
                if parent_vals:
                    self.write(deleg[0], [table[rid][deleg[1]]], parent_vals)
            own["write_date"] = now()
            for k, v in x2m.items():
                if fields[k]["type"] == "many2many":
                    own[k] = self._m2m(model, k, fields[k], table[rid].get(k) or [], v)
            self.set(model, rid, own)
            for k, v in x2m.items():
                if fields[k]["type"] == "one2many":
                    self._o2m(model, rid, k, v)
        for k in raw:
            if fields[k].get("required") and raw[k] in EMPTY and fields[k]["type"] not in NUMERIC | {"boolean", "integer"}:
                raise self.not_null(model, k)
        if model in AFTER_WRITE:
            AFTER_WRITE[model](self, ids, raw, x2m)
        for check in VALIDATORS:
            check(self, model, ids, set(raw) | set(x2m))
        return True

    def unlink(self, model: str, ids) -> bool:
        self.fields(model)
        ids = self.as_ids(ids)
        table = self.tables[model]
        missing = [i for i in ids if i not in table]
        if missing:
            raise self.missing(model, missing)
        if model in BEFORE_UNLINK:
            BEFORE_UNLINK[model](self, ids)
        for rid in ids:
            if rid not in table:
                continue
            for (m, f), (comodel, inverse) in registry.INVERSES.items():
                if m == model and (m, f) in CASCADE:
                    for child in list(self.index(comodel, inverse).get(rid, ())):
                        if child in self.tables[comodel]:
                            self.unlink(comodel, [child])
            self.delete(model, rid)
        return True

    @staticmethod
    def as_ids(ids) -> list[int]:
        if isinstance(ids, bool):
            raise RpcTypeError("ids must be integers")
        if isinstance(ids, int):
            return [ids]
        if ids in (None, False):
            return []
        out = []
        for i in ids:
            if not isinstance(i, int) or isinstance(i, bool):
                raise RpcTypeError(f"unsupported id {i!r}")
            out.append(i)
        return out

    # ------------------------------------------------------------------ read / search
    def read(self, model: str, ids, fields=None) -> list[dict]:
        mfields = self.fields(model)
        ids = self.as_ids(ids)
        if not fields:
            fields = [f for f, d in mfields.items() if d["type"] not in registry.HEAVY_TYPES and f != "id"]
        for f in fields:
            if f not in mfields:
                raise RpcValueError(f"Invalid field {f!r} on model {model!r}")
        table = self.tables[model]
        out = []
        seen = set()
        for rid in ids:
            rec = table.get(rid)
            if rec is None or rid in seen:
                continue
            seen.add(rid)
            row = {"id": rid}
            for f in fields:
                if f != "id":
                    row[f] = self.fmt(model, f, mfields[f], self.raw_value(model, rec, f))
            out.append(row)
        return out

    def search(self, model: str, domain=None, offset: int = 0, limit=None, order=None, count: bool = False):
        fields = self.fields(model)
        domain = list(domain or [])
        norm = normalize(domain)
        if "active" in fields and self.ctx.get("active_test", True) and not any(
                isinstance(t, (list, tuple)) and t and str(t[0]).split(".")[0] == "active" for t in norm):
            norm = (["&"] + norm + [["active", "=", True]]) if norm else [["active", "=", True]]
        for rule in SEARCH_RULES:
            extra = rule(self, model)
            if extra:
                norm = (["&"] + norm + normalize(extra)) if norm else normalize(extra)
        pred = Compiler(self, model).compile(norm)
        candidates = self._candidates(model, fields, norm)
        recs = [r for r in candidates if pred(r)]
        if count:
            return len(recs)
        recs = self.sort(model, recs, order)
        if offset:
            recs = recs[offset:]
        if limit:
            recs = recs[:limit]
        return [r["id"] for r in recs]

    def _candidates(self, model, fields, norm):
        """Narrow with the many2one index when a top-level AND leaf allows it."""
        table = self.tables[model]
        if any(t == "|" or t == "!" for t in norm if isinstance(t, str)):
            return list(table.values())
        best = None
        for t in norm:
            if isinstance(t, (list, tuple)) and len(t) == 3 and t[1] in ("=", "in") and "." not in str(t[0]):
                fdef = fields.get(t[0])
                if fdef and fdef["type"] == "many2one" and t[0] not in COMPUTE.get(model, {}) \
                        and not DELEGATE.get(model):
                    vals = t[2] if isinstance(t[2], (list, tuple)) else [t[2]]
                    if all(isinstance(v, int) and not isinstance(v, bool) and v for v in vals):
                        ix = self.index(model, t[0])
                        ids = set().union(*(ix.get(v, ()) for v in vals)) if vals else set()
                        if best is None or len(ids) < len(best):
                            best = ids
                elif t[0] == "id":
                    vals = t[2] if isinstance(t[2], (list, tuple)) else [t[2]]
                    ids = {v for v in vals if isinstance(v, int) and v in table}
                    if best is None or len(ids) < len(best):
                        best = ids
        if best is None:
            return list(table.values())
        return [table[i] for i in sorted(best) if i in table]

    def sort(self, model: str, recs: list, order=None) -> list:
        spec = order or self.model_orders.get(model) or registry.ORDERS.get(model, "id asc")
        terms = self._order_terms(model, spec)
        return sorted(recs, key=lambda r: self._key(model, r, terms, 0))

    def _order_terms(self, model, spec):
        fields = self.fields(model)
        terms = []
        for part in str(spec).split(","):
            bits = part.strip().split()
            if not bits:
                continue
            fname = bits[0].strip('"')
            desc = len(bits) > 1 and bits[1].lower() == "desc"
            if fname not in fields:
                raise RpcValueError(f"Invalid field {fname!r} on model {model!r}")
            terms.append((fname, desc))
        if not any(f == "id" for f, _ in terms):
            terms.append(("id", False))
        return terms

    def _key(self, model, rec, terms, depth):
        out = []
        fields = self.model_fields[model]
        for fname, desc in terms:
            v = self.raw_value(model, rec, fname)
            fdef = fields[fname]
            if fdef["type"] == "many2one" and v and depth == 0:
                comodel = fdef["relation"]
                target = self.tables.get(comodel, {}).get(v)
                if target is not None:
                    sub = [(f, d != desc) if desc else (f, d)
                           for f, d in self._order_terms(comodel, registry.ORDERS.get(comodel, "id asc"))]
                    out.extend(self._key(comodel, target, sub, 1))
                    continue
            if isinstance(v, list):
                v = tuple(v)
            out.append(_K(v, desc))
        return tuple(out)

    def search_read(self, model, domain=None, fields=None, offset=0, limit=None, order=None):
        ids = self.search(model, domain, offset, limit, order)
        return self.read(model, ids, fields)

    def name_search_ids(self, model: str, name: str, operator: str = "ilike") -> set:
        if model not in self.tables:
            return set()
        out = set()
        fields = self.model_fields[model]
        check = Compiler._compare(lambda r: r, operator if operator != "=" else "=", name)
        for rid, rec in self.tables[model].items():
            cands = [self.display_name(model, rid)]
            if "name" in fields:
                cands.append(self.raw_value(model, rec, "name"))
            if model == "product.product":
                cands.append(self.raw_value(model, rec, "default_code"))
            if any(isinstance(c, str) and check(c) for c in cands):
                out.add(rid)
        return out

    def name_search(self, model, name="", args=None, operator="ilike", limit=100):
        ids = self.search(model, args or [])
        if name:
            hits = self.name_search_ids(model, name, operator)
            ids = [i for i in ids if i in hits]
        ids = ids[:limit] if limit else ids
        return [[i, self.display_name(model, i)] for i in ids]

    def read_group(self, model, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        mfields = self.fields(model)
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
        gbs = groupby[:1] if lazy else groupby
        aggs = []
        for f in fields or []:
            name, _, func = f.partition(":")
            name = name.split("(")[0].strip()
            if name in gbs or name == "__count":
                continue
            if name not in mfields:
                raise RpcValueError(f"Invalid field {name!r} on model {model!r}")
            if func or mfields[name]["type"] in NUMERIC | {"integer"}:
                aggs.append((name, func or "sum"))
        ids = self.search(model, domain)
        recs = [self.tables[model][i] for i in ids]
        groups: dict[tuple, list] = {}
        specs = []
        for gb in gbs:
            fname, _, gran = gb.partition(":")
            if fname not in mfields:
                raise RpcValueError(f"Invalid field {fname!r} on model {model!r}")
            specs.append((gb, fname, gran or ("month" if mfields[fname]["type"] in ("date", "datetime") else "")))
        for r in recs:
            key = []
            for gb, fname, gran in specs:
                v = self.raw_value(model, r, fname)
                if gran and v:
                    d = dt.date.fromisoformat(str(v)[:10])
                    if gran == "day":
                        v = d.isoformat()
                    elif gran == "year":
                        v = d.replace(month=1, day=1).isoformat()
                    else:
                        v = d.replace(day=1).isoformat()
                key.append(tuple(v) if isinstance(v, list) else v)
            groups.setdefault(tuple(key), []).append(r)
        result = []
        for key in sorted(groups, key=lambda k: tuple(_K(x, False) for x in k)):
            members = groups[key]
            row: dict = {}
            leaves = []
            ranges = {}
            for (gb, fname, gran), v in zip(specs, key):
                fdef = mfields[fname]
                if gran and v:
                    d = dt.date.fromisoformat(v)
                    end = {"day": d + dt.timedelta(days=1),
                           "year": d.replace(year=d.year + 1)}.get(
                        gran, (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1))
                    label = {"day": d.strftime("%d %b %Y"), "year": d.strftime("%Y")}.get(gran, d.strftime("%B %Y"))
                    row[gb] = label
                    leaves.append(["&", [fname, ">=", v], [fname, "<", end.isoformat()]])
                    ranges[gb] = {"from": v, "to": end.isoformat()}
                else:
                    row[gb] = self.fmt(model, fname, fdef, v) if fdef["type"] != "many2many" else v
                    leaves.append([[fname, "=", v]])
            if lazy:
                row[f"{specs[0][1]}_count" if specs else "__count"] = len(members)
            else:
                row["__count"] = len(members)
            for name, func in aggs:
                vals = [self.raw_value(model, m, name) or 0 for m in members]
                if func == "sum":
                    agg = sum(vals)
                elif func == "max":
                    agg = max(vals) if vals else 0
                elif func == "min":
                    agg = min(vals) if vals else 0
                elif func in ("avg",):
                    agg = sum(vals) / len(vals) if vals else 0
                elif func in ("count", "count_distinct"):
                    agg = len(set(vals)) if func == "count_distinct" else len(vals)
                else:
                    raise RpcValueError(f"Invalid aggregate function {func!r}")
                row[name] = round(agg, 2) if isinstance(agg, float) else agg
            row["__domain"] = and_domains([list(domain or [])] + leaves)
            if ranges:
                row["__range"] = ranges
            if lazy and len(groupby) > 1:
                row["__context"] = {"group_by": groupby[1:]}
            result.append(row)
        if offset:
            result = result[offset:]
        if limit:
            result = result[:limit]
        return result

    def fields_get(self, model, allfields=None, attributes=None):
        fields = self.fields(model)
        out = {}
        for name, fdef in fields.items():
            if allfields and name not in allfields:
                continue
            attrs = dict(fdef)
            attrs.setdefault("name", name)
            if attributes:
                attrs = {k: v for k, v in attrs.items() if k in attributes}
            out[name] = attrs
        return out


def and_domains(domains: list[list]) -> list:
    parts = [normalize(d) for d in domains if d]
    if not parts:
        return []
    out: list = ["&"] * (len(parts) - 1)
    for p in parts:
        out.extend(p)
    return out


__all__ = ["Database", "UserError", "AccessError", "RpcAttributeError", "now", "today"]
