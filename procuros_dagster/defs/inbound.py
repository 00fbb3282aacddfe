"""An inbound movement of one integration as five assets (flows/inbound.py does the work):

    procuros_orders_raw → order_frames → resolved_orders → sale_quotations → order_acknowledgements

(the sales orders' names; every inbound movement gets the same five, named in its registry entry).
"""


from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.flows import inbound
from procuros_dagster.flows.chunks import ChunkWriter, Chunks, chunk_folder
from procuros_dagster.flows.flow import Flow
from procuros_dagster.flows.landing import landing_root


def today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def chunk_writer(context, asset: str, partition: str | None = None) -> ChunkWriter:
    partition = partition or context.partition_key
    return ChunkWriter(chunk_folder(context.instance.storage_directory(), context.run_id, asset, partition))


def integration_gateway(odoo: OdooResource, flow) -> object:
    """The Odoo session acting in the integration's company (the user's own when none is set)."""
    gateway = odoo.connect()
    ref = flow.integration.company
    if not ref:
        return gateway
    # one session per run (OdooResource): resolve the company once per run, not once per step
    scoped = gateway.__dict__.setdefault("_in_company", {})
    if ref not in scoped:
        scoped[ref] = gateway.in_company(gateway.resolve("res.company", [ref])[ref])
    return scoped[ref]


def flow_for(movement, integration, connector_settings: ConnectorSettingsResource) -> Flow:
    """The movement on the integration as the settings file says now (read when the run starts)."""
    settings = connector_settings.load()
    return Flow(movement, settings.integration(integration.key), settings)


def build_inbound_assets(movement, integration, partitions_def: dg.DailyPartitionsDefinition, timezone: str,
                         group: str) -> list:
    names = movement.inbound_assets
    prefix = [integration.prefix] if integration.prefix else []
    key = lambda name: dg.AssetKey([*prefix, name])  # noqa: E731
    store = lambda name: "_".join([*prefix, name])  # noqa: E731  (chunk folder per asset and integration)
    common = dict(group_name=group, partitions_def=partitions_def, key_prefix=prefix or None)
    label, labels = movement.label, movement.labels

    @dg.asset(
        name=names.raw,
        kinds={"procuros"},
        description=(
            f"New {labels} waiting for us at Procuros, saved exactly as received before Procuros is told "
            f"anything. Backfilling a past day fetches that day's {labels} again, so one rejected then "
            "can be imported once the data is fixed."
        ),
        **common,
    )
    def raw_asset(context: dg.AssetExecutionContext, procuros: ProcurosResource,
                  connector_settings: ConnectorSettingsResource) -> dg.Output[inbound.RawBatch]:
        flow = flow_for(movement, integration, connector_settings)
        landing = (landing_root(context.instance.storage_directory(), flow.integration),
                   context.partition_key, context.run_id)
        with procuros.open(flow.settings, flow.integration) as client:
            batch, metadata = inbound.pull_stage(
                flow, client, chunk_writer(context, store(names.raw)), landing,
                day=date.fromisoformat(context.partition_key), today=today(timezone),
                own_gln=procuros.own_gln(flow.integration))
        if batch.landing_file:
            metadata["landing_file"] = dg.MetadataValue.path(batch.landing_file)
        return dg.Output(batch, metadata=metadata)

    @dg.asset(
        name=names.frames,
        ins={"raw": dg.AssetIn(key(names.raw))},
        kinds={"pandas"},
        description=f"Each {label} checked field by field (numbers, dates, units, identifiers); one that cannot be read is rejected with the reason.",
        **common,
    )
    def frames_asset(context: dg.AssetExecutionContext, raw: inbound.RawBatch, procuros: ProcurosResource,
                     connector_settings: ConnectorSettingsResource) -> dg.Output[Chunks]:
        flow = flow_for(movement, integration, connector_settings)
        chunks, metadata = inbound.normalise_stage(flow, raw, chunk_writer(context, store(names.frames)),
                                                   procuros.own_gln(flow.integration))
        return dg.Output(chunks, metadata=md.convert(metadata))

    resolved_key = key(names.resolved)

    @dg.asset(
        name=names.resolved,
        ins={"frames": dg.AssetIn(key(names.frames))},
        kinds={"odoo", "pandas"},
        description=(
            f"Each {label}'s partner and addresses (by GLN), products (by GTIN) and units (by Procuros unit "
            "code) found in Odoo, and earlier imports of it recognised."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                names.resolve_check,
                asset=resolved_key,
                description="Alerts on unknown partners, products or units and every other rejected document.",
            ),
            dg.AssetCheckSpec(
                names.writes_check,
                asset=resolved_key,
                blocking=True,
                description=(
                    "Stops the write to Odoo when the values to write are wrong across the board (a fault "
                    "no single document explains, or most documents of a batch); a single wrong one is "
                    "rejected on its own (as our own error, INTERNAL) and the rest go on."
                ),
            ),
        ],
        **common,
    )
    def resolved_asset(context: dg.AssetExecutionContext, frames: Chunks, odoo: OdooResource,
                       connector_settings: ConnectorSettingsResource):
        flow = flow_for(movement, integration, connector_settings)
        stage = inbound.resolve_stage(flow, frames, chunk_writer(context, store(names.resolved)),
                                      integration_gateway(odoo, flow))
        yield dg.Output(stage.output, metadata=md.convert(stage.metadata))
        yield dg.AssetCheckResult(
            check_name=names.resolve_check,
            passed=stage.rejected == 0,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejected": stage.rejected, "rejects": md.table(stage.rejects)},
        )
        yield dg.AssetCheckResult(
            check_name=names.writes_check,
            passed=not stage.systemic,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "malformed_orders_rejected": len({p["transaction_id"] for p in stage.problems}),
                "problems": md.records_table(stage.problems[: inbound.MAX_REPORTED], ["transaction_id", "problem"]),
            },
        )

    findings_check = getattr(names, "findings_check", "")
    written_checks = [dg.AssetCheckSpec(
        findings_check, asset=key(names.written),
        description=(f"Lists what the {movement.labels} just written show a person should look at, with the "
                     "document and the line (they are imported as drafts all the same)."),
    )] if findings_check else []
    if names.outcome_check:
        written_checks.append(dg.AssetCheckSpec(names.outcome_check, asset=key(names.written),
                                                description=names.outcome_check_description))

    @dg.asset(
        name=names.written,
        ins={"resolved": dg.AssetIn(resolved_key)},
        kinds={"odoo"},
        pool="odoo_writes",
        description=names.written_description or (
            f"The {labels} written to Odoo — created, or updated for a newer version — each linked to its "
            "Procuros transaction and noted on its chatter."
        ),
        check_specs=written_checks,
        **common,
    )
    def written_asset(context: dg.AssetExecutionContext, resolved: Chunks, odoo: OdooResource,
                      connector_settings: ConnectorSettingsResource):
        flow = flow_for(movement, integration, connector_settings)
        chunks, metadata = inbound.write_stage(flow, resolved, chunk_writer(context, store(names.written)),
                                               integration_gateway(odoo, flow))
        found = metadata.pop("findings", None)
        yield dg.Output(chunks, metadata=md.convert(metadata))
        if names.outcome_check:
            alerts = inbound.outcome_alerts(flow, chunks)
            yield dg.AssetCheckResult(
                check_name=names.outcome_check,
                passed=not alerts,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"count": len(alerts),
                          "documents": md.records_table(alerts[: inbound.MAX_REPORTED],
                                                        sorted({k for a in alerts for k in a}) or ["transaction_id"])},
            )
        if findings_check:
            found = found if found is not None else pd.DataFrame()
            yield dg.AssetCheckResult(
                check_name=findings_check,
                passed=found.empty,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"findings": len(found), "documents": int(found["transaction_id"].nunique()) if len(found) else 0,
                          "list": md.table(found)},
            )

    @dg.asset(
        name=names.acknowledged,
        ins={"raw": dg.AssetIn(key(names.raw)), "resolved": dg.AssetIn(resolved_key),
             "written": dg.AssetIn(key(names.written))},
        kinds={"procuros"},
        description=(
            f"Procuros told what became of every {label}: imported, or rejected with a reason the trade "
            "partner can act on (or as our own error); each one listed in Procuros > Logs in Odoo."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                names.acknowledged_check,
                asset=key(names.acknowledged),
                description="Fails when a pending document was left unacknowledged.",
            )
        ],
        **common,
    )
    def acknowledged_asset(context: dg.AssetExecutionContext, raw: inbound.RawBatch, resolved: Chunks,
                           written: Chunks, procuros: ProcurosResource, odoo: OdooResource,
                           connector_settings: ConnectorSettingsResource):
        flow = flow_for(movement, integration, connector_settings)
        with procuros.open(flow.settings, flow.integration) as client:
            stage = inbound.acknowledge_stage(flow, raw, resolved, written, client, odoo.connect())
        yield dg.Output(stage.frame, metadata=md.convert(stage.metadata))
        yield dg.AssetCheckResult(
            check_name=names.acknowledged_check,
            passed=not stage.missing,
            metadata={
                "unacknowledged": len(stage.missing),
                "waiting_for_an_interrupted_run": len(stage.waiting),
                "transactions": md.records_table([{"transaction_id": t} for t in stage.missing[: inbound.MAX_REPORTED]],
                                                 ["transaction_id"]),
            },
        )

    return [raw_asset, frames_asset, resolved_asset, written_asset, acknowledged_asset]
