"""Odoo domain language evaluated against the in-memory tables.

Prefix ``&``/``|``/``!`` with an implicit ``&`` between terms; leaves on stored, computed and
dotted fields; x2many leaves match when any related record matches. ``in`` lists become sets so
a 1,000-value look-up stays linear.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from .errors import RpcValueError

if TYPE_CHECKING:
    from .orm import Database

OPERATORS = {"=", "!=", "<>", ">", ">=", "<", "<=", "in", "not in", "like", "ilike", "not like",
             "not ilike", "=like", "=ilike", "child_of", "parent_of", "=?"}
Pred = Callable[[dict], bool]


def _leaf_repr(leaf) -> str:
    return "(" + ", ".join(repr(x) for x in leaf) + ")"


def normalize(domain) -> list:
    """Validate and return a prefix-normalised domain (explicit '&')."""
    if not domain:
        return []
    if not isinstance(domain, (list, tuple)):
        raise RpcValueError(f"Invalid domain {domain!r}")
    items = list(domain)
    result: list = []
    expected = 1
    for item in items:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(item, str):
            if item not in ("&", "|", "!"):
                raise RpcValueError(f"Invalid domain term {item!r}")
            expected += 0 if item == "!" else 1
        elif isinstance(item, (list, tuple)):
            if len(item) != 3:
                if len(item) < 3:
                    raise RpcValueError(f"not enough values to unpack (expected 3, got {len(item)})")
                raise RpcValueError(f"too many values to unpack (expected 3)")
            expected -= 1
        elif item is True or item is False:
            expected -= 1
        else:
            raise RpcValueError(f"Invalid domain term {item!r}")
        result.append(item)
    return result


def _like(pattern: str, value: str, ci: bool, anchored: bool) -> bool:
    if anchored:
        rx = "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + "$"
        return re.match(rx, value, re.I | re.S if ci else re.S) is not None
    return (pattern.lower() in value.lower()) if ci else (pattern in value)


class Compiler:
    def __init__(self, db: "Database", model: str):
        self.db = db
        self.model = model

    def compile(self, domain) -> Pred:
        norm = normalize(domain)
        if not norm:
            return lambda rec: True
        pos = 0

        def parse() -> Pred:
            nonlocal pos
            tok = norm[pos]
            pos += 1
            if tok == "!":
                sub = parse()
                return lambda r: not sub(r)
            if tok in ("&", "|"):
                a, b = parse(), parse()
                if tok == "&":
                    return lambda r: a(r) and b(r)
                return lambda r: a(r) or b(r)
            return self.leaf(self.model, tok)

        pred = parse()
        while pos < len(norm):  # tolerate trailing terms joined implicitly
            nxt = parse()
            prev = pred
            pred = (lambda a, b: (lambda r: a(r) and b(r)))(prev, nxt)
        return pred

    def leaf(self, model: str, leaf) -> Pred:
        if leaf is True or leaf is False:
            return lambda r, v=bool(leaf): v
        left, op, right = leaf
        if isinstance(op, str):
            op = op.lower()
        if op not in OPERATORS or not isinstance(left, str):
            raise RpcValueError(f"Invalid leaf {_leaf_repr(leaf)}")
        if op == "<>":
            op = "!="
        if op == "=?":
            if right is None or right is False:
                return lambda r: True
            op = "="
        path = left.split(".")
        fields = self.db.fields(model)
        fname = path[0]
        if fname not in fields:
            raise RpcValueError(f"Invalid field {model}.{fname} in leaf {_leaf_repr(leaf)}")
        fdef = fields[fname]
        ftype = fdef["type"]
        if len(path) > 1:
            if ftype not in ("many2one", "one2many", "many2many"):
                raise RpcValueError(f"Invalid field {model}.{left} in leaf {_leaf_repr(leaf)}")
            comodel = fdef["relation"]
            sub = self.leaf(comodel, (".".join(path[1:]), op, right))
            table = self.db.tables[comodel]
            db = self.db

            def dotted(r, fname=fname, ftype=ftype, model=model):
                v = db.raw_value(model, r, fname)
                ids = ([v] if v else []) if ftype == "many2one" else (v or [])
                return any(sub(table[i]) for i in ids if i in table)
            return dotted
        return self._simple(model, fname, fdef, op, right)

    def _simple(self, model: str, fname: str, fdef: dict, op: str, right: Any) -> Pred:
        db = self.db
        ftype = fdef["type"]
        get = (lambda r: db.raw_value(model, r, fname))
        if op in ("child_of", "parent_of"):
            return self._hierarchy(model, fname, fdef, op, right)
        if ftype in ("many2one", "one2many", "many2many"):
            comodel = fdef["relation"]
            # strings compare against the related record's name (name_search semantics)
            if isinstance(right, str) or (isinstance(right, (list, tuple)) and any(isinstance(x, str) for x in right)):
                names = [right] if isinstance(right, str) else [x for x in right if isinstance(x, str)]
                pos_op = {"!=": "=", "not in": "=", "in": "=", "not like": "like",
                          "not ilike": "ilike"}.get(op, op)
                ids = set()
                for n in names:
                    ids.update(db.name_search_ids(comodel, n, pos_op))
                negate = op in ("!=", "not in", "not like", "not ilike")
                right_set = ids
                if ftype == "many2one":
                    return (lambda r: (get(r) in right_set) != negate)
                return (lambda r: bool(set(get(r) or []) & right_set) != negate)
            if ftype == "many2one":
                return self._compare(get, op, right, is_m2o=True)
            # x2many: any related id matches
            if right is False or right is None or right == []:
                if op in ("=", "in"):
                    return lambda r: not get(r)
                if op in ("!=", "not in"):
                    return lambda r: bool(get(r))
            vals = set(right) if isinstance(right, (list, tuple)) else {right}
            if op in ("=", "in"):
                return lambda r: bool(vals.intersection(get(r) or ()))
            if op in ("!=", "not in"):
                return lambda r: not vals.intersection(get(r) or ())
            raise RpcValueError(f"Invalid leaf {_leaf_repr((fname, op, right))}")
        return self._compare(get, op, right, ftype=ftype)

    @staticmethod
    def _compare(get, op, right, is_m2o=False, ftype=None) -> Pred:
        if op in ("in", "not in"):
            items = right if isinstance(right, (list, tuple)) else [right]
            has_false = any(x is False or x is None for x in items)
            try:
                s = {x for x in items if x is not False and x is not None}
            except TypeError:
                s = [x for x in items if x is not False and x is not None]
            neg = op == "not in"

            def f(r):
                v = get(r)
                hit = (v in s) if (v is not False and v is not None) else has_false
                return hit != neg
            return f
        if op in ("=", "!="):
            neg = op == "!="
            if right is False or right is None:
                if ftype == "boolean":
                    return lambda r: (not get(r)) != neg
                return lambda r: (get(r) in (False, None, "")) != neg
            if ftype == "boolean":
                return lambda r: (bool(get(r)) == bool(right)) != neg
            if ftype in ("float", "monetary", "integer") and isinstance(right, (int, float)):
                return lambda r: (abs((get(r) or 0) - right) < 1e-9) != neg
            return lambda r: (get(r) == right) != neg
        if op in (">", ">=", "<", "<="):
            import operator as o
            fn = {">": o.gt, ">=": o.ge, "<": o.lt, "<=": o.le}[op]

            def cmp(r):
                v = get(r)
                if v is False or v is None or right is False or right is None:
                    return False
                try:
                    if ftype == "datetime" and isinstance(right, str) and len(right) == 10:
                        return fn(v, right + " 00:00:00")
                    if ftype == "datetime" and isinstance(right, str) and right[10:11] == "T":
                        return fn(v, right[:10] + " " + right[11:])  # PostgreSQL reads the ISO form too
                    return fn(v, right)
                except TypeError:
                    return False
            return cmp
        # like family
        neg = op.startswith("not ")
        base = op[4:] if neg else op
        ci = "ilike" in base
        anchored = base.startswith("=")
        if right is False or right is None:
            return lambda r: (get(r) in (False, None, "")) != neg
        pat = str(right)

        def like(r):
            v = get(r)
            if v is False or v is None:
                return neg
            return _like(pat, str(v), ci, anchored) != neg
        return like

    def _hierarchy(self, model, fname, fdef, op, right) -> Pred:
        db = self.db
        comodel = fdef.get("relation", model)
        ids = right if isinstance(right, (list, tuple)) else [right]
        if any(isinstance(x, str) for x in ids):
            ids = [i for x in ids for i in (db.name_search_ids(comodel, x, "ilike") if isinstance(x, str) else [x])]
        parent = db.parent_field(comodel)
        table = db.tables[comodel]
        related: set = set()
        if op == "child_of":
            frontier = [i for i in ids if i in table]
            related.update(frontier)
            children = db.children_index(comodel, parent)
            while frontier:
                nxt = [c for i in frontier for c in children.get(i, ()) if c not in related]
                related.update(nxt)
                frontier = nxt
        else:
            for i in ids:
                while i and i in table and i not in related:
                    related.add(i)
                    i = table[i].get(parent)
        get = lambda r: db.raw_value(model, r, fname)
        if fname == "id" or fdef["type"] == "integer":
            return lambda r: r["id"] in related
        if fdef["type"] == "many2one":
            return lambda r: get(r) in related
        return lambda r: bool(related.intersection(get(r) or ()))
