"""Sales orders in: Procuros ORDER → Odoo quotation, as four assets.

    procuros_orders_raw → order_frames → resolved_orders → sale_quotations → order_acknowledgements

The raw payloads are landed before anything is acknowledged; every Odoo write carries the
Procuros transaction id in the same create call, so a crash anywhere re-runs safely: what was
written is found again, bound and acknowledged, never written twice.
"""


from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.landing import land, landing_root
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.mapping import orders_in
from procuros_dagster.mapping.write_checks import sale_order_write_problems
from procuros_dagster.defs.o2c.order_lookups import fetch_order_lookups
from procuros_dagster.odoo.sale_orders import OrderWriteOutcome, write_sale_orders
from procuros_dagster.procuros.models import Acknowledgement

GROUP = "o2c"
ORDER = "ORDER"


@dataclass
class RawOrders:
    """The landed batch: pending transactions plus, for a backfill, replays from history."""

    pending: list[dict] = field(default_factory=list)
    replayed: list[dict] = field(default_factory=list)  # already acknowledged at Procuros
    test_flow_ids: set[str] = field(default_factory=set)
    landing_file: str | None = None

    @property
    def all(self) -> list[dict]:
        return self.pending + self.replayed

    @property
    def pending_ids(self) -> set[str]:
        return {t["procurosTransactionId"] for t in self.pending}


def _today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def build_order_import_assets(partitions_def: dg.DailyPartitionsDefinition, timezone: str) -> list:
    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"procuros"},
        description=(
            "Pending Procuros ORDERs addressed to us, landed as raw JSON before anything is "
            "acknowledged. A backfill of a past day also replays that day's orders from the "
            "Procuros history, so orders rejected then can be imported once the data is fixed."
        ),
    )
    def procuros_orders_raw(
        context: dg.AssetExecutionContext,
        procuros: ProcurosResource,
        connector_settings: ConnectorSettingsResource,
    ) -> dg.Output[RawOrders]:
        settings = connector_settings.load()
        day = date.fromisoformat(context.partition_key)
        batch = RawOrders()
        with procuros.open(timeout=settings.procuros.timeout_seconds) as client:
            for txn in client.iter_pending(type=ORDER, per_page=settings.procuros.page_size):
                batch.pending.append(txn.to_dict())
            if day < _today(timezone):
                seen = batch.pending_ids
                for txn in client.iter_all_transactions(
                    type=ORDER, created_between=(day, day), per_page=settings.procuros.page_size
                ):
                    if txn.procuros_transaction_id not in seen and txn.is_latest_version:
                        batch.replayed.append(ReceivedFromHistory.from_transaction(txn))
            if settings.test_flow != "import" and batch.pending:
                batch.test_flow_ids = {
                    t.procuros_transaction_id
                    for t in client.iter_all_transactions(type=ORDER, flow="TEST", status="PENDING")
                }
        path, count = land(
            landing_root(context.instance.storage_directory()),
            ORDER,
            context.partition_key,
            context.run_id,
            batch.all,
        )
        batch.landing_file = str(path)
        return dg.Output(
            batch,
            metadata={
                "pending": len(batch.pending),
                "replayed_from_history": len(batch.replayed),
                "test_flow": len(batch.test_flow_ids),
                "landed": count,
                "landing_file": dg.MetadataValue.path(str(path)),
            },
        )

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"pandas"},
        description="Orders normalised into header and line frames (pandera-validated); unreadable documents become rejects.",
    )
    def order_frames(
        procuros_orders_raw: RawOrders, connector_settings: ConnectorSettingsResource
    ) -> dg.Output[orders_in.Normalised]:
        settings = connector_settings.load()
        raw = procuros_orders_raw
        live = [t for t in raw.all if t["procurosTransactionId"] not in raw.test_flow_ids]
        norm = orders_in.normalise_orders(live)
        test = [t for t in raw.all if t["procurosTransactionId"] in raw.test_flow_ids]
        if test and settings.test_flow == "reject":
            rejects = pd.DataFrame(
                {
                    "transaction_id": [t["procurosTransactionId"] for t in test],
                    "order_identifier": [
                        (t.get("content") or {}).get("header", {}).get("orderIdentifier") for t in test
                    ],
                    "error_type": "DATA",
                    "reason": "Test transactions are not accepted by this Odoo; send the order in the live flow",
                }
            )
            norm = orders_in.Normalised(
                headers=norm.headers, lines=norm.lines, rejects=pd.concat([norm.rejects, rejects], ignore_index=True)
            )
        return dg.Output(
            norm,
            metadata={
                "orders": len(norm.headers),
                "lines": len(norm.lines),
                "rejected": len(norm.rejects),
                "test_flow_skipped": len(test) if settings.test_flow == "skip" else 0,
                "headers": md.table(norm.headers, ["transaction_id", "order_identifier", "buyer_gln", "ship_to_gln", "line_count"]),
            },
        )

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"odoo", "pandas"},
        description=(
            "Orders resolved against Odoo in one batched read per kind: buyer and addresses by GLN, "
            "products by GTIN, units by Procuros code, existing imports by transaction id."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                "orders_resolve_cleanly",
                asset="resolved_orders",
                description="Alerts on unknown partners, products or units and every other rejected order.",
            ),
            dg.AssetCheckSpec(
                "order_writes_well_formed",
                asset="resolved_orders",
                blocking=True,
                description="Blocks the Odoo write when the values to write are malformed.",
            ),
        ],
    )
    def resolved_orders(
        context: dg.AssetExecutionContext,
        order_frames: orders_in.Normalised,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ):
        settings = connector_settings.load()
        gateway = odoo.connect()
        lookups = fetch_order_lookups(gateway, order_frames, settings)
        resolved = orders_in.resolve_orders(order_frames, lookups)
        writes = orders_in.build_sale_order_vals(resolved)
        summary = orders_in.summarise(resolved)
        problems = sale_order_write_problems(writes)
        yield dg.Output(
            ResolvedBatch(resolved=resolved, writes=writes),
            metadata={
                "to_create": sum(w.status == "create" for w in writes),
                "to_update": sum(w.status == "update" for w in writes),
                "already_imported": sum(w.status == "already_imported" for w in writes),
                "rejected": len(resolved.rejects),
                "odoo_round_trips": gateway.rpc_count,
                "orders": md.table(summary),
            },
        )
        yield dg.AssetCheckResult(
            check_name="orders_resolve_cleanly",
            passed=resolved.rejects.empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rejected": len(resolved.rejects),
                "rejects": md.table(resolved.rejects),
            },
        )
        yield dg.AssetCheckResult(
            check_name="order_writes_well_formed",
            passed=not problems,
            metadata={"problems": md.records_table(problems, ["transaction_id", "problem"])},
        )

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"odoo"},
        pool="odoo_writes",
        description=(
            "Quotations created (or updated, for a newer version of a draft) in Odoo, one create call "
            "per chunk, each bound to its Procuros transaction and logged on the order's chatter."
        ),
    )
    def sale_quotations(
        context: dg.AssetExecutionContext,
        resolved_orders: ResolvedBatch,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ) -> dg.Output[list[OrderWriteOutcome]]:
        settings = connector_settings.load()
        gateway = odoo.connect()
        outcomes = write_sale_orders(gateway, resolved_orders.writes, chunk_size=settings.odoo.chunk_size)
        frame = pd.DataFrame([o.as_row() for o in outcomes], columns=OrderWriteOutcome.columns())
        return dg.Output(
            outcomes,
            metadata={
                "created": int((frame["status"] == "created").sum()),
                "updated": int((frame["status"] == "updated").sum()),
                "already_imported": int((frame["status"] == "already_imported").sum()),
                "failed": int((frame["status"] == "failed").sum()),
                "odoo_round_trips": gateway.rpc_count,
                "quotations": md.table(frame),
            },
        )

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"procuros"},
        description=(
            "Every pending order acknowledged in bulk: success for imported ones, DATA errors with a "
            "reason the trade partner can act on, INTERNAL for our own failures."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                "orders_acknowledged",
                asset="order_acknowledgements",
                description="Fails when a pending order was left unacknowledged.",
            )
        ],
    )
    def order_acknowledgements(
        context: dg.AssetExecutionContext,
        procuros_orders_raw: RawOrders,
        resolved_orders: ResolvedBatch,
        sale_quotations: list[OrderWriteOutcome],
        procuros: ProcurosResource,
        connector_settings: ConnectorSettingsResource,
    ):
        settings = connector_settings.load()
        acks = acknowledgements_for(procuros_orders_raw, resolved_orders, sale_quotations, settings.test_flow)
        results = []
        if acks:
            with procuros.open(timeout=settings.procuros.timeout_seconds) as client:
                results = client.bulk_mark_processed(acks)
        acked = {a.procuros_transaction_id for a in acks}
        missing = sorted(procuros_orders_raw.pending_ids - acked)
        frame = pd.DataFrame(
            [
                {
                    "transaction_id": a.procuros_transaction_id,
                    "success": a.success,
                    "error_type": a.error_type,
                    "reason": a.error_reason,
                }
                for a in acks
            ],
            columns=["transaction_id", "success", "error_type", "reason"],
        )
        error_urls = {r.procuros_transaction_id: r.error_url for r in results if r.error_url}
        frame["error_url"] = frame["transaction_id"].map(error_urls)
        yield dg.Output(
            frame,
            metadata={
                "acknowledged": len(acks),
                "succeeded": int(frame["success"].sum()) if len(frame) else 0,
                "failed": int((~frame["success"]).sum()) if len(frame) else 0,
                "acknowledgements": md.table(frame),
            },
        )
        yield dg.AssetCheckResult(
            check_name="orders_acknowledged",
            passed=not missing,
            metadata={"unacknowledged": md.records_table([{"transaction_id": t} for t in missing], ["transaction_id"])},
        )

    return [procuros_orders_raw, order_frames, resolved_orders, sale_quotations, order_acknowledgements]


@dataclass
class ResolvedBatch:
    resolved: orders_in.Resolved
    writes: list


class ReceivedFromHistory:
    """A transaction read back from all-transactions, in the shape of a pending one."""

    @staticmethod
    def from_transaction(txn) -> dict:
        raw = txn.to_dict()
        return {
            key: raw[key]
            for key in (
                "procurosTransactionId",
                "type",
                "content",
                "isLatestVersion",
                "replacesProcurosTransactionId",
                "replacedByProcurosTransactionId",
            )
            if key in raw
        }


def acknowledgements_for(
    raw: RawOrders, resolved: ResolvedBatch, outcomes: list[OrderWriteOutcome], test_flow: str
) -> list[Acknowledgement]:
    """One acknowledgement per pending transaction; replays from history are never re-acknowledged."""
    pending = raw.pending_ids
    acks: dict[str, Acknowledgement] = {}
    for row in resolved.resolved.rejects.itertuples(index=False):
        acks[row.transaction_id] = Acknowledgement(
            procuros_transaction_id=row.transaction_id,
            success=False,
            error_type=row.error_type,
            error_reason=row.reason[:1000],
        )
    for outcome in outcomes:
        if outcome.status == "failed":
            acks[outcome.transaction_id] = Acknowledgement(
                procuros_transaction_id=outcome.transaction_id,
                success=False,
                error_type="INTERNAL",
                error_reason=outcome.error[:1000] if outcome.error else "The order could not be written to Odoo",
            )
        else:
            acks[outcome.transaction_id] = Acknowledgement(
                procuros_transaction_id=outcome.transaction_id, success=True
            )
    if test_flow == "skip":
        for tid in raw.test_flow_ids & pending:
            acks.setdefault(tid, Acknowledgement(procuros_transaction_id=tid, success=True))
    return [ack for tid, ack in sorted(acks.items()) if tid in pending]
