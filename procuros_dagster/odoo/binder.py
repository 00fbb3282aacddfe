"""The one owner of bindings: which Odoo record a Procuros document became, or was sent from.

A binding is an external id in ``ir.model.data`` (module ``procuros``), so it survives a lost
Dagster instance and is unique in Odoo itself. Its name says whose it is::

    order_28e2eb58_b6a9_...          integration "default" (today's single-integration files)
    acme_de__invoice_42              integration "acme_de"
    claim_acme_de__order_28e2..._0   a claim taken before creating that document (see claim)

The movement's *binding prefix* ("order", "shipping_notice", "invoice", ...) comes from the
movement registry; nothing else in the connector builds these names. Every look-up and write
is one call for the whole batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .bindings import Claims

SEPARATOR = "__"  # between the integration and the movement part: integration keys hold no "__"


class Binder:
    def __init__(self, gateway, prefix: str, scope: str = ""):
        """``prefix``: the movement's binding prefix; ``scope``: the integration's prefix ("" = default)."""
        self.gateway = gateway
        self.prefix = prefix
        self.scope = scope

    def name(self, key: object) -> str:
        """``Binder(gw, "order").name("28e2eb58-b6a9-...")`` -> ``order_28e2eb58_b6a9_...``."""
        local = f"{self.prefix}_{str(key).replace('-', '_')}"
        return f"{self.scope}{SEPARATOR}{local}" if self.scope else local

    def find(self, keys: Iterable[object], model: str | None = None) -> dict[object, tuple[str, int]]:
        """{key: (model, res_id)} of the keys already bound; one search_read."""
        names = {self.name(k): k for k in keys}
        found = self.gateway.find_bindings(model, list(names)) if model else self.gateway.find_bindings(list(names))
        return {names[n]: target for n, target in found.items()}

    def bound_ids(self, model: str, record_ids: Iterable[int]) -> set[int]:
        """Which of these records carry this movement's binding (sent before); one search_read."""
        names = [self.name(int(i)) for i in record_ids]
        return {res_id for _, res_id in self.gateway.find_bindings(model, names).values()}

    def bind(self, bindings: Sequence[tuple[object, str, int]],
             known: dict[object, tuple[str, int]] | None = None) -> list[str]:
        """Bind ``(key, model, res_id)`` triples; existing identical bindings are kept (idempotent).

        ``known``: the keys' bindings as read moments ago ({} when none can exist, e.g. records the
        fetch found unbound): the look-up is skipped (see OdooGateway.create_bindings)."""
        existing = None if known is None else {self.name(k): target for k, target in known.items()}
        return self.gateway.create_bindings([(self.name(k), model, res_id) for k, model, res_id in bindings],
                                            existing=existing)

    def claim(self, model: str, keys: Iterable[object], *, timeout: timedelta,
              now: datetime | None = None) -> Claims:
        """Claim documents before creating them (see OdooGateway.claim); the Claims hold the keys,
        and ``bound`` the keys' bindings, read in the same call."""
        names = {self.name(k): k for k in keys}
        claims = self.gateway.claim(model, list(names), timeout=timeout, now=now, also=list(names))
        return Claims(claimed=[names[n] for n in claims.claimed], in_flight=[names[n] for n in claims.in_flight],
                      exhausted=[names[n] for n in claims.exhausted],
                      taken_over=[names[n] for n in claims.taken_over],
                      bound={names[n]: target for n, target in claims.bound.items()})
