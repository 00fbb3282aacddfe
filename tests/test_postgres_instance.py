"""The repo's dagster.yaml: PostgreSQL with DAGSTER_PG_*, SQLite for the quick start without them."""

import shutil
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

REPO = Path(__file__).resolve().parent.parent
PARTITION = "2026-01-02"

daily = dg.DailyPartitionsDefinition(start_date="2026-01-01")


@dg.asset(partitions_def=daily)
def procuros_orders(context: dg.AssetExecutionContext) -> list[str]:
    return [f"order-{context.partition_key}"]


@dg.asset(partitions_def=daily, pool="odoo_writes")
def odoo_sale_orders(context: dg.AssetExecutionContext, procuros_orders: list[str]) -> int:
    return len(procuros_orders)


@pytest.fixture
def dagster_home(tmp_path, monkeypatch, postgres):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for key, value in postgres.dagster_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_instance_from_repo_yaml_uses_postgres_queue_and_pool(dagster_home):
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        concurrency = instance.get_concurrency_config()
        assert concurrency.run_queue_config.max_concurrent_runs == 4
        assert concurrency.pool_config.default_pool_limit == 1
        # the effective limit of the (otherwise unconfigured) Odoo writer pool
        pool = instance.event_log_storage.get_concurrency_info("odoo_writes")
        assert (pool.limit, pool.using_default_limit) == (1, True)


def test_partitioned_run_is_stored_in_postgres(dagster_home, postgres):
    # DagsterInstance.get() is what dagster webserver/daemon do: DAGSTER_HOME/dagster.yaml
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        result = dg.materialize(
            [procuros_orders, odoo_sale_orders], instance=instance, partition_key=PARTITION
        )
        assert result.success
        run_id = result.run_id

        # through the instance API
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == PARTITION
        mats = instance.fetch_materializations(dg.AssetKey("odoo_sale_orders"), limit=10).records
        assert [m.run_id for m in mats] == [run_id]
        assert mats[0].asset_materialization.partition == PARTITION
        assert instance.get_materialized_partitions(dg.AssetKey("procuros_orders")) == {PARTITION}
        # the Odoo step went through the pool: slots created at the default limit, now released
        pool = instance.event_log_storage.get_concurrency_info("odoo_writes")
        assert (pool.slot_count, pool.limit, pool.claimed_slots) == (1, 1, [])

    # and directly in PostgreSQL
    conn = psycopg2.connect(**postgres.connect_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT status, partition FROM runs WHERE run_id = %s", (run_id,))
            assert cur.fetchall() == [("SUCCESS", PARTITION)]
            cur.execute(
                "SELECT asset_key, partition FROM event_logs"
                " WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'"
                " ORDER BY asset_key",
                (run_id,),
            )
            assert cur.fetchall() == [
                ('["odoo_sale_orders"]', PARTITION),
                ('["procuros_orders"]', PARTITION),
            ]
            cur.execute(
                "SELECT count(*) FROM event_logs WHERE run_id = %s"
                " AND dagster_event_type = 'PIPELINE_SUCCESS'",
                (run_id,),
            )
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_quick_start_without_dagster_home_uses_sqlite(tmp_path, monkeypatch):
    # `dagster dev` without DAGSTER_HOME builds its temporary instance exactly like this, with
    # ./dagster.yaml of the working directory (the repo root) as configuration.
    from dagster._core.instance.ref import InstanceRef
    from dagster._core.storage.event_log import SqliteEventLogStorage
    from dagster._core.storage.runs import SqliteRunStorage

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for var in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    ref = InstanceRef.from_dir(str(tmp_path / "tmp_home"), config_dir=str(REPO))
    with dg.DagsterInstance.from_ref(ref) as instance:
        assert isinstance(instance.run_storage, SqliteRunStorage)
        assert isinstance(instance.event_log_storage, SqliteEventLogStorage)
        # the queue and the Odoo writer pool apply to the quick start as well
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        result = dg.materialize([procuros_orders, odoo_sale_orders], instance=instance, partition_key=PARTITION)
        assert result.success
    assert (tmp_path / ".dagster_home" / "storage").is_dir()


def test_partial_postgres_settings_fail_loudly(tmp_path, monkeypatch):
    from dagster._core.instance.ref import InstanceRef

    from procuros_dagster.instance_storage import InstanceStorageError

    for var in ("DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DAGSTER_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "pg-secret-value")
    ref = InstanceRef.from_dir(str(tmp_path), config_dir=str(REPO))
    with pytest.raises(InstanceStorageError) as excinfo:
        with dg.DagsterInstance.from_ref(ref):
            pass
    assert "DAGSTER_PG_PORT" in str(excinfo.value) and "pg-secret-value" not in str(excinfo.value)
