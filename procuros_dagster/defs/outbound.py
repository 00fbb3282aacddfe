"""An outbound movement of one integration as one asset, partitioned by document date, and the
send-now job (the "Send … to Procuros" buttons); flows/outbound.py does the work."""


from datetime import date

import dagster as dg
from pydantic import Field, create_model

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.inbound import flow_for, integration_gateway
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.flows.flow import Flow
from procuros_dagster.flows.outbound import ExportReport, day_state, export_context, run_export
from procuros_dagster.mapping.outbound import totals_mismatches
from procuros_dagster.movements import MOVEMENTS


def execute_export(flow: Flow, procuros: ProcurosResource, odoo: OdooResource, *,
                   day: date | None = None, record_ids: list[int] | None = None) -> tuple[ExportReport, int]:
    gateway = integration_gateway(odoo, flow)
    calls_before = gateway.rpc_count
    ctx = export_context(gateway, flow.settings, flow.integration, procuros.own_gln(flow.integration))
    with procuros.open(flow.settings, flow.integration) as client:
        report = run_export(flow, gateway, client, ctx, day=day, record_ids=record_ids)
    return report, gateway.rpc_count - calls_before


def report_metadata(report: ExportReport, rpc_count: int) -> dict:
    return {
        "sent": report.count("TRANSMITTED"),
        "not_forwarded": report.count("NO_ACTION"),
        "already_received": report.count("ALREADY_RECEIVED"),
        "failed": report.count("INVALID", "NOT_BUILT"),
        "odoo_round_trips": rpc_count,
        "documents": md.table(report.frame),
    }


def delivery_check(movement, report: ExportReport) -> dg.AssetCheckResult:
    failed = report.failed
    return dg.AssetCheckResult(
        check_name=f"{movement.name}_delivered",
        passed=failed.empty,
        metadata={"failed": len(failed), "failures": md.table(failed)},
        description=None if failed.empty else f"{len(failed)} {movement.label}(s) could not be sent; fix them in Odoo, the next run retries",
    )


def totals_check(movement, report: ExportReport) -> dg.AssetCheckResult:
    bad = totals_mismatches(report.batch)  # the rule the mapping's tests pin down
    return dg.AssetCheckResult(
        check_name=f"{movement.name}_totals_add_up",
        passed=bad.empty,
        metadata={"mismatches": md.table(bad)},
    )


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def build_outbound_asset(movement, integration, partitions_def: dg.DailyPartitionsDefinition, group: str):
    prefix = [integration.prefix] if integration.prefix else []
    key = dg.AssetKey([*prefix, movement.asset])
    checks = [
        dg.AssetCheckSpec(
            f"{movement.name}_delivered",
            asset=key,
            description=f"Fails when {_a(movement.label)} could not be built or was refused by Procuros.",
        )
    ]
    if movement.outbound.with_totals:
        checks.append(
            dg.AssetCheckSpec(
                f"{movement.name}_totals_add_up",
                asset=key,
                description="Line amounts and taxes add up to the document totals read from Odoo.",
            )
        )

    @dg.asset(
        name=movement.asset,
        key_prefix=prefix or None,
        group_name=group,
        partitions_def=partitions_def,
        kinds={"odoo", "procuros"},
        pool="odoo_writes",
        check_specs=checks,
        description=(
            f"The day's {movement.labels} (by document date) sent to Procuros once each as "
            f"{movement.procuros_type}, checked against Procuros' rules first; each noted on its chatter "
            "and in Procuros > Logs."
        ),
    )
    def _asset(
        context: dg.AssetExecutionContext,
        procuros: ProcurosResource,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ):
        flow = flow_for(movement, integration, connector_settings)
        day = date.fromisoformat(context.partition_key)
        report, rpc_count = execute_export(flow, procuros, odoo, day=day)
        metadata = report_metadata(report, rpc_count)
        if not report.rows:
            # nothing to do this time: show the day as it stands (from the Logs), so that an idle
            # run of the sensor does not hide what an earlier run sent
            gateway = integration_gateway(odoo, flow)
            company = gateway.context.get("allowed_company_ids", [None])[0]
            state = day_state(flow, gateway, day, company)
            metadata["documents"] = md.table(state)
            metadata["of_the_day"] = len(state)
            metadata["sent_of_the_day"] = int((state["state"] == "sent").sum())
        yield dg.Output(report.frame, metadata=metadata)
        yield delivery_check(movement, report)
        if movement.outbound.with_totals:
            yield totals_check(movement, report)

    return _asset


OUTBOUND = [m for m in MOVEMENTS if m.direction == "out"]

#: the send-now request: one list of Odoo records per outbound movement, by name or id
SendNowConfig = create_model(
    "SendNowConfig",
    __base__=dg.Config,
    __doc__="Odoo records to send right now (the \"Send … to Procuros\" buttons), by id or name.",
    **{m.name: (list[str], Field(default=[], description=m.send_now_help)) for m in OUTBOUND},
)


def _record_ids(gateway, model: str, refs: list[str]) -> list[int]:
    ids = [int(r) for r in refs if r.strip().isdigit()]
    names = [r for r in refs if not r.strip().isdigit()]
    if names:
        found = gateway.search_read(model, [("name", "in", names)], ["id", "name"])
        missing = sorted(set(names) - {f["name"] for f in found})
        if missing:
            raise dg.Failure(f"No {model} record named {', '.join(missing)}")
        ids += [f["id"] for f in found]
    return ids


def build_send_now_job(integration, job_name: str = "send_to_procuros") -> dg.JobDefinition:
    prefix = [integration.prefix] if integration.prefix else []

    @dg.op(
        name=f"{integration.prefix}__send_documents_now" if integration.prefix else "send_documents_now",
        description="Send named deliveries, invoices, credit notes and purchase orders to Procuros now, whatever their date.",
        pool="odoo_writes",
    )
    def send_documents_now(
        context: dg.OpExecutionContext,
        config: SendNowConfig,
        procuros: ProcurosResource,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ):
        requested = {m.name: [r.strip() for r in getattr(config, m.name) if r.strip()] for m in OUTBOUND}
        if not any(requested.values()):
            example = next(m for m in OUTBOUND if m.send_now_help)
            raise dg.Failure(
                "Nothing to send: name the Odoo records to send now, e.g. "
                f"{example.name}: {example.send_now_help.split('e.g. ', 1)[-1]} ("
                + "; ".join(f"{m.name}: {m.send_now_help}" for m in OUTBOUND) + ")",
                allow_retries=False)
        for movement in OUTBOUND:
            refs = requested[movement.name]
            if not refs:
                continue
            flow = flow_for(movement, integration, connector_settings)
            ids = _record_ids(integration_gateway(odoo, flow), movement.odoo_model, refs)
            report, rpc_count = execute_export(flow, procuros, odoo, record_ids=ids)
            meta = report_metadata(report, rpc_count)
            context.log.info(f"{movement.name}: {meta['sent']} sent, {meta['failed']} failed")
            context.log_event(dg.AssetObservation(asset_key=dg.AssetKey([*prefix, movement.asset]), metadata=meta))
            if not report.failed.empty:
                raise dg.Failure(
                    f"{len(report.failed)} {movement.label}(s) could not be sent",
                    metadata={"failures": md.table(report.failed)},
                )

    @dg.job(name=job_name,
            description="Send specific Odoo documents to Procuros now (the Send … to Procuros buttons).")
    def _job():
        send_documents_now()

    return _job
