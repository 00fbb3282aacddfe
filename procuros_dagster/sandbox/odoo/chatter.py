"""Chatter messages Odoo 17 logs by itself.

``mail.thread.create`` logs "<description> created" on each new record (a notification with the
Note subtype, by the creating user's partner) unless the context says ``mail_create_nolog``.
Only the models listed here do it in the sandbox.
"""
from __future__ import annotations

from . import business  # noqa: F401  (business first: its hooks are wrapped here)
from .orm import AFTER_CREATE

CREATION_LOG = {"sale.order": "Sales Order"}
NOTE_SUBTYPE = 2  # mail.mt_note


def _logging(model: str, description: str, after):
    def hook(db, rid, raw, x2m):
        if after:
            after(db, rid, raw, x2m)
        if not db.ctx.get("mail_create_nolog"):
            user = db.tables["res.users"].get(db.uid) or {}
            db.create("mail.message", {"model": model, "res_id": rid, "body": f"{description} created",
                                       "message_type": "notification", "subtype_id": NOTE_SUBTYPE,
                                       "author_id": user.get("partner_id") or 3}, top=False)
    return hook


for _model, _description in CREATION_LOG.items():
    AFTER_CREATE[_model] = _logging(_model, _description, AFTER_CREATE.get(_model))
