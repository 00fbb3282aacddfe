"""The inbound sequence every received document takes, driven by its movement's InboundSpec:

    pull → land raw → normalise → resolve → write → acknowledge (+ log in Odoo)

The raw payloads are landed before anything is acknowledged; every Odoo write carries the
Procuros transaction id in the same create call and is claimed first, so a crash anywhere
re-runs safely: what was written is found again, bound, logged and acknowledged, never written
twice. Every stage works through the day in chunks of CHUNK transactions (see chunks.py), so
memory stays flat however many documents a partition holds, and Odoo sees a constant number of
calls per chunk. The stages are Dagster-free; defs/ turns each into an asset or an op.

What is the document's own (how to read it, which party it must be addressed to, how to find
its records in Odoo, how to write it) comes from the spec; what every inbound document shares
(TEST flow, internal rejects, acknowledgements, Logs entries) is here.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Callable, Iterable

import pandas as pd

from procuros_dagster.flows.chunks import ChunkWriter, Chunks, batched
from procuros_dagster.flows.flow import Flow
from procuros_dagster.flows.landing import land
from procuros_dagster.mapping import reasons
from procuros_dagster.mapping.write_checks import split_malformed
from procuros_dagster.odoo.exchange_log import ExchangeLog, LogEntry
from procuros_dagster.procuros.models import Acknowledgement

# the run's log (dagster.yaml lists this logger among the managed Python loggers)
log = logging.getLogger(__name__)

CHUNK = 1000  # transactions per stage chunk: one batched Odoo look-up per kind per chunk
MAX_REPORTED = 500  # rows kept for the UI's metadata tables
TEST_FLOW_WINDOW_DAYS = 90  # how far back the history is searched for TEST-flow documents
TEST_FLOW_SKIPPED = {"outcome": "not imported", "reason": reasons.TEST_FLOW_SET_ASIDE}

PENDING_KEYS = (
    "procurosTransactionId",
    "type",
    "content",
    "isLatestVersion",
    "replacesProcurosTransactionId",
    "replacedByProcurosTransactionId",
)


@dataclass  # not frozen: a test may swap one step for a faulty one
class InboundSpec:
    """How one kind of received document is read, resolved and written (see movements.py)."""

    addressed_to: Callable[[Any], str | None]  # content -> the GLN it is addressed to (ours)
    normalise: Callable[..., Any]  # (transactions, own_gln=, limits=) -> Normalised(headers, lines, rejects)
    with_test_rejects: Callable[[Any, list[dict]], Any]  # (normalised, TEST-flow transactions) -> normalised
    per_run: Callable[..., Any]  # (gateway, settings, integration) -> what every chunk's resolution shares
    lookups: Callable[..., Any]  # (gateway, normalised, settings, integration, per_run) -> look-ups
    resolve: Callable[[Any, Any], Any]  # (normalised, look-ups) -> Resolved(headers, lines, rejects)
    build_writes: Callable[[Any], list]  # resolved -> writes (transaction_id, status, vals)
    write_problems: Callable[[list], list[dict]]  # writes -> malformed values found
    reject_malformed: Callable[[Any, dict[str, str]], Any]  # (resolved, {tid: reason}) -> resolved
    # (gateway, writes, settings=, binder=) -> outcomes, each with transaction_id, status (created,
    # updated, already_imported, in_flight, failed), record_id, record_name, error, error_type, as_row()
    write: Callable[..., list]
    summarise: Callable[[Any], pd.DataFrame]  # resolved -> one row per document for the UI
    outcome_columns: tuple[str, ...]
    header_columns: tuple[str, ...]  # of the normalised headers, shown in the UI
    identifier: str = "order_identifier"  # the document number column of rejects and outcomes
    # (resolved, outcomes) -> rows {transaction_id, document, ..., finding}: what the documents just
    # written show a person should look at without being rejected (the vendor bills' check)
    findings: Callable[[Any, list], pd.DataFrame] | None = None
    # outcomes -> rows of documents the buyer must see (e.g. orders a supplier rejected); with
    # InboundAssets.outcome_check, the written asset's check fails while there are any
    outcome_alerts: Callable[[list], list[dict]] | None = None


@dataclass
class RawChunk:
    transactions: list[dict]
    pending: bool  # False: replayed from the Procuros history, already acknowledged there


@dataclass
class RawBatch:
    """Handle on the landed day: chunks of raw transactions plus what the acknowledgement needs.

    Which transactions are pending is each RawChunk's own ``pending``: no set of every id of the
    day travels with the handle (at 50,000 orders it was most of what a run's memory grew by)."""

    chunks: Chunks
    pending: int = 0  # transactions pending at Procuros, across the chunks
    test_flow_ids: set[str] = field(default_factory=set)
    landing_file: str | None = None
    #: LIVE documents an integration in its test phase leaves pending, untouched, for its go-live
    waiting_live: set[str] = field(default_factory=set)


@dataclass
class ResolvedChunk:
    resolved: Any
    writes: list


def as_pending(txn) -> dict:
    """A transaction read back from all-transactions, in the shape of a pending one."""
    raw = txn.to_dict()
    return {key: raw[key] for key in PENDING_KEYS if key in raw}


def _head(frames: list[pd.DataFrame], frame: pd.DataFrame) -> None:
    """Keep at most MAX_REPORTED rows across chunks for the metadata tables."""
    room = MAX_REPORTED - sum(len(f) for f in frames)
    if room > 0 and len(frame):
        frames.append(frame.head(room))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- pull and land ----------------------------------------------------------------------------

def pull_stage(flow: Flow, client, writer: ChunkWriter, landing: tuple, *, day: date, today: date,
               own_gln: str) -> tuple[RawBatch, dict]:
    """The pending documents, and for a past day also that day's from the history, landed raw.

    ``landing``: (root, partition, run id) of the landing file."""
    kind, page_size = flow.movement.procuros_type, flow.settings.procuros.page_size
    # the pending ids are kept only when the history or the TEST-flow ids must be held against them
    keep_ids = day < today or flow.test_flow != "import" or flow.in_test_phase
    pending_ids: set[str] = set()
    pending = 0
    test_ids: set[str] = set()
    path = None
    replayed = 0

    root, partition, run_id = landing

    def keep(transactions: list[dict], pending: bool) -> None:
        nonlocal path
        # Durable first: fsynced to the landing file before any acknowledgement can happen.
        path, _ = land(root, kind, partition, run_id, transactions)
        writer.write(RawChunk(transactions, pending), len(transactions))

    pages = (txn.to_dict() for txn in client.iter_pending(type=kind, per_page=page_size))
    for chunk in batched(pages, CHUNK):
        ids = {t["procurosTransactionId"] for t in chunk if isinstance(t.get("procurosTransactionId"), str)}
        pending += len(ids)
        if keep_ids:
            pending_ids |= ids
        keep(chunk, pending=True)
    if day < today:
        # The history lists both directions: replay only documents addressed to us, only their
        # latest version, and TEST-flow ones only when the integration imports them.
        history = (
            as_pending(txn)
            for txn in client.iter_all_transactions(type=kind, created_between=(day, day), per_page=page_size)
            if txn.procuros_transaction_id not in pending_ids
            and txn.is_latest_version
            and (flow.test_flow == "import" or txn.flow != "TEST")
            and (not flow.in_test_phase or txn.flow == "TEST")
            and flow.spec.addressed_to(txn.content) == own_gln
        )
        for chunk in batched(history, CHUNK):
            replayed += len(chunk)
            keep(chunk, pending=False)
    if (flow.test_flow != "import" or flow.in_test_phase) and pending_ids:
        # The queue does not say which flow an item belongs to; the history does. Its status
        # vocabulary is undocumented, so look at every TEST document of the window.
        window = (today - timedelta(days=TEST_FLOW_WINDOW_DAYS), today)
        test_ids = {
            t.procuros_transaction_id
            for t in client.iter_all_transactions(type=kind, flow="TEST", created_between=window, per_page=page_size)
        }
    waiting = pending_ids - test_ids if flow.in_test_phase else set()
    batch = RawBatch(writer.close(), pending, test_ids & pending_ids, str(path) if path else None, waiting)
    metadata = {"pending": pending, "replayed_from_history": replayed, "test_flow": len(batch.test_flow_ids)}
    if flow.in_test_phase:
        metadata["live_waiting_for_go_live"] = len(waiting)
    log.info("%s: %d pending %s(s) at Procuros landed%s", flow.integration.key, pending, kind,
             f", {replayed} more of {day} from the history" if replayed else "")
    return batch, metadata


# --- normalise --------------------------------------------------------------------------------

def normalise_stage(flow: Flow, raw: RawBatch, writer: ChunkWriter, own_gln: str) -> tuple[Chunks, dict]:
    """Raw chunks → normalised frames; unreadable documents and refused TEST ones become rejects."""
    test_ids = raw.test_flow_ids if flow.test_flow != "import" else set()  # imported TEST ones go along
    documents = lines = rejected = skipped = 0
    shown: list[pd.DataFrame] = []
    for chunk in raw.chunks:
        if raw.waiting_live:  # the test phase: LIVE documents are not touched until the go-live
            chunk = RawChunk([t for t in chunk.transactions if t.get("procurosTransactionId") not in raw.waiting_live],
                             chunk.pending)
        live = [t for t in chunk.transactions if t.get("procurosTransactionId") not in test_ids]
        test = [t for t in chunk.transactions if t.get("procurosTransactionId") in test_ids]
        norm = flow.spec.normalise(live, own_gln=own_gln, limits=flow.settings.import_limits)
        if test and flow.test_flow == "reject":
            norm = flow.spec.with_test_rejects(norm, test)
        skipped += len(test) if flow.test_flow == "skip" else 0
        documents, lines, rejected = documents + len(norm.headers), lines + len(norm.lines), rejected + len(norm.rejects)
        _head(shown, norm.headers[[c for c in flow.spec.header_columns if c in norm.headers.columns]])
        writer.write(norm, len(chunk.transactions))
        log.info("chunk of %d: %d readable, %d rejected", len(chunk.transactions), len(norm.headers), len(norm.rejects))
    return writer.close(), {
        "orders": documents,
        "lines": lines,
        "rejected": rejected,
        "test_flow_skipped": skipped,
        "headers": _concat(shown),
    }


# --- resolve ----------------------------------------------------------------------------------

@dataclass
class ResolveResult:
    output: Chunks
    metadata: dict
    rejected: int
    rejects: pd.DataFrame
    problems: list[dict]
    systemic: bool  # the values to write are malformed beyond single documents: nothing may be written


def resolve_stage(flow: Flow, frames: Chunks, writer: ChunkWriter, gateway) -> ResolveResult:
    """Frames resolved against Odoo (one read per kind and chunk) and the writes built."""
    spec = flow.spec
    calls_before = gateway.rpc_count
    per_run = spec.per_run(gateway, flow.settings, flow.integration)
    counts = Counter({"create": 0, "update": 0, "already_imported": 0})
    rejected = 0
    problems: list[dict] = []
    systemic = False
    summaries: list[pd.DataFrame] = []
    rejects: list[pd.DataFrame] = []
    for norm in frames:
        lookups = spec.lookups(gateway, norm, flow.settings, flow.integration, per_run)
        resolved = spec.resolve(norm, lookups)
        writes = spec.build_writes(resolved)
        chunk_problems = spec.write_problems(writes)
        writes, malformed, chunk_systemic = split_malformed(writes, chunk_problems)
        if malformed:
            resolved = spec.reject_malformed(resolved, malformed)
        problems += chunk_problems
        systemic = systemic or chunk_systemic
        for w in writes:
            counts[w.status] += 1
        rejected += len(resolved.rejects)
        _head(summaries, spec.summarise(resolved))
        # the rejects as the UI shows them, here and in the acknowledgements (named buyer)
        resolved = replace(resolved, rejects=_with_partner_names(resolved.rejects, norm.headers))
        _head(rejects, resolved.rejects)
        writer.write(ResolvedChunk(resolved, writes), len(resolved.headers) + len(resolved.rejects))
        log.info("chunk resolved in Odoo: %d to write, %d rejected", len(writes), len(resolved.rejects))
    metadata = {
        "to_create": counts.pop("create"),
        "to_update": counts.pop("update"),
        "already_imported": counts.pop("already_imported"),
        **{f"to_{status}": n for status, n in sorted(counts.items())},  # a movement's own statuses
        "rejected": rejected,
        "odoo_round_trips": gateway.rpc_count - calls_before,
        "orders": _concat(summaries),
    }
    return ResolveResult(writer.close(), metadata, rejected, _concat(rejects), problems, systemic)


def _with_partner_names(rejects: pd.DataFrame, headers: pd.DataFrame) -> pd.DataFrame:
    """Rejects as the UI shows them: with the partner's name as the document gives it."""
    if not len(rejects) or "buyer_name" not in headers or "buyer_name" in rejects:
        return rejects
    names = dict(zip(headers["transaction_id"], headers["buyer_name"]))
    shown = rejects.copy()
    shown.insert(min(3, len(shown.columns)), "buyer_name", [names.get(t) for t in shown["transaction_id"]])
    return shown


# --- write ------------------------------------------------------------------------------------

def write_stage(flow: Flow, resolved: Chunks, writer: ChunkWriter, gateway) -> tuple[Chunks, dict]:
    """One create call per chunk (after the claims), bound and logged on each record's chatter."""
    calls_before = gateway.rpc_count
    counts = Counter({"created": 0, "updated": 0, "already_imported": 0, "in_flight": 0, "failed": 0})
    shown: list[pd.DataFrame] = []
    found: list[pd.DataFrame] = []
    binder = flow.binder(gateway)
    for chunk in resolved:
        outcomes = flow.spec.write(gateway, chunk.writes, settings=flow.settings, binder=binder)
        for o in outcomes:
            counts[o.status] += 1
        _head(shown, pd.DataFrame([o.as_row() for o in outcomes], columns=list(flow.spec.outcome_columns)))
        if flow.spec.findings is not None:
            _head(found, flow.spec.findings(chunk.resolved, outcomes))
        writer.write(outcomes, len(outcomes))
        done = Counter(o.status for o in outcomes)
        log.info("chunk written to Odoo: %s", ", ".join(f"{n} {status}" for status, n in sorted(done.items())) or "nothing")
    metadata = {**dict(counts), "odoo_round_trips": gateway.rpc_count - calls_before, "quotations": _concat(shown)}
    if flow.spec.findings is not None:
        metadata["findings"] = _concat(found)  # for the movement's findings check (defs/inbound.py)
    return writer.close(), metadata


def outcome_alerts(flow: Flow, written: Chunks) -> list[dict]:
    """The spec's alert rows over every written chunk (none when the movement declares none)."""
    if flow.spec.outcome_alerts is None:
        return []
    return [row for chunk in written for row in flow.spec.outcome_alerts(chunk)]


# --- acknowledge and log ----------------------------------------------------------------------

@dataclass
class AcknowledgeResult:
    frame: pd.DataFrame
    metadata: dict
    missing: list[str]  # pending but not acknowledged
    waiting: list[str]  # left pending on purpose: an interrupted earlier run may still be creating them


ACK_COLUMNS = ["transaction_id", "document", "partner", "odoo_record", "result", "error_type", "reason",
               "error_url"]


def acknowledge_stage(flow: Flow, raw: RawBatch, resolved: Chunks, written: Chunks, client,
                      gateway=None) -> AcknowledgeResult:
    """Chunk by chunk: each document's Logs entry in Odoo, then its transaction acknowledged in bulk.

    Logs first: a document acknowledged leaves the queue for good, so a crash before its entry
    was written must happen while it is still pending — the next run writes the entry then
    (ExchangeLog.write never writes the same entry twice). Chunk by chunk (the stages' chunks
    line up: one resolved and one written chunk per raw chunk), so that what the stage holds does
    not grow with the day."""
    exchange = ExchangeLog(gateway) if gateway is not None else None
    logged = succeeded = failed = acked = 0
    shown: list[dict] = []
    waiting: list[str] = []
    missing: list[str] = []
    for raw_chunk, res_chunk, out_chunk in zip(raw.chunks, resolved, written):
        if exchange is not None:
            logged += _log_chunk(flow, exchange, raw_chunk, res_chunk, out_chunk, raw.test_flow_ids)
        pending = _pending_ids(raw_chunk)
        done: dict[str, str | None] = {}
        acks = acknowledgements_for(pending, res_chunk, out_chunk, flow.test_flow, raw.test_flow_ids)
        for batch in batched(acks, 1000):  # the bulk endpoint's limit: one call per 1000
            results = {r.procuros_transaction_id: r.error_url for r in client.bulk_mark_processed(batch)}
            for ack in batch:
                if ack.procuros_transaction_id not in results:
                    continue  # Procuros did not confirm it: still pending, the next run acknowledges it
                done[ack.procuros_transaction_id] = results.get(ack.procuros_transaction_id)
                succeeded += ack.success
                failed += not ack.success
                if len(shown) < MAX_REPORTED:
                    skipped = bool(ack.error_context) and ack.success
                    shown.append({"transaction_id": ack.procuros_transaction_id,
                                  "result": "set aside" if skipped else ("imported" if ack.success else "rejected"),
                                  "error_type": ack.error_type, "reason": ack.error_reason or (
                                      TEST_FLOW_SKIPPED["reason"] if skipped else None),
                                  "error_url": results.get(ack.procuros_transaction_id)})
        acked += len(done)
        chunk_waiting = {o.transaction_id for o in out_chunk if o.status == "in_flight"} - set(done)
        waiting += chunk_waiting
        missing += pending - set(done) - chunk_waiting - raw.waiting_live
    waiting, missing = sorted(waiting), sorted(missing)
    log.info("acknowledged at Procuros: %d imported, %d rejected; %d left for a later run; %d Logs entries",
             succeeded, failed, len(waiting), logged)
    _describe(flow, shown, resolved, written)
    metadata = {
        "acknowledged": acked,
        "succeeded": succeeded,
        "failed": failed,
        "logged_in_odoo": logged,
        "acknowledgements": pd.DataFrame(shown, columns=ACK_COLUMNS),
    }
    return AcknowledgeResult(pd.DataFrame(shown, columns=ACK_COLUMNS), metadata, missing, waiting)


def _pending_ids(chunk: RawChunk) -> set[str]:
    """The chunk's transactions still pending at Procuros (none of a history replay's)."""
    if not chunk.pending:
        return set()
    return {t["procurosTransactionId"] for t in chunk.transactions if isinstance(t.get("procurosTransactionId"), str)}


def _describe(flow: Flow, rows: list[dict], resolved: Chunks, written: Chunks) -> None:
    """The UI's rows name each document as people know it: its number, the partner, the Odoo record."""
    wanted = {r["transaction_id"]: r for r in rows}
    if not wanted:
        return
    ident = flow.spec.identifier
    for chunk in resolved:
        headers, rejects = chunk.resolved.headers, chunk.resolved.rejects
        for col_number, col_partner, frame in (("client_order_ref", "buyer_name", headers),
                                               (ident, "buyer_name", rejects), (ident, "buyer_gln", rejects)):
            if "transaction_id" not in frame or not len(frame):
                continue
            numbers = frame[col_number] if col_number in frame else [None] * len(frame)
            partners = frame[col_partner] if col_partner in frame else [None] * len(frame)
            for tid, number, partner in zip(frame["transaction_id"], numbers, partners):
                if tid in wanted:
                    wanted[tid].setdefault("document", number)
                    if isinstance(partner, str) and partner:
                        wanted[tid].setdefault("partner", partner)
    for chunk in written:
        for o in chunk:
            if o.transaction_id in wanted and o.record_name:
                wanted[o.transaction_id]["odoo_record"] = o.record_name


def acknowledgements_for(pending: set[str], res_chunk: ResolvedChunk, outcomes: list, test_flow: str,
                         test_ids: set[str]) -> Iterable[Acknowledgement]:
    """One acknowledgement per pending transaction of one chunk; history replays are never re-acknowledged."""
    done: set[str] = set()
    for row in res_chunk.resolved.rejects.itertuples(index=False):
        if row.transaction_id in pending and row.transaction_id not in done:
            done.add(row.transaction_id)
            yield Acknowledgement(procuros_transaction_id=row.transaction_id, success=False,
                                  error_type=row.error_type, error_reason=row.reason[:1000])
    for outcome in outcomes:
        if outcome.transaction_id not in pending or outcome.transaction_id in done:
            continue
        if outcome.status == "in_flight":
            continue  # an earlier run's create may still commit: stays pending for a later run
        done.add(outcome.transaction_id)
        if outcome.status == "failed":
            yield Acknowledgement(procuros_transaction_id=outcome.transaction_id, success=False,
                                  error_type=outcome.error_type,
                                  error_reason=(outcome.error or "The document could not be written to Odoo")[:1000])
        else:  # a movement's outcome may say more, e.g. that a resend was recognised
            yield Acknowledgement(procuros_transaction_id=outcome.transaction_id, success=True,
                                  error_context=getattr(outcome, "ack_context", None))
    if test_flow == "skip":
        # taken off the queue on purpose, not imported: the context says so, so that nobody reads
        # the success as "the order is in Odoo"
        for tid in sorted((test_ids & pending) - done):
            yield Acknowledgement(procuros_transaction_id=tid, success=True, error_context=TEST_FLOW_SKIPPED)


def _log_chunk(flow: Flow, exchange: ExchangeLog, raw_chunk: RawChunk, res_chunk: ResolvedChunk, outcomes: list,
               test_ids: set[str]) -> int:
    """Write the chunk's Logs entries — imported, rejected, set aside — in bulk.

    Documents still in flight get none yet. A rerun after a crash writes what is missing and
    nothing twice (ExchangeLog.write skips an entry equal to the document's latest)."""
    entries = _chunk_entries(flow, raw_chunk, res_chunk, outcomes, test_ids)
    settled = [o.transaction_id for o in outcomes if o.status == "already_imported"]
    return len(exchange.write(entries, settled=settled))


def _chunk_entries(flow: Flow, raw_chunk: RawChunk, res_chunk: ResolvedChunk, outcomes: list,
                   test_ids: set[str]) -> list[LogEntry]:
    headers = res_chunk.resolved.headers
    partners = dict(zip(headers["transaction_id"], headers["partner_id"])) if "partner_id" in headers else {}
    companies = dict(zip(headers["transaction_id"], headers["company_id"])) if "company_id" in headers else {}
    payloads = {t.get("procurosTransactionId"): t for t in raw_chunk.transactions}
    entries: dict[str, dict] = {}
    for row in res_chunk.resolved.rejects.itertuples(index=False):
        if isinstance(row.transaction_id, str) and row.transaction_id not in entries:
            entries[row.transaction_id] = dict(state="rejected", record_name=getattr(row, flow.spec.identifier, None),
                                               reason=row.reason)
    model = flow.movement.odoo_model
    for o in outcomes:
        if o.transaction_id in entries or o.status == "in_flight":
            continue
        record = dict(res_model=model, res_id=o.record_id) if o.record_id else {}
        if o.status == "failed":
            entries[o.transaction_id] = dict(state="rejected", reason=o.error,
                                             record_name=getattr(o, flow.spec.identifier, None), **record)
        else:
            # a movement's outcome may say itself what happened (log_reason), e.g. the changes applied
            entries[o.transaction_id] = dict(
                state="imported", record_name=o.record_name or getattr(o, flow.spec.identifier, None),
                reason=getattr(o, "log_reason", None)
                or ("updated to the buyer's new version" if o.status == "updated" else None), **record)
    if flow.test_flow == "skip":
        for tid in sorted((test_ids & set(payloads)) - set(entries)):
            entries[tid] = dict(state="skipped", reason=reasons.TEST_FLOW_SET_ASIDE)
    return [
        flow.log_entry(key=tid, partner_id=_id(partners.get(tid)), company_id=_id(companies.get(tid)),
                       payload=json.dumps(payloads[tid], ensure_ascii=False, sort_keys=True, default=str)
                       if tid in payloads else None, **values)
        for tid, values in entries.items()
    ]


def _id(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
