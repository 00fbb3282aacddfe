"""ir.model.data entries of module "procuros" and chatter messages, each in batched calls.

The names are built by odoo/binder.py alone; this is the transport."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .errors import OdooBindingConflictError, OdooRpcError, OdooValueError

MODULE = "procuros"
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


#: how often a document may be taken over from runs that died while writing it
MAX_CLAIMS = 5


@dataclass
class Claims:
    """What ``claim`` found: ``claimed`` may be written now by this run; ``in_flight`` are being
    written by an earlier run whose request may still be running in Odoo (leave them for a later
    run); ``exhausted`` were taken over MAX_CLAIMS times without ever being written."""

    claimed: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    exhausted: list[str] = field(default_factory=list)
    #: claimed now, but an earlier run had claimed them before (it may have written them)
    taken_over: list[str] = field(default_factory=list)
    #: {name: (model, res_id)} of the ``also`` names that exist (read in the same call)
    bound: dict[str, tuple[str, int]] = field(default_factory=dict)


def claim_name(key: str, attempt: int) -> str:
    return f"claim_{key}_{attempt}"


def _unique_violation(exc: OdooRpcError) -> bool:
    return "unique" in exc.message.lower() or "UniqueViolation" in exc.name


class BindingsMixin:
    def find_bindings(self, names_or_model, names: Iterable[str] | None = None) -> dict[str, tuple[str, int]]:
        """{name: (model, res_id)} of existing procuros.* bindings; one search_read.

        ``find_bindings(names)`` or ``find_bindings(model, names)`` (restricted to that model)."""
        if names is None:
            model, names = None, names_or_model
        else:
            model = names_or_model
        names = list(dict.fromkeys(names))
        if not names:
            return {}
        domain = [("module", "=", MODULE), ("name", "in", names)]
        if model:
            domain.append(("model", "=", model))
        rows = self.search_read("ir.model.data", domain, ["name", "model", "res_id"], order="id")
        return {r["name"]: (r["model"], r["res_id"]) for r in rows}

    def bindings_by_res_id(self, model: str, res_ids: Iterable[int]) -> dict[int, list[str]]:
        """{res_id: [binding names]} - the reverse look-up used by exports; one search_read."""
        res_ids = list(dict.fromkeys(res_ids))
        if not res_ids:
            return {}
        rows = self.search_read("ir.model.data",
                                [("module", "=", MODULE), ("model", "=", model), ("res_id", "in", res_ids)],
                                ["name", "res_id"], order="id")
        out: dict[int, list[str]] = {}
        for r in rows:
            out.setdefault(r["res_id"], []).append(r["name"])
        return out

    def create_bindings(self, bindings: Iterable[tuple[str, str, int]],
                        existing: dict[str, tuple[str, int]] | None = None) -> list[str]:
        """Create the missing ``procuros.<name>`` bindings (noupdate) in one look-up + one create.

        Existing identical bindings are skipped (idempotent); returns the names created. A name that
        already points at another record raises OdooBindingConflictError before anything is written.
        ``existing``: what the caller read of these names moments ago (e.g. with its claims): then
        the look-up is skipped, and a binding written in the meantime (Odoo's unique external ids
        refuse the create) sends it down the checked path after all."""
        wanted: dict[str, tuple[str, int]] = {}
        for name, model, res_id in bindings:
            if not _NAME.match(name or ""):
                raise OdooValueError(f"binding name {name!r} may hold letters, digits, '_' and '-' only")
            if not isinstance(res_id, int) or isinstance(res_id, bool):
                raise OdooValueError(f"binding {name!r}: res_id must be an integer id, got {res_id!r}")
            if name in wanted and wanted[name] != (model, res_id):
                raise OdooBindingConflictError(f"binding {name!r} given twice for different records")
            wanted[name] = (model, res_id)
        if not wanted:
            return []
        if existing is not None:
            missing = [n for n in wanted if n not in existing]
            try:
                self.create("ir.model.data", [
                    {"module": MODULE, "name": n, "model": wanted[n][0], "res_id": wanted[n][1], "noupdate": True}
                    for n in missing
                ])
                return missing
            except OdooRpcError as exc:
                if not _unique_violation(exc):
                    raise
        existing = self.find_bindings(list(wanted))
        conflicts = [f"{MODULE}.{n} -> {existing[n][0]}({existing[n][1]}) not {m}({r})"
                     for n, (m, r) in wanted.items() if n in existing and existing[n] != (m, r)]
        if conflicts:
            raise OdooBindingConflictError("bindings already point elsewhere: " + "; ".join(conflicts))
        missing = [n for n in wanted if n not in existing]
        self.create("ir.model.data", [
            {"module": MODULE, "name": n, "model": wanted[n][0], "res_id": wanted[n][1], "noupdate": True}
            for n in missing
        ])
        return missing

    def claim(self, model: str, keys: Iterable[str], *, timeout: timedelta,
              now: datetime | None = None, also: Iterable[str] = ()) -> Claims:
        """Claim documents before writing them, so that no two runs write one document.

        A killed run's create keeps running in Odoo and commits later, after a rerun has looked
        for the document and found nothing. So each run first commits a claim per document
        (``procuros.claim_<key>_<n>``, unique in ir.model.data) and only then writes. A claim of
        another run younger than ``timeout`` means that run's write may still be under way: the
        document is left for a later run, which will find it written, or find the claim expired
        and take over with the next ``n``. Two live runs claiming at once: Odoo's unique external
        ids let one of them win. Two calls: one search_read, one create. ``also``: more names to
        read in the same search_read (the documents' bindings), returned in ``bound``."""
        keys = list(dict.fromkeys(keys))
        out = Claims()
        if not keys:
            return out
        names = [claim_name(k, n) for k in keys for n in range(MAX_CLAIMS)]
        also = [n for n in dict.fromkeys(also)]
        rows = self.search_read("ir.model.data", [("module", "=", MODULE), ("name", "in", names + also)],
                                ["name", "create_date", "model", "res_id"], order="id")
        wanted_also = set(also)
        out.bound = {r["name"]: (r["model"], r["res_id"]) for r in rows if r["name"] in wanted_also}
        rows = [r for r in rows if r["name"] not in wanted_also]
        latest: dict[str, tuple[int, str]] = {}
        for r in rows:
            key, _, n = r["name"][len("claim_"):].rpartition("_")
            if int(n) >= latest.get(key, (-1, ""))[0]:
                latest[key] = (int(n), r["create_date"])
        now = now or datetime.now(timezone.utc)
        wanted: list[tuple[str, int]] = []
        for key in keys:
            if key not in latest:
                wanted.append((key, 0))
                continue
            n, stamp = latest[key]
            since = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            if now - since < timeout:
                out.in_flight.append(key)
            elif n + 1 >= MAX_CLAIMS:
                out.exhausted.append(key)
            else:
                wanted.append((key, n + 1))
                out.taken_over.append(key)
        if wanted:
            try:
                self.create("ir.model.data", [
                    {"module": MODULE, "name": claim_name(k, n), "model": model, "res_id": 0, "noupdate": True}
                    for k, n in wanted])
            except OdooRpcError as exc:
                if not _unique_violation(exc):
                    raise
                # another run claimed some of them in the meantime (unique module.name): it writes them
                out.in_flight += [k for k, _ in wanted]
            else:
                out.claimed += [k for k, _ in wanted]
        out.taken_over = [k for k in out.taken_over if k in set(out.claimed)]
        return out

    def post_messages(self, model: str, messages: Sequence[tuple[int, str]], *,
                      author_id: int | None = None) -> list[int]:
        """Log on each record's chatter: all mail.message rows in ONE create (message_type comment)."""
        vals = []
        for res_id, body in messages:
            v = {"model": model, "res_id": res_id, "body": body, "message_type": "comment"}
            if author_id:
                v["author_id"] = author_id
            vals.append(v)
        return self.create("mail.message", vals)

    def message_post(self, model: str, res_id: int, body: str) -> int:
        """Single chatter note through the model's message_post (notifies followers like the UI)."""
        return self.call(model, "message_post", [[res_id]],
                         {"body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
