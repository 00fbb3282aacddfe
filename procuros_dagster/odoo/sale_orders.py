"""Writing imported orders to Odoo: chunked creates, bindings and chatter, a constant number of calls.

Each order is created with its Procuros transaction id in the same `create` call, so an order
exists completely (lines and idempotency key) or not at all. A chunk that Odoo refuses is retried
order by order, so one bad order does not take the rest of the chunk down with it.

Exactly once even after a crash: a killed run's create keeps running in Odoo and may commit after
a rerun looked for the order. So orders are claimed first (``gateway.claim``); one that an earlier
run claimed and may still be creating is left pending at Procuros (``in_flight``) for a later run,
which finds it created — or the claim expired and takes the order over.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol, Sequence

from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.bindings import MAX_CLAIMS
from procuros_dagster.mapping.orders_in_terms import address_candidates, match_address
from procuros_dagster.odoo.errors import OdooRpcError
from procuros_dagster.odoo.order_lookups import delivery_addresses

log = logging.getLogger(__name__)

MODEL = "sale.order"
UPDATABLE = ("draft", "sent")


class OrderWrite(Protocol):  # produced by procuros_dagster.mapping.orders_in.build_sale_order_vals
    transaction_id: str
    status: str  # create | update | already_imported
    target_order_id: int | None
    vals: dict[str, Any]
    notes: tuple[str, ...]  # for the chatter
    new_shipping: dict | None  # res.partner values of a delivery address to find or create


@dataclass
class OrderWriteOutcome:
    transaction_id: str
    order_identifier: str | None
    status: str  # created | updated | already_imported | in_flight | failed
    order_id: int | None = None
    order_name: str | None = None
    error: str | None = None
    error_type: str = "INTERNAL"  # of a failure: DATA when the buyer can act on it

    # the names every inbound flow reads (flows/inbound.py)
    record_id = property(lambda self: self.order_id)
    record_name = property(lambda self: self.order_name)

    @staticmethod
    def columns() -> list[str]:
        return ["transaction_id", "order_identifier", "status", "order_id", "order_name", "error", "error_type"]

    def as_row(self) -> dict:
        row = {c: getattr(self, c) for c in self.columns()}
        if self.status != "failed":
            row["error_type"] = None  # only a failure has a kind
        return row


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _create_chunk(gateway, chunk: Sequence[OrderWrite]) -> list[OrderWriteOutcome]:
    try:
        ids = gateway.create(MODEL, [w.vals for w in chunk])
        return [
            OrderWriteOutcome(w.transaction_id, w.vals.get("client_order_ref"), "created", order_id)
            for w, order_id in zip(chunk, ids)
        ]
    except OdooRpcError as exc:
        if len(chunk) == 1:
            write = chunk[0]
            log.warning("Odoo refused order %s: %s", write.transaction_id, exc.message)
            return [
                OrderWriteOutcome(
                    write.transaction_id,
                    write.vals.get("client_order_ref"),
                    "failed",
                    error=f"Odoo refused the order: {exc.message}",
                )
            ]
    # Isolate the offending order(s) by halving: O(bad × log n) calls instead of n.
    middle = len(chunk) // 2
    return _create_chunk(gateway, chunk[:middle]) + _create_chunk(gateway, chunk[middle:])


def _update(gateway, w: OrderWrite, state: str | None, name: str | None) -> OrderWriteOutcome:
    """A buyer's new version of a draft: one write (updates are rare), refused once confirmed."""
    ref = w.vals.get("client_order_ref")
    if state not in UPDATABLE:
        where = f"{name} is no longer a quotation in Odoo (state {state})" if name else "its quotation was deleted in Odoo"
        return OrderWriteOutcome(
            w.transaction_id, ref, "failed", w.target_order_id,
            error=f"Order {ref} was changed by the buyer, but {where}; agree the change with the buyer and edit the order by hand",
            error_type="DATA",
        )
    try:
        gateway.write(MODEL, [w.target_order_id], w.vals)
    except OdooRpcError as exc:
        return OrderWriteOutcome(
            w.transaction_id, ref, "failed", w.target_order_id, error=f"Odoo refused the new version of the order: {exc.message}"
        )
    return OrderWriteOutcome(w.transaction_id, ref, "updated", w.target_order_id)


def _claimed(binder: Binder, to_create: list, outcomes: list[OrderWriteOutcome], timeout: timedelta):
    """The writes this run may create, and the claims; the others become in_flight / failed outcomes."""
    claims = binder.claim(MODEL, [w.transaction_id for w in to_create], timeout=timeout)
    in_flight, exhausted = set(claims.in_flight), set(claims.exhausted)
    for w in to_create:
        key, ref = w.transaction_id, w.vals.get("client_order_ref")
        if key in in_flight:
            outcomes.append(OrderWriteOutcome(
                w.transaction_id, ref, "in_flight",
                error="an earlier run may still be creating this order in Odoo; a later run imports it"))
        elif key in exhausted:
            outcomes.append(OrderWriteOutcome(
                w.transaction_id, ref, "failed",
                error=f"Gave up importing the order after {MAX_CLAIMS} interrupted attempts; "
                      "check Odoo for the order, then replay the transaction"))
    claimed = set(claims.claimed)
    return [w for w in to_create if w.transaction_id in claimed], claims


def _address_key(vals: dict) -> tuple:
    return (vals["parent_id"], vals.get("name"), vals.get("street"), vals.get("zip"), vals.get("city"),
            vals.get("country_id"))


def with_delivery_addresses(gateway, writes: Sequence[OrderWrite]) -> list:
    """Writes whose ship-to was given by an address none of the buyer's has: the address is
    looked up again (an earlier chunk or run may have created it), else created once as a
    delivery address of the buyer (one read and one create for the whole chunk)."""
    wanted = [w for w in writes if getattr(w, "new_shipping", None) and w.status != "already_imported"]
    if not wanted:
        return list(writes)
    buyers = sorted({w.new_shipping["parent_id"] for w in wanted})
    existing = delivery_addresses(gateway, buyers)
    found: dict[tuple, int] = {}
    for w in wanted:
        v = w.new_shipping
        hit = match_address(address_candidates(existing, v["parent_id"]), v.get("street"), v.get("zip"),
                            v.get("city"), v.get("country_id"))
        if hit is not None:
            found[_address_key(v)] = hit
    missing = list({_address_key(w.new_shipping): w.new_shipping for w in wanted
                    if _address_key(w.new_shipping) not in found}.items())
    if missing:
        ids = gateway.create("res.partner", [v for _, v in missing])
        found |= {key: pid for (key, _), pid in zip(missing, ids)}
    return [replace(w, vals={**w.vals, "partner_shipping_id": found[_address_key(w.new_shipping)]}, new_shipping=None)
            if w in wanted else w for w in writes]


def _message(o: OrderWriteOutcome, notes: Sequence[str]) -> str:
    body = "<p>{} from Procuros transaction <b>{}</b> (buyer's order {}).</p>".format(
        "Imported" if o.status == "created" else "Updated to a new version",
        html.escape(o.transaction_id), html.escape(o.order_identifier or "?"))
    if notes:  # how the buyer's prices, discounts and terms were read: for the user to check
        body += "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
    return body


def write_sale_orders(gateway, writes: Sequence[OrderWrite], *, chunk_size: int = 200,
                      claim_timeout: timedelta = timedelta(minutes=10),
                      binder: Binder | None = None) -> list[OrderWriteOutcome]:
    """``binder``: the sales orders' bindings of the integration (default: the default integration's)."""
    binder = binder or Binder(gateway, "order")
    notes = {w.transaction_id: tuple(getattr(w, "notes", ()) or ()) for w in writes}
    outcomes: list[OrderWriteOutcome] = []
    to_create = [w for w in writes if w.status == "create"]
    claims = None
    if to_create:
        to_create, claims = _claimed(binder, to_create, outcomes, claim_timeout)
        # Every create is claimed first, so only an order an earlier run had claimed may exist
        # although resolving found none: that run may have created it before it died.
        taken_over = {w.transaction_id for w in to_create} & set(claims.taken_over)
        if taken_over:
            found = gateway.records_by_field(MODEL, "x_procuros_transaction_id", sorted(taken_over), ["id"])
            existing = {tid: records[0]["id"] for tid, records in found.items()}
            outcomes += [OrderWriteOutcome(w.transaction_id, w.vals.get("client_order_ref"), "already_imported",
                                           existing[w.transaction_id])
                         for w in to_create if w.transaction_id in existing]
            to_create = [w for w in to_create if w.transaction_id not in existing]
    to_create = with_delivery_addresses(gateway, to_create)
    for chunk in _chunks(to_create, chunk_size):
        outcomes.extend(_create_chunk(gateway, chunk))
    writes = with_delivery_addresses(gateway, writes) if any(w.status == "update" for w in writes) else writes
    updates = [w for w in writes if w.status == "update"]
    # A quotation may have been confirmed since it was resolved: only drafts take a new version.
    states = (
        {r["id"]: (r["state"], r["name"]) for r in gateway.read(MODEL, sorted({w.target_order_id for w in updates}), ["state", "name"])}
        if updates
        else {}
    )
    for w in writes:
        if w.status == "already_imported":
            outcomes.append(
                OrderWriteOutcome(w.transaction_id, w.vals.get("client_order_ref"), "already_imported", w.target_order_id)
            )
        elif w.status == "update":
            outcomes.append(_update(gateway, w, *states.get(w.target_order_id, (None, None))))

    written = [o for o in outcomes if o.order_id and o.status != "failed"]
    if written:
        names = {
            rec["id"]: rec["name"] for rec in gateway.read(MODEL, sorted({o.order_id for o in written}), ["name"])
        }
        for o in written:
            o.order_name = names.get(o.order_id)
        # the claims read these documents' bindings too: no second look-up when they cover them all
        covered = claims is not None and {o.transaction_id for o in written} <= {w.transaction_id for w in writes
                                                                                 if w.status == "create"}
        binder.bind([(o.transaction_id, MODEL, o.order_id) for o in written],
                    known=claims.bound if covered else None)
        fresh = [o for o in written if o.status in ("created", "updated")]
        if fresh:
            gateway.post_messages(MODEL, [(o.order_id, _message(o, notes.get(o.transaction_id, ()))) for o in fresh])
    order = {w.transaction_id: i for i, w in enumerate(writes)}
    return sorted(outcomes, key=lambda o: order.get(o.transaction_id, 0))
