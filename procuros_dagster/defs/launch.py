"""Runs the demo and the replay command start, as the UI would have launched them.

A run created by ``execute_in_process`` names no code location: the UI's job pages find it by its
repository tag, but the Overview timeline leaves out every run without a code location of its
own. These runs are created on the code location's job (the one ``workspace.yaml`` loads) and then
executed here, in this process, like a run the UI launched on it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.api import create_execution_plan, execute_run
from dagster._core.execution.execute_in_process import merge_run_tags
from dagster._core.remote_origin import (
    ManagedGrpcPythonEnvCodeLocationOrigin,
    RemoteJobOrigin,
    RemoteRepositoryOrigin,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from procuros_dagster.defs.build import CODE_LOCATION, UI_RUN_TAGS

REPOSITORY = "__repository__"  # the repository a Definitions object loads as


def code_location_job(job_name: str) -> RemoteJobOrigin:
    """The job as the code location names it: ``dagster dev -m procuros_dagster.definitions``."""
    target = LoadableTargetOrigin(executable_path=sys.executable, module_name=CODE_LOCATION,
                                  working_directory=os.getcwd())
    location = ManagedGrpcPythonEnvCodeLocationOrigin(target, location_name=CODE_LOCATION)
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, REPOSITORY), job_name)


def run_on_code_location(defs: dg.Definitions, job_name: str, instance: dg.DagsterInstance, *,
                         partition_key: str | None = None, run_config: Mapping | None = None,
                         tags: Mapping[str, str] | None = None) -> dg.DagsterRun:
    """Create the run on the code location's job and execute it in this process; the finished run."""
    # in this process whatever the job's executor says (it is not reconstructable from here)
    job = defs.resolve_job_def(job_name).with_executor_def(dg.in_process_executor)
    config = dict(run_config or {})
    run_tags = merge_run_tags(job_def=job, partition_key=partition_key, tags={**UI_RUN_TAGS, **(tags or {})},
                              asset_selection=None, instance=instance, run_config=config)
    in_memory = InMemoryJob(job)
    plan = create_execution_plan(in_memory, run_config=config, instance_ref=instance.get_ref(), tags=run_tags)
    run = instance.create_run_for_job(job_def=job, execution_plan=plan, run_config=config, tags=run_tags,
                                      remote_job_origin=code_location_job(job_name))
    execute_run(in_memory, run, instance)
    return instance.get_run_by_id(run.run_id)
