"""Assemble the Dagster definitions from the settings file and the movement registry.

Per integration and per movement it has on: the movement's assets, its job, its daily schedule,
and the sensors that start it; plus the send-now, replay and setup jobs. An integration other
than the implicit one of a single-integration settings file gets its key as prefix of every
asset key, job, schedule and sensor name, so two integrations never share a run or a partition.
"""

from __future__ import annotations

import dagster as dg

from procuros_dagster.defs.alerts import build_alert_sensors
from procuros_dagster.defs.automation import build_schedules, build_sensors, job_name
from procuros_dagster.defs.inbound import build_inbound_assets
from procuros_dagster.defs.outbound import build_outbound_asset, build_send_now_job
from procuros_dagster.defs.replay import replay_orders
from procuros_dagster.defs.resources import default_resources
from procuros_dagster.defs.setup_job import setup_odoo
from procuros_dagster.movements import MOVEMENTS
from procuros_dagster.settings import Settings, load_settings


#: where the UI finds a job's runs: its job pages list the runs tagged with their repository
#: ("<repository>@<code location>"); a code location loaded as the module (workspace.yaml,
#: `dagster dev -m`) is named after it, and a Definitions object's repository is __repository__
CODE_LOCATION = "procuros_dagster.definitions"
UI_RUN_TAGS = {".dagster/repository": f"__repository__@{CODE_LOCATION}"}


def daily_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    # end_offset=1: today's partition exists, so the sensor and schedule can import today's orders
    return dg.DailyPartitionsDefinition(
        start_date=settings.partitions.start_date.isoformat(),
        timezone=settings.schedules.timezone,
        end_offset=1,
    )


# The stages of a job run one after another anyway: running them in one process saves the
# start-up of a process per step (a 1-order sensor run: 13 s → 3 s, see benchmarks/).


def _movement_assets(movement, integration, partitions, settings: Settings, group: str) -> list:
    if movement.direction == "in":
        return build_inbound_assets(movement, integration, partitions, settings.schedules.timezone, group)
    return [build_outbound_asset(movement, integration, partitions, group)]


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    partitions = daily_partitions(settings)
    assets, jobs, schedules, sensors, extra_jobs = [], {}, [], [], []
    for integration in settings.integrations:
        if integration.status == "inactive":
            continue
        movements = [m for m in MOVEMENTS if integration.is_on(m.name)]
        own_jobs = {}
        for movement in movements:
            group = f"{integration.prefix}_{movement.flow}" if integration.prefix else movement.flow
            built = _movement_assets(movement, integration, partitions, settings, group)
            assets += built
            name = job_name(movement, integration)
            own_jobs[name] = dg.define_asset_job(
                name,
                selection=dg.AssetSelection.assets(*built),
                partitions_def=partitions,
                executor_def=dg.in_process_executor,
                description=movement.description,
            )
        jobs.update(own_jobs)
        schedules += build_schedules(own_jobs, movements, integration, settings)
        send_now = build_send_now_job(
            integration, f"{integration.prefix}__send_to_procuros" if integration.prefix else "send_to_procuros"
        ) if any(m.direction == "out" for m in movements) else None
        sensors += build_sensors(own_jobs, movements, integration, settings, send_now=send_now)
        if send_now is not None:
            extra_jobs.append(send_now)
    extra_jobs += [replay_orders, setup_odoo]
    if settings.alerts.enabled:
        check_keys = [key for a in assets for key in a.check_keys]
        sensors += build_alert_sensors([*jobs.values(), *extra_jobs], check_keys, settings.alerts)
    return dg.Definitions(
        assets=assets,
        jobs=[*jobs.values(), *extra_jobs],
        schedules=schedules,
        sensors=sensors,
        resources=default_resources(settings),
    )
