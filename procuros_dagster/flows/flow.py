"""One movement of one integration: what every stage of either sequence needs to hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.exchange_log import LogEntry


@dataclass(frozen=True)
class Flow:
    movement: Any  # movements.Movement
    integration: Any  # settings.Integration
    settings: Any  # settings.Settings

    @property
    def spec(self) -> Any:
        """The movement's InboundSpec or OutboundSpec."""
        return self.movement.inbound if self.movement.direction == "in" else self.movement.outbound

    @property
    def test_flow(self) -> str:
        """What becomes of TEST-flow documents: import, skip or reject (an integration in its
        test phase imports them: they are all it takes)."""
        return "import" if self.in_test_phase else self.integration.test_flow

    @property
    def in_test_phase(self) -> bool:
        """Status "test": TEST-flow documents only; LIVE ones wait in the queue for the go-live."""
        return self.integration.status == "test"

    def binder(self, gateway) -> Binder:
        """The movement's bindings, scoped by the integration."""
        return Binder(gateway, self.movement.binding_prefix, self.integration.prefix)

    def log_entry(self, state: str, key: str, **values) -> LogEntry:
        """A Logs entry of this movement and integration; ``key``: the transaction id inbound,
        ``"<model>,<id>"`` outbound."""
        if self.movement.direction == "in":
            values.setdefault("transaction_id", key)
        return LogEntry(integration=self.integration.key, movement=self.movement.name,
                        direction=self.movement.direction, document_type=self.movement.procuros_type,
                        state=state, key=key, **values)
