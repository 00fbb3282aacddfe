"""When order-to-cash runs: daily schedules (the seed's scheduled actions) and two sensors.

* The Procuros queue sensor starts an import within a minute of an order arriving.
* The Odoo sensor starts the exports within minutes of a delivery being validated or an invoice
  or credit note being posted.
Run keys make every tick idempotent: the same pending set or the same Odoo change never starts
two runs.
"""


import hashlib
import time
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from procuros_dagster.defs.resources import OdooResource, ProcurosResource
from procuros_dagster.odoo.exports import ELIGIBLE_PICKINGS, eligible_moves
from procuros_dagster.settings import ConfigError, Settings

ACTIVE_RUN_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
RETRY_SECONDS = 600  # a pending set unchanged this long is imported again


def _now() -> float:
    return time.time()


# job name → the Odoo records whose change makes it worth running, and the day they belong to
EXPORT_WATCH = {
    "export_shipping_notices": ("stock.picking", ELIGIBLE_PICKINGS, "date_done"),
    "export_invoices": ("account.move", eligible_moves("out_invoice"), "invoice_date"),
    "export_credit_notes": ("account.move", eligible_moves("out_refund"), "invoice_date"),
}


def _local_day(odoo_value: str, tz: str) -> str:
    """The partition of an Odoo date ("YYYY-MM-DD") or UTC datetime ("YYYY-MM-DD HH:MM:SS")."""
    if len(odoo_value) == 10:
        return odoo_value
    utc = datetime.strptime(odoo_value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo("UTC"))
    return utc.astimezone(ZoneInfo(tz)).date().isoformat()


def _watch_position(value) -> dict:
    """A job's cursor: the last write_date seen and the ids already seen in that second.

    Older cursors held the write_date alone; those records are read once more (harmless: the
    exports are idempotent)."""
    if isinstance(value, str):
        return {"write_date": value, "ids": []}
    return {"write_date": value["write_date"], "ids": list(value.get("ids") or [])}


def build_schedules(jobs: dict, settings: Settings) -> list:
    tz = settings.schedules.timezone
    crons = {
        "import_sales_orders": (settings.schedules.import_sales_orders, 0),
        # Exports run over the previous day: everything with that document date, as a safety net
        # behind the Odoo sensor.
        "export_shipping_notices": (settings.schedules.export_shipping_notices, 1),
        "export_invoices": (settings.schedules.export_invoices, 1),
        "export_credit_notes": (settings.schedules.export_credit_notes, 1),
    }
    schedules = []
    for job_name, (cron, days_back) in crons.items():

        def _fn(context: dg.ScheduleEvaluationContext, _days_back=days_back, _job=job_name):
            when = context.scheduled_execution_time.astimezone(ZoneInfo(tz))
            day = (when.date() - timedelta(days=_days_back)).isoformat()
            return dg.RunRequest(run_key=f"{_job}-{day}-{when.isoformat()}", partition_key=day)

        schedules.append(
            dg.ScheduleDefinition(
                name=f"{job_name}_daily",
                cron_schedule=cron,
                execution_timezone=tz,
                job=jobs[job_name],
                execution_fn=_fn,
                default_status=dg.DefaultScheduleStatus.RUNNING,
                description=f"Runs {job_name} every day ({cron}, {tz}); switch it off in the UI.",
            )
        )
    return schedules


def build_sensors(jobs: dict, settings: Settings) -> list:
    tz = settings.schedules.timezone
    status = dg.DefaultSensorStatus.RUNNING if settings.sensors.enabled else dg.DefaultSensorStatus.STOPPED

    @dg.sensor(
        name="procuros_order_queue",
        job=jobs["import_sales_orders"],
        minimum_interval_seconds=settings.sensors.procuros_queue_interval_seconds,
        default_status=status,
        description="Imports new orders within a minute of their arrival in the Procuros queue.",
    )
    def procuros_order_queue(context: dg.SensorEvaluationContext, procuros: ProcurosResource):
        try:
            with procuros.open(settings) as client:
                page = next(iter(client.iter_pending_pages(type="ORDER", per_page=settings.procuros.page_size)), None)
        except ConfigError as exc:  # e.g. the quick start without credentials: say so, don't error
            return dg.SkipReason(f"Procuros is not configured: {exc}")
        ids = sorted(item.procuros_transaction_id for item in (page.items if page else []))
        if not ids:
            context.update_cursor(None)
            return dg.SkipReason("No pending orders at Procuros")
        active = context.instance.get_run_records(
            dg.RunsFilter(job_name="import_sales_orders", statuses=ACTIVE_RUN_STATUSES), limit=1
        )
        if active:
            # That run takes every pending order; a second one would only race it for the same orders.
            return dg.SkipReason(f"An import is already in progress (run {active[0].dagster_run.run_id[:8]})")
        digest = hashlib.sha1(",".join(ids).encode()).hexdigest()[:16]
        stamp = _now()
        seen = json.loads(context.cursor) if context.cursor else {}
        since = seen.get("since", stamp) if seen.get("digest") == digest else stamp
        context.update_cursor(json.dumps({"digest": digest, "since": since}))
        # The same pending set gets the same run key, so ticks never start a second run for it;
        # a set still pending after RETRY_SECONDS (its run failed before acknowledging) gets a
        # fresh key and is retried, instead of waiting for the daily schedule.
        attempt = int((stamp - since) // RETRY_SECONDS)
        today = datetime.now(ZoneInfo(tz)).date().isoformat()
        return dg.RunRequest(
            run_key=f"orders-{digest}" + (f"-retry{attempt}" if attempt else ""),
            partition_key=today,
            tags={"procuros/pending_orders": str(len(ids)) + ("+" if page.has_more else "")},
        )

    @dg.sensor(
        name="odoo_exports",
        jobs=[jobs[name] for name in EXPORT_WATCH],
        minimum_interval_seconds=settings.sensors.odoo_exports_interval_seconds,
        default_status=status,
        description=(
            "Sends newly validated deliveries and newly posted invoices and credit notes within "
            "minutes: watches write_date in Odoo, one read per document kind."
        ),
    )
    def odoo_exports(context: dg.SensorEvaluationContext, odoo: OdooResource):
        cursor = {job: _watch_position(value) for job, value in json.loads(context.cursor or "{}").items()}
        try:
            gateway = odoo.connect()
        except ConfigError as exc:  # e.g. the quick start without credentials: say so, don't error
            return dg.SkipReason(f"Odoo is not configured: {exc}")
        requests = []
        for job_name, (model, domain, day_field) in EXPORT_WATCH.items():
            since = cursor.get(job_name)
            # write_date has one-second resolution: read the cursor's own second again (>=) and
            # drop only the records already seen in it, so a change in that second is not lost.
            found = gateway.search_read(
                model,
                domain + ([("write_date", ">=", since["write_date"])] if since else []),
                ["id", "write_date", day_field],
                order="write_date asc, id asc",
            )
            changed = [
                r for r in found
                if not (since and r["write_date"] == since["write_date"] and r["id"] in since["ids"])
            ]
            if not changed:
                continue
            last = max(r["write_date"] for r in changed)
            seen_in_last = sorted(
                {r["id"] for r in found if r["write_date"] == last}
                | (set(since["ids"]) if since and since["write_date"] == last else set())
            )
            cursor[job_name] = {"write_date": last, "ids": seen_in_last}
            by_day: dict[str, list[str]] = {}
            for r in changed:
                if r.get(day_field):
                    by_day.setdefault(_local_day(r[day_field], tz), []).append(f"{r['id']}@{r['write_date']}")
            for day, changes in sorted(by_day.items()):
                # the run key names the changes themselves: the same change never starts two runs,
                # a new change in the same second as an earlier one still gets its own run
                digest = hashlib.sha1(",".join(sorted(changes)).encode()).hexdigest()[:16]
                requests.append(
                    dg.RunRequest(
                        run_key=f"{job_name}-{day}-{last}-{digest}",
                        job_name=job_name,
                        partition_key=day,
                    )
                )
        context.update_cursor(json.dumps(cursor, sort_keys=True))
        if not requests:
            return dg.SkipReason("Nothing new to send")
        return requests

    return [procuros_order_queue, odoo_exports]
