"""When the movements run: daily schedules (the scheduled actions users know) and two sensors per
integration, all generated from the movement registry.

* The Procuros queue sensor starts an import within a minute of a document arriving.
* The Odoo sensor starts the exports within minutes of a delivery being validated or an invoice
  or credit note being posted, and sends what users asked for with the "Send … to Procuros"
  buttons within a minute, whatever its date (the send-now job).
Run keys make every tick idempotent: the same pending set or the same Odoo change never starts
two runs.
"""


import hashlib
import time
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from procuros_dagster.defs.inbound import integration_gateway
from procuros_dagster.defs.resources import OdooResource, ProcurosResource
from procuros_dagster.flows.flow import Flow
from procuros_dagster.flows.outbound import scope_domain
from procuros_dagster.odoo.setup import REQUEST_FIELD, REQUEST_MODELS
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


def job_name(movement, integration) -> str:
    return f"{integration.prefix}__{movement.job}" if integration.prefix else movement.job


def build_schedules(jobs: dict, movements: list, integration, settings: Settings) -> list:
    """One daily schedule per movement: imports take today's partition, exports the day before's
    (everything with that document date, as a safety net behind the Odoo sensor)."""
    tz = settings.schedules.timezone
    schedules = []
    for movement in movements:
        name = job_name(movement, integration)
        cron = getattr(settings.schedules, movement.schedule or movement.job)

        def _fn(context: dg.ScheduleEvaluationContext, _days_back=movement.days_back, _job=name):
            when = context.scheduled_execution_time.astimezone(ZoneInfo(tz))
            day = (when.date() - timedelta(days=_days_back)).isoformat()
            return dg.RunRequest(run_key=f"{_job}-{day}-{when.isoformat()}", partition_key=day)

        schedules.append(
            dg.ScheduleDefinition(
                name=f"{name}_daily",
                cron_schedule=cron,
                execution_timezone=tz,
                job=jobs[name],
                execution_fn=_fn,
                default_status=dg.DefaultScheduleStatus.RUNNING,
                description=f"Runs {name} every day ({cron}, {tz}); switch it off in the UI.",
            )
        )
    return schedules


def build_sensors(jobs: dict, movements: list, integration, settings: Settings, send_now=None) -> list:
    tz = settings.schedules.timezone
    status = dg.DefaultSensorStatus.RUNNING if settings.sensors.enabled else dg.DefaultSensorStatus.STOPPED
    named = (lambda name: f"{integration.prefix}__{name}") if integration.prefix else (lambda name: name)
    sensors = []
    for movement in [m for m in movements if m.direction == "in"]:
        sensors.append(_queue_sensor(movement, integration, jobs[job_name(movement, integration)], named, settings,
                                     status, tz))
    outbound = [m for m in movements if m.direction == "out"]
    if outbound:
        sensors.append(_odoo_sensor(outbound, integration, jobs, named, settings, status, tz, send_now))
    return sensors


def _queue_sensor(movement, integration, job, named, settings: Settings, status, tz: str):
    kind, job_key = movement.procuros_type, job.name

    @dg.sensor(
        name=named("procuros_order_queue" if movement.name == "sales_orders" else f"procuros_{movement.name}_queue"),
        job=job,
        minimum_interval_seconds=settings.sensors.procuros_queue_interval_seconds,
        default_status=status,
        description=f"Imports new {movement.labels} within a minute of their arrival in the Procuros queue.",
    )
    def queue_sensor(context: dg.SensorEvaluationContext, procuros: ProcurosResource):
        try:
            with procuros.open(settings, integration) as client:
                page = next(iter(client.iter_pending_pages(type=kind, per_page=settings.procuros.page_size)), None)
        except ConfigError as exc:  # e.g. the quick start without credentials: say so, don't error
            return dg.SkipReason(f"Procuros is not configured: {exc}")
        ids = sorted(item.procuros_transaction_id for item in (page.items if page else []))
        if not ids:
            context.update_cursor(None)
            return dg.SkipReason(f"No pending {movement.labels} at Procuros")
        active = context.instance.get_run_records(
            dg.RunsFilter(job_name=job_key, statuses=ACTIVE_RUN_STATUSES), limit=1
        )
        if active:
            # That run takes every pending document; a second one would only race it for them.
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

    return queue_sensor


def _requested(gateway, flows: dict, company_id) -> dict:
    """The records users asked to send with a "Send … to Procuros" button: movement -> [(id,
    when)], one read per movement (the button only sets the request flag; write_date is when)."""
    found = {}
    for flow in flows.values():
        if flow.movement.odoo_model not in REQUEST_MODELS:
            continue
        rows = gateway.search_read(
            flow.movement.odoo_model,
            [*flow.spec.eligible, *scope_domain(flow, company_id), (REQUEST_FIELD, "=", True)],
            ["id", "write_date"], order="id")
        if rows:
            found[flow.movement.name] = [(r["id"], r["write_date"]) for r in rows]
    return found


FINISHED_RUN_STATUSES = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _send_now_request(instance, send_now, integration, requested: dict) -> dg.RunRequest:
    """One send-now run for every request of the tick. Its run key names the records and when
    they were requested: a later tick that still sees them while their run is under way starts
    no second run. Once runs for the same records and time have finished (write_date has one-second
    resolution: pressed again within the second the flag was cleared), the key takes their count,
    so a request still standing then is sent, never swallowed by an old key."""
    stamps = sorted(f"{name}:{rid}@{when}" for name, rows in requested.items() for rid, when in rows)
    digest = hashlib.sha1(",".join(stamps).encode()).hexdigest()[:16]
    done = instance.get_runs_count(dg.RunsFilter(job_name=send_now.name, statuses=FINISHED_RUN_STATUSES,
                                                 tags={"procuros/request": digest}))
    op = f"{integration.prefix}__send_documents_now" if integration.prefix else "send_documents_now"
    return dg.RunRequest(
        run_key=f"{send_now.name}-requested-{digest}" + (f"-{done}" if done else ""),
        job_name=send_now.name,
        run_config={"ops": {op: {"config": {name: [str(rid) for rid, _ in rows]
                                            for name, rows in requested.items()}}}},
        tags={"procuros/requested_in_odoo": str(len(stamps)), "procuros/request": digest},
    )


def _odoo_sensor(outbound: list, integration, jobs: dict, named, settings: Settings, status, tz: str,
                 send_now=None):
    watched = {job_name(m, integration): m for m in outbound}

    @dg.sensor(
        name=named("odoo_exports"),
        jobs=[jobs[name] for name in watched] + ([send_now] if send_now is not None else []),
        minimum_interval_seconds=settings.sensors.odoo_exports_interval_seconds,
        default_status=status,
        description=(
            "Sends deliveries as soon as they are validated, invoices and credit notes as soon as they "
            "are posted, order responses as soon as an imported quotation is confirmed or cancelled and "
            "new requests for quotation of Procuros suppliers, and within a minute what "
            "users asked for with the Send … to Procuros buttons in Odoo, whatever its date."
        ),
    )
    def odoo_exports(context: dg.SensorEvaluationContext, odoo: OdooResource):
        cursor = {job: _watch_position(value) for job, value in json.loads(context.cursor or "{}").items()}
        try:
            flows = {name: Flow(m, integration, settings) for name, m in watched.items()}
            gateway = integration_gateway(odoo, next(iter(flows.values())))
        except ConfigError as exc:  # e.g. the quick start without credentials: say so, don't error
            return dg.SkipReason(f"Odoo is not configured: {exc}")
        company_id = gateway.context.get("allowed_company_ids", [None])[0]
        requests = []
        requested = _requested(gateway, flows, company_id) if send_now is not None else {}
        if requested:
            requests.append(_send_now_request(context.instance, send_now, integration, requested))
        for job_key, flow in flows.items():
            model, day_field = flow.movement.odoo_model, flow.spec.day_field
            domain = [*flow.spec.eligible, *scope_domain(flow, company_id)]
            if send_now is not None and model in REQUEST_MODELS:
                domain.append((REQUEST_FIELD, "=", False))  # requested ones go out with the send-now run
            since = cursor.get(job_key)
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
            cursor[job_key] = {"write_date": last, "ids": seen_in_last}
            by_day: dict[str, list[str]] = {}
            first_day = settings.partitions.start_date.isoformat()
            for r in changed:
                # a record of a day before the partitions start (changed long after, e.g. its send
                # request cleared) has no partition to run: the buttons and send-now job send it
                if r.get(day_field) and _local_day(r[day_field], tz) >= first_day:
                    by_day.setdefault(_local_day(r[day_field], tz), []).append(f"{r['id']}@{r['write_date']}")
            for day, changes in sorted(by_day.items()):
                # the run key names the changes themselves: the same change never starts two runs,
                # a new change in the same second as an earlier one still gets its own run
                digest = hashlib.sha1(",".join(sorted(changes)).encode()).hexdigest()[:16]
                requests.append(
                    dg.RunRequest(
                        run_key=f"{job_key}-{day}-{last}-{digest}",
                        job_name=job_key,
                        partition_key=day,
                    )
                )
        context.update_cursor(json.dumps(cursor, sort_keys=True))
        if not requests:
            return dg.SkipReason("Nothing new to send")
        return requests

    return odoo_exports
