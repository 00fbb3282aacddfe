"""Sales orders in: Procuros ORDER → Odoo quotation, as five assets.

    procuros_orders_raw → order_frames → resolved_orders → sale_quotations → order_acknowledgements

The raw payloads are landed before anything is acknowledged; every Odoo write carries the
Procuros transaction id in the same create call, so a crash anywhere re-runs safely: what was
written is found again, bound and acknowledged, never written twice.

Every stage works through the day in chunks of `CHUNK` transactions (see defs/chunks.py), so
memory stays flat however many orders a partition holds, and Odoo sees a constant number of
calls per chunk.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.chunks import ChunkWriter, Chunks, batched, chunk_folder
from procuros_dagster.defs.landing import land, landing_root
from procuros_dagster.defs.o2c.order_lookups import fetch_order_lookups, run_lookups
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.mapping import orders_in
from procuros_dagster.mapping.write_checks import sale_order_write_problems, split_malformed
from procuros_dagster.odoo.sale_orders import OrderWriteOutcome, write_sale_orders
from procuros_dagster.procuros.models import Acknowledgement

GROUP = "o2c"
ORDER = "ORDER"
CHUNK = 1000  # transactions per stage chunk: one batched Odoo look-up per kind per chunk
MAX_REPORTED = 500  # rows kept for the UI's metadata tables
TEST_FLOW_WINDOW_DAYS = 90  # how far back the history is searched for TEST-flow orders
TEST_FLOW_REASON = "Test transactions are not accepted by this Odoo; send the order in the live flow"
TEST_FLOW_SKIPPED = {"outcome": "not imported",
                     "reason": "TEST-flow order received and set aside: this connection does not import test orders"}

PENDING_KEYS = (
    "procurosTransactionId",
    "type",
    "content",
    "isLatestVersion",
    "replacesProcurosTransactionId",
    "replacedByProcurosTransactionId",
)


@dataclass
class RawChunk:
    transactions: list[dict]
    pending: bool  # False: replayed from the Procuros history, already acknowledged there


@dataclass
class RawOrders:
    """Handle on the landed day: chunks of raw transactions plus what the acknowledgement needs."""

    chunks: Chunks
    pending_ids: set[str] = field(default_factory=set)
    test_flow_ids: set[str] = field(default_factory=set)
    landing_file: str | None = None


@dataclass
class ResolvedChunk:
    resolved: orders_in.Resolved
    writes: list


def _today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def _reject_internal(resolved: orders_in.Resolved, reasons: dict[str, str]) -> orders_in.Resolved:
    """Move orders whose write values are malformed into the rejects, as our own (INTERNAL) fault."""
    headers = resolved.headers
    extra = pd.DataFrame(
        {
            "transaction_id": list(reasons),
            "order_identifier": [
                next(iter(headers.loc[headers["transaction_id"] == tid, "client_order_ref"]), None) for tid in reasons
            ],
            "buyer_gln": [
                next(iter(headers.loc[headers["transaction_id"] == tid, "buyer_gln"]), None) for tid in reasons
            ],
            "error_type": "INTERNAL",
            "reason": [f"The connector built invalid values for this order: {reason}" for reason in reasons.values()],
        }
    )
    return orders_in.Resolved(
        headers=headers[~headers["transaction_id"].isin(list(reasons))],
        lines=resolved.lines[~resolved.lines["transaction_id"].isin(list(reasons))],
        rejects=pd.concat([resolved.rejects, extra], ignore_index=True),
    )


def supplier_gln(content) -> str | None:
    """The GS1 identifier of the order's supplier: us, for orders addressed to us."""
    header = content.get("header") if isinstance(content, dict) else None
    supplier = header.get("supplier") if isinstance(header, dict) else None
    for ident in (supplier.get("identifiers") if isinstance(supplier, dict) else None) or []:
        if isinstance(ident, dict) and (ident.get("domain") or "GS1") == "GS1":
            return ident.get("identifier")
    return None


def as_pending(txn) -> dict:
    """A transaction read back from all-transactions, in the shape of a pending one."""
    raw = txn.to_dict()
    return {key: raw[key] for key in PENDING_KEYS if key in raw}


def _writer(context: dg.OpExecutionContext, asset: str, partition: str | None = None) -> ChunkWriter:
    partition = partition or context.partition_key
    return ChunkWriter(chunk_folder(context.instance.storage_directory(), context.run_id, asset, partition))


def _test_rejects(transactions: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transaction_id": [t["procurosTransactionId"] for t in transactions],
            "order_identifier": [((t.get("content") or {}).get("header") or {}).get("orderIdentifier") for t in transactions],
            "error_type": "DATA",
            "reason": TEST_FLOW_REASON,
        }
    )


def _head(frames: list[pd.DataFrame], frame: pd.DataFrame) -> None:
    """Keep at most MAX_REPORTED rows across chunks for the metadata tables."""
    room = MAX_REPORTED - sum(len(f) for f in frames)
    if room > 0 and len(frame):
        frames.append(frame.head(room))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def normalise_stage(raw: RawOrders, writer: ChunkWriter, own_gln: str, settings) -> tuple[Chunks, dict]:
    """order_frames' work, shared with the replay job: raw chunks → normalised frames."""
    test_ids = raw.test_flow_ids
    orders = lines = rejected = skipped = 0
    shown: list[pd.DataFrame] = []
    for chunk in raw.chunks:
        live = [t for t in chunk.transactions if t.get("procurosTransactionId") not in test_ids]
        test = [t for t in chunk.transactions if t.get("procurosTransactionId") in test_ids]
        norm = orders_in.normalise_orders(live, own_gln=own_gln, limits=settings.import_limits)
        if test and settings.test_flow == "reject":
            norm = orders_in.Normalised(
                headers=norm.headers,
                lines=norm.lines,
                rejects=pd.concat([norm.rejects, _test_rejects(test)], ignore_index=True),
            )
        skipped += len(test) if settings.test_flow == "skip" else 0
        orders, lines, rejected = orders + len(norm.headers), lines + len(norm.lines), rejected + len(norm.rejects)
        _head(shown, norm.headers[[c for c in ("transaction_id", "order_identifier", "buyer_gln", "ship_to_gln", "line_count") if c in norm.headers.columns]])
        writer.write(norm, len(chunk.transactions))
    return writer.close(), {
        "orders": orders,
        "lines": lines,
        "rejected": rejected,
        "test_flow_skipped": skipped,
        "headers": md.table(_concat(shown)),
    }


@dataclass
class ResolveStage:
    output: Chunks
    metadata: dict
    rejected: int
    rejects_table: dg.TableMetadataValue
    problems: list[dict]
    systemic: bool  # the values to write are malformed beyond single orders: nothing may be written


def resolve_stage(frames: Chunks, writer: ChunkWriter, gateway, settings) -> ResolveStage:
    """resolved_orders' work, shared with the replay job: frames resolved against Odoo, writes built."""
    calls_before = gateway.rpc_count
    per_run = run_lookups(gateway, settings)
    counts = {"create": 0, "update": 0, "already_imported": 0}
    rejected = 0
    problems: list[dict] = []
    systemic = False
    summaries: list[pd.DataFrame] = []
    rejects: list[pd.DataFrame] = []
    for norm in frames:
        lookups = fetch_order_lookups(gateway, norm, settings, per_run=per_run)
        resolved = orders_in.resolve_orders(norm, lookups)
        writes = orders_in.build_sale_order_vals(resolved)
        chunk_problems = sale_order_write_problems(writes)
        writes, malformed, chunk_systemic = split_malformed(writes, chunk_problems)
        if malformed:
            resolved = _reject_internal(resolved, malformed)
        problems += chunk_problems
        systemic = systemic or chunk_systemic
        for w in writes:
            counts[w.status] += 1
        rejected += len(resolved.rejects)
        _head(summaries, orders_in.summarise(resolved))
        _head(rejects, resolved.rejects)
        writer.write(ResolvedChunk(resolved, writes), len(resolved.headers) + len(resolved.rejects))
    metadata = {
        "to_create": counts["create"],
        "to_update": counts["update"],
        "already_imported": counts["already_imported"],
        "rejected": rejected,
        "odoo_round_trips": gateway.rpc_count - calls_before,
        "orders": md.table(_concat(summaries)),
    }
    return ResolveStage(writer.close(), metadata, rejected, md.table(_concat(rejects)), problems, systemic)


def write_stage(resolved: Chunks, writer: ChunkWriter, gateway, settings) -> tuple[Chunks, dict]:
    """sale_quotations' work, shared with the replay job: one create call per chunk, bound and logged."""
    calls_before = gateway.rpc_count
    counts = {"created": 0, "updated": 0, "already_imported": 0, "in_flight": 0, "failed": 0}
    shown: list[pd.DataFrame] = []
    claim_timeout = timedelta(seconds=settings.odoo.claim_timeout_seconds)
    for chunk in resolved:
        outcomes = write_sale_orders(gateway, chunk.writes, chunk_size=settings.odoo.chunk_size,
                                     claim_timeout=claim_timeout)
        for o in outcomes:
            counts[o.status] += 1
        _head(shown, pd.DataFrame([o.as_row() for o in outcomes], columns=OrderWriteOutcome.columns()))
        writer.write(outcomes, len(outcomes))
    return writer.close(), {**counts, "odoo_round_trips": gateway.rpc_count - calls_before,
                            "quotations": md.table(_concat(shown))}


@dataclass
class AcknowledgeStage:
    frame: pd.DataFrame
    metadata: dict
    missing: list[str]  # pending but not acknowledged
    waiting: list[str]  # left pending on purpose: an interrupted earlier run may still be creating them


def acknowledge_stage(raw: RawOrders, resolved: Chunks, quotations: Chunks, procuros: ProcurosResource,
                      settings) -> AcknowledgeStage:
    """order_acknowledgements' work, shared with the replay job: pending transactions only, in bulk."""
    acks = acknowledgements_for(raw, resolved, quotations, settings.test_flow)
    acked: set[str] = set()
    succeeded = failed = 0
    shown: list[dict] = []
    columns = ["transaction_id", "success", "error_type", "reason", "error_url"]
    with procuros.open(settings) as client:
        for batch in batched(acks, 1000):  # the bulk endpoint's limit: one call per 1000
            results = {r.procuros_transaction_id: r.error_url for r in client.bulk_mark_processed(batch)}
            for ack in batch:
                if ack.procuros_transaction_id not in results:
                    continue  # Procuros did not confirm it: still pending, the next run acknowledges it
                acked.add(ack.procuros_transaction_id)
                succeeded += ack.success
                failed += not ack.success
                if len(shown) < MAX_REPORTED:
                    shown.append(
                        {
                            "transaction_id": ack.procuros_transaction_id,
                            "success": ack.success,
                            "error_type": ack.error_type,
                            "reason": ack.error_reason,
                            "error_url": results.get(ack.procuros_transaction_id),
                        }
                    )
    waiting = sorted({o.transaction_id for chunk in quotations for o in chunk if o.status == "in_flight"} - acked)
    missing = sorted(raw.pending_ids - acked - set(waiting))
    metadata = {
        "acknowledged": len(acked),
        "succeeded": succeeded,
        "failed": failed,
        "acknowledgements": md.records_table(shown, columns),
    }
    return AcknowledgeStage(pd.DataFrame(shown, columns=columns), metadata, missing, waiting)


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
        root = landing_root(context.instance.storage_directory())
        writer = _writer(context, "procuros_orders_raw")
        pending_ids: set[str] = set()
        test_ids: set[str] = set()
        path = None
        replayed = 0

        def keep(transactions: list[dict], pending: bool) -> None:
            nonlocal path
            # Durable first: fsynced to the landing file before any acknowledgement can happen.
            path, _ = land(root, ORDER, context.partition_key, context.run_id, transactions)
            writer.write(RawChunk(transactions, pending), len(transactions))

        with procuros.open(settings) as client:
            pages = (
                txn.to_dict() for txn in client.iter_pending(type=ORDER, per_page=settings.procuros.page_size)
            )
            for chunk in batched(pages, CHUNK):
                pending_ids.update(t["procurosTransactionId"] for t in chunk
                                   if isinstance(t.get("procurosTransactionId"), str))
                keep(chunk, pending=True)
            if day < _today(timezone):
                own_gln = procuros.own_gln()
                # The history lists both directions: replay only orders addressed to us, only
                # their latest version, and TEST-flow ones only when the settings import them.
                history = (
                    as_pending(txn)
                    for txn in client.iter_all_transactions(
                        type=ORDER, created_between=(day, day), per_page=settings.procuros.page_size
                    )
                    if txn.procuros_transaction_id not in pending_ids
                    and txn.is_latest_version
                    and (settings.test_flow == "import" or txn.flow != "TEST")
                    and supplier_gln(txn.content) == own_gln
                )
                for chunk in batched(history, CHUNK):
                    replayed += len(chunk)
                    keep(chunk, pending=False)
            if settings.test_flow != "import" and pending_ids:
                # The queue does not say which flow an item belongs to; the history does. Its
                # status vocabulary is undocumented, so look at every TEST order of the window.
                window = (_today(timezone) - timedelta(days=TEST_FLOW_WINDOW_DAYS), _today(timezone))
                test_ids = {
                    t.procuros_transaction_id
                    for t in client.iter_all_transactions(
                        type=ORDER, flow="TEST", created_between=window, per_page=settings.procuros.page_size
                    )
                }
        batch = RawOrders(writer.close(), pending_ids, test_ids & pending_ids, str(path) if path else None)
        metadata = {
            "pending": len(pending_ids),
            "replayed_from_history": replayed,
            "test_flow": len(batch.test_flow_ids),
        }
        if path:
            metadata["landing_file"] = dg.MetadataValue.path(str(path))
        return dg.Output(batch, metadata=metadata)

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"pandas"},
        description="Orders normalised into header and line frames (pandera-validated); unreadable documents become rejects.",
    )
    def order_frames(
        context: dg.AssetExecutionContext,
        procuros_orders_raw: RawOrders,
        procuros: ProcurosResource,
        connector_settings: ConnectorSettingsResource,
    ) -> dg.Output[Chunks]:
        chunks, metadata = normalise_stage(procuros_orders_raw, _writer(context, "order_frames"),
                                           procuros.own_gln(), connector_settings.load())
        return dg.Output(chunks, metadata=metadata)

    @dg.asset(
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"odoo", "pandas"},
        description=(
            "Orders resolved against Odoo in one batched read per kind and chunk: buyer and addresses "
            "by GLN, products by GTIN, units by Procuros code, existing imports by transaction id."
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
                description=(
                    "Blocks the Odoo write when the values to write are malformed systemically (a fault "
                    "no single order explains, or most orders of a chunk); a single malformed order is "
                    "rejected on its own (INTERNAL) and the rest go on."
                ),
            ),
        ],
    )
    def resolved_orders(
        context: dg.AssetExecutionContext,
        order_frames: Chunks,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ):
        stage = resolve_stage(order_frames, _writer(context, "resolved_orders"), odoo.connect(), connector_settings.load())
        yield dg.Output(stage.output, metadata=stage.metadata)
        yield dg.AssetCheckResult(
            check_name="orders_resolve_cleanly",
            passed=stage.rejected == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected": stage.rejected, "rejects": stage.rejects_table},
        )
        yield dg.AssetCheckResult(
            check_name="order_writes_well_formed",
            passed=not stage.systemic,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "malformed_orders_rejected": len({p["transaction_id"] for p in stage.problems}),
                "problems": md.records_table(stage.problems[:MAX_REPORTED], ["transaction_id", "problem"]),
            },
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
        resolved_orders: Chunks,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ) -> dg.Output[Chunks]:
        chunks, metadata = write_stage(resolved_orders, _writer(context, "sale_quotations"), odoo.connect(),
                                       connector_settings.load())
        return dg.Output(chunks, metadata=metadata)

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
        resolved_orders: Chunks,
        sale_quotations: Chunks,
        procuros: ProcurosResource,
        connector_settings: ConnectorSettingsResource,
    ):
        stage = acknowledge_stage(procuros_orders_raw, resolved_orders, sale_quotations, procuros,
                                  connector_settings.load())
        yield dg.Output(stage.frame, metadata=stage.metadata)
        yield dg.AssetCheckResult(
            check_name="orders_acknowledged",
            passed=not stage.missing,
            metadata={
                "unacknowledged": len(stage.missing),
                "waiting_for_an_interrupted_run": len(stage.waiting),
                "transactions": md.records_table([{"transaction_id": t} for t in stage.missing[:MAX_REPORTED]],
                                                 ["transaction_id"]),
            },
        )

    return [procuros_orders_raw, order_frames, resolved_orders, sale_quotations, order_acknowledgements]


def acknowledgements_for(raw: RawOrders, resolved: Chunks, outcomes: Chunks, test_flow: str):
    """One acknowledgement per pending transaction, streamed; history replays are never re-acknowledged."""
    pending = raw.pending_ids
    done: set[str] = set()
    for chunk in resolved:
        for row in chunk.resolved.rejects.itertuples(index=False):
            if row.transaction_id in pending and row.transaction_id not in done:
                done.add(row.transaction_id)
                yield Acknowledgement(
                    procuros_transaction_id=row.transaction_id,
                    success=False,
                    error_type=row.error_type,
                    error_reason=row.reason[:1000],
                )
    for chunk in outcomes:
        for outcome in chunk:
            if outcome.transaction_id not in pending or outcome.transaction_id in done:
                continue
            if outcome.status == "in_flight":
                continue  # an earlier run's create may still commit: stays pending for a later run
            done.add(outcome.transaction_id)
            if outcome.status == "failed":
                yield Acknowledgement(
                    procuros_transaction_id=outcome.transaction_id,
                    success=False,
                    error_type=outcome.error_type,
                    error_reason=(outcome.error or "The order could not be written to Odoo")[:1000],
                )
            else:
                yield Acknowledgement(procuros_transaction_id=outcome.transaction_id, success=True)
    if test_flow == "skip":
        # taken off the queue on purpose, not imported: the context says so, so that nobody reads
        # the success as "the order is in Odoo"
        for tid in sorted((raw.test_flow_ids & pending) - done):
            yield Acknowledgement(procuros_transaction_id=tid, success=True, error_context=TEST_FLOW_SKIPPED)
