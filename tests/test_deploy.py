"""deploy/: the image, the one-host compose setup and the Helm values hold together.

No Docker daemon and no cluster here, so this checks what can be checked without them: the
instance configurations load with Dagster's own schema (and, on a throwaway PostgreSQL, as a
real instance), the files name exactly the environment variables the README's table lists (read
from settings.ENV_VARS and instance_storage.PG_VARIABLES, so neither can drift), and every name
one file gives another — modules, hosts, ports, volumes, paths, images — matches.
The run launchers' own config schemas need the optional `deploy` extra (dagster-docker,
dagster-k8s); those two checks skip without it.
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import validate_config
from dagster._core.instance.config import dagster_instance_config
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from procuros_dagster.instance_storage import PG_VARIABLES
from procuros_dagster.settings import _SECRET_VARS, ENV_VARS

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
COMPOSE_DIR = DEPLOY / "docker"
HELM_DIR = DEPLOY / "helm"

CONNECTOR_VARS = frozenset(ENV_VARS)
README_VARS = CONNECTOR_VARS | frozenset(PG_VARIABLES)


def _yaml(path: Path):
    return yaml.safe_load(path.read_text())


def _yaml_all(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


# --------------------------------------------------------------------------- the Dockerfile


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _dockerfile_env() -> dict[str, str]:
    env = {}
    for word, rest in _dockerfile():
        if word == "ENV":
            env.update(dict(part.split("=", 1) for part in shlex.split(rest)))
    return env


def _image_cmd() -> list[str]:
    cmds = [json.loads(rest) for word, rest in _dockerfile() if word == "CMD"]
    assert len(cmds) == 1, "one CMD, in exec form"
    return cmds[0]


def _arg(argv: list[str], *flags: str) -> str:
    for flag in flags:
        if flag in argv:
            return argv[argv.index(flag) + 1]
    raise AssertionError(f"none of {flags} in {argv}")


def test_dockerfile_base_user_and_install():
    instructions = _dockerfile()
    assert [rest for word, rest in instructions if word == "FROM"] == ["python:3.11-slim"]
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must end as an unprivileged user"

    installs = [rest for word, rest in instructions if word == "RUN" and "pip install" in rest]
    assert len(installs) == 1
    extras = re.findall(r'pip install "?\.\[([\w,]+)\]"?', installs[0])
    assert extras, f"the project itself is installed from its files: {installs[0]}"
    extras = extras[0].split(",")
    declared = _pyproject()["project"]["optional-dependencies"]
    assert "test" not in extras
    assert set(extras) <= set(declared)
    # a run worker loads the instance including its run launcher: both launchers' packages
    packages = {re.split(r"[<>=\[ ]", req)[0] for extra in extras for req in declared[extra]}
    assert {"dagster-docker", "dagster-k8s"} <= packages


def test_dockerfile_bakes_in_no_connection_or_secret():
    baked = set(_dockerfile_env()) | {
        rest.split("=")[0].split()[0] for word, rest in _dockerfile() if word == "ARG"
    }
    assert not baked & README_VARS, baked & README_VARS
    # only the package and its metadata are copied in (allow-list .dockerignore beside it)
    sources = set()
    for word, rest in _dockerfile():
        if word == "COPY":
            sources.update(part.rstrip("/") for part in rest.split()[:-1])
    ignore = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*", "the build context is the repository: allow-list, deny everything else"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == sources
    assert all((REPO / source).exists() for source in sources)


def test_image_cmd_serves_the_code_location_module(tmp_path):
    cmd = _image_cmd()
    assert cmd[:3] == ["dagster", "api", "grpc"]
    module = _arg(cmd, "-m", "--module-name")
    tool = _pyproject()["tool"]["dagster"]
    workspace = _yaml(REPO / "workspace.yaml")["load_from"][0]["python_module"]
    assert module == tool["module_name"] == workspace["module_name"]

    # the entry point as the container runs it: the module loads and validates as a code
    # location, with no connection variable set (none is in the image)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCUROS_", "ODOO_", "DAGSTER_"))}
    env["DAGSTER_HOME"] = str(tmp_path)
    (tmp_path / "dagster.yaml").write_text("")
    dagster_cli = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster_cli), "definitions", "validate", "-m", module],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_console_scripts_the_deployment_calls_exist():
    scripts = _pyproject()["project"]["scripts"]
    target = scripts["procuros-dagster"]
    module, _, attr = target.partition(":")
    assert callable(getattr(importlib.import_module(module), attr))
    # what the compose services run, from the installed Dagster packages
    installed = {ep.name for ep in importlib.metadata.entry_points(group="console_scripts")}
    commands = {_image_cmd()[0]} | {svc["command"][0] for svc in _compose()["services"].values() if "command" in svc}
    assert commands == {"dagster", "dagster-webserver", "dagster-daemon"}
    assert commands <= installed


# --------------------------------------------------------------------------- README's table


def test_readme_environment_table_is_what_the_deploy_files_are_checked_against():
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Environment", 1)[1].split("\n#", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    named = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert named == README_VARS


# --------------------------------------------------------------------------- docker compose


def _compose() -> dict:
    return _yaml(COMPOSE_DIR / "docker-compose.yaml")


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in (COMPOSE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, line
            pairs[name.strip()] = value
    return pairs


def _mounts(service: dict) -> dict[str, str]:
    """container path -> source (volume key or host path), mode dropped."""
    return {entry.split(":")[1]: entry.split(":")[0] for entry in service.get("volumes", [])}


def test_env_example_lists_every_readme_variable_empty():
    example = _env_example()
    assert set(example) == README_VARS
    assert all(value == "" for value in example.values()), "no value, let alone a secret, in the example"
    # the filled-in copy stays out of git
    ignored = subprocess.run(["git", "check-ignore", "-q", str(COMPOSE_DIR / ".env")], cwd=REPO)
    assert ignored.returncode == 0


def test_compose_services_and_what_environment_each_gets():
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgresql", "code_location", "webserver", "daemon"}

    # the code location (sensors, schedules) and the daemon (it hands its variables to the run
    # containers) get the connector's .env; the webserver only the instance's PostgreSQL
    for name in ("code_location", "daemon"):
        assert services[name]["env_file"] == ".env"
        assert set(services[name]["environment"]) - {"DAGSTER_CURRENT_IMAGE"} == set(PG_VARIABLES)
    assert "env_file" not in services["webserver"]
    assert set(services["webserver"]["environment"]) == set(PG_VARIABLES)

    # the only variables compose itself reads are the README's (from .env)
    text = (COMPOSE_DIR / "docker-compose.yaml").read_text()
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert interpolated and interpolated <= README_VARS
    # secrets only ever by reference, never written into the file
    for service in services.values():
        for var, value in (service.get("environment") or {}).items():
            if var in _SECRET_VARS or "PASSWORD" in var:
                assert str(value).startswith("${"), (var, value)

    # one image for all, built from deploy/Dockerfile, the one the runs are started in
    images = {svc.get("image") for name, svc in services.items() if name != "postgresql"}
    assert len(images) == 1
    image = images.pop()
    assert services["code_location"]["environment"]["DAGSTER_CURRENT_IMAGE"] == image
    build = services["code_location"]["build"]
    assert (COMPOSE_DIR / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert services["postgresql"]["image"] == "postgres:15"
    assert _mounts(services["postgresql"])["/var/lib/postgresql/data"] in compose["volumes"]


def test_compose_workspace_points_at_the_code_location_server():
    services = _compose()["services"]
    (entry,) = _yaml(COMPOSE_DIR / "workspace.yaml")["load_from"]
    server = entry["grpc_server"]
    assert server["host"] in services
    code_server = services[server["host"]]
    cmd = code_server.get("command", _image_cmd())
    assert cmd[:3] == ["dagster", "api", "grpc"]
    assert int(_arg(cmd, "-p", "--port")) == server["port"]
    assert server["location_name"] == _pyproject()["tool"]["dagster"]["code_location_name"]

    dagster_home = _dockerfile_env()["DAGSTER_HOME"]
    for name in ("webserver", "daemon"):
        service = services[name]
        workspace_path = _arg(service["command"], "-w", "--workspace")
        assert _mounts(service)[workspace_path] == "./workspace.yaml"
        assert service["depends_on"]["code_location"] == {"condition": "service_healthy"}
    for name in ("code_location", "webserver", "daemon"):
        assert _mounts(services[name])[f"{dagster_home}/dagster.yaml"] == "./dagster.yaml"


def test_run_containers_get_the_variables_volumes_and_network_of_the_services():
    compose = _compose()
    launcher = _yaml(COMPOSE_DIR / "dagster.yaml")["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    config = launcher["config"]
    # every README variable reaches the runs, from the daemon's environment
    assert set(config["env_vars"]) == README_VARS
    assert config["network"] in {net["name"] for net in compose["networks"].values()}

    volume_names = {key: spec["name"] for key, spec in compose["volumes"].items()}
    code_mounts = {path: volume_names[source] for path, source in _mounts(compose["services"]["code_location"]).items()
                   if source in volume_names}
    run_mounts = {entry.split(":")[1]: entry.split(":")[0] for entry in config["container_kwargs"]["volumes"]}
    # runs see the same named volumes at the same paths as the code location
    assert run_mounts.items() <= code_mounts.items()
    landing = _dockerfile_env()["PROCUROS_DAGSTER_LANDING_DIR"]
    assert landing in run_mounts, "the landing files must be on a volume, not in a removed container"
    storage = _yaml(COMPOSE_DIR / "dagster.yaml")["local_artifact_storage"]["config"]["base_dir"]
    assert storage in run_mounts
    assert _mounts(compose["services"]["webserver"])[storage] == "storage"  # it shows the runs' logs
    compute_logs = _yaml(COMPOSE_DIR / "dagster.yaml")["compute_logs"]["config"]["base_dir"]
    assert Path(compute_logs).is_relative_to(storage)
    # the image creates the log directory, so the volume starts with it owned by the run user
    mkdirs = " ".join(rest for word, rest in _dockerfile() if word == "RUN" and "mkdir" in rest)
    assert compute_logs in mkdirs.split() and landing in mkdirs.split()

    # services running as root hold no volume the runs write to, except read-only: a directory
    # they created would be closed to the unprivileged run containers
    for name, service in compose["services"].items():
        if str(service.get("user", "")) in ("0", "root"):
            for entry in service.get("volumes", []):
                source = entry.split(":")[0]
                if source in volume_names and volume_names[source] in run_mounts.values():
                    assert entry.endswith(":ro"), (name, entry)


# --------------------------------------------------------------------------- instances


POLICY_SECTIONS = ("run_coordinator", "concurrency", "run_monitoring", "retention")


def test_compose_instance_keeps_the_repository_policy():
    repo = _yaml(REPO / "dagster.yaml")
    compose = _yaml(COMPOSE_DIR / "dagster.yaml")
    for section in POLICY_SECTIONS:
        assert compose[section] == repo[section], section


def _write_instance(home: Path, config: dict) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def _local_dirs(config: dict, tmp_path: Path) -> dict:
    """The container paths of the file storages, moved under tmp_path."""
    config = copy.deepcopy(config)
    for key in ("local_artifact_storage", "compute_logs"):
        if key in config:
            config[key]["config"]["base_dir"] = str(tmp_path / key)
    return config


def _assert_production_instance(instance: dg.DagsterInstance):
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    concurrency = instance.get_concurrency_config()
    assert concurrency.run_queue_config.max_concurrent_runs == 4
    assert concurrency.pool_config.default_pool_limit == 1
    assert concurrency.pool_config.pool_granularity.value == "op"
    pool = instance.event_log_storage.get_concurrency_info("odoo_writes")
    assert (pool.limit, pool.using_default_limit) == (1, True)
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_max_resume_run_attempts == 0


def test_compose_instance_validates_and_runs_on_postgres(tmp_path, monkeypatch, postgres):
    config = _yaml(COMPOSE_DIR / "dagster.yaml")
    # Dagster's own schema, the whole file (the launcher's own config is checked below)
    validated, _ = dagster_instance_config(str(_write_instance(tmp_path / "as_is", config)))
    assert validated["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}

    # A real instance from it, with the DAGSTER_PG_* variables the services get. The launcher
    # is swapped for the default one: its own schema is the next test's, with dagster-docker.
    for key, value in postgres.dagster_env().items():
        monkeypatch.setenv(key, value)
    local = _local_dirs(config, tmp_path)
    local["run_launcher"] = {"module": "dagster", "class": "DefaultRunLauncher"}
    with dg.DagsterInstance.from_config(str(_write_instance(tmp_path / "local", local))) as instance:
        _assert_production_instance(instance)
        assert instance.run_monitoring_max_runtime_seconds == 3600

    # the storage reads every DAGSTER_PG_* variable: one missing fails loudly
    monkeypatch.delenv("DAGSTER_PG_DB")
    with pytest.raises(Exception, match="DAGSTER_PG_DB"):
        with dg.DagsterInstance.from_config(str(tmp_path / "local")) as instance:
            instance.run_storage  # noqa: B018


def test_compose_run_launcher_config_with_dagster_docker(tmp_path, monkeypatch, postgres):
    dagster_docker = pytest.importorskip(
        "dagster_docker", reason="dagster-docker is the optional `deploy` extra; pip install '.[deploy]'"
    )
    for key, value in postgres.dagster_env().items():
        monkeypatch.setenv(key, value)
    config = _local_dirs(_yaml(COMPOSE_DIR / "dagster.yaml"), tmp_path)
    with dg.DagsterInstance.from_config(str(_write_instance(tmp_path / "home", config))) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, dagster_docker.DockerRunLauncher)
        assert set(launcher.env_vars) == README_VARS
        assert launcher.networks == [_yaml(COMPOSE_DIR / "dagster.yaml")["run_launcher"]["config"]["network"]]
        assert launcher.supports_check_run_worker_health  # what lets run monitoring see a dead container


# --------------------------------------------------------------------------- Helm values


def _values() -> dict:
    return _yaml(HELM_DIR / "values.yaml")


def _deployment() -> dict:
    (deployment,) = _values()["dagster-user-deployments"]["deployments"]
    return deployment


def _helm_instance(values: dict) -> dict:
    """The instance sections these values feed, as the chart's instance ConfigMap renders them
    (helm/dagster/templates/configmap-instance.yaml and helpers/instance/*.tpl)."""
    pg = values["postgresql"]
    postgres_db = {
        "username": pg["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},  # from global.postgresqlSecretName
        "hostname": pg["postgresqlHost"],
        "db_name": pg["postgresqlDatabase"],
        "port": pg["service"]["port"],
    }
    if pg.get("postgresqlScheme"):
        postgres_db["scheme"] = pg["postgresqlScheme"]
    storage = {"postgres_db": postgres_db}
    daemon = values["dagsterDaemon"]
    assert daemon["runCoordinator"]["type"] == "QueuedRunCoordinator"
    monitoring = daemon["runMonitoring"]
    pools, runs = values["concurrency"]["pools"], values["concurrency"]["runs"]
    retention = values["retention"]
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    return {
        "run_storage": {"module": "dagster_postgres.run_storage", "class": "PostgresRunStorage", "config": storage},
        "event_log_storage": {"module": "dagster_postgres.event_log", "class": "PostgresEventLogStorage", "config": storage},
        "schedule_storage": {"module": "dagster_postgres.schedule_storage", "class": "PostgresScheduleStorage", "config": storage},
        "run_coordinator": {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"},
        "run_launcher": {
            "module": "dagster_k8s",
            "class": "K8sRunLauncher",
            "config": {
                "load_incluster_config": k8s.get("loadInclusterConfig", True),
                "job_namespace": "procuros",  # the release namespace
                "image_pull_policy": k8s["imagePullPolicy"],
                "service_account_name": "procuros-dagster",
                "dagster_home": "/opt/dagster/dagster_home",
                "instance_config_map": "procuros-dagster-instance",
                "postgres_password_secret": values["global"]["postgresqlSecretName"],
                "fail_pod_on_run_failure": k8s["failPodOnRunFailure"],
                "run_k8s_config": {"pod_spec_config": k8s["runK8sConfig"]["podSpecConfig"]},
            },
        },
        "concurrency": {
            "pools": {"default_limit": pools["defaultLimit"], "granularity": pools["granularity"]},
            "runs": {"max_concurrent_runs": runs["maxConcurrentRuns"]},
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "max_resume_run_attempts": monitoring["maxResumeRunAttempts"],
            "free_slots_after_run_end_seconds": monitoring["freeSlotsAfterRunEndSeconds"],
        },
        "retention": {
            "schedule": {"purge_after_days": retention["schedule"]["purgeAfterDays"]},
            "sensor": {"purge_after_days": retention["sensor"]["purgeAfterDays"]},
        },
    }


def test_helm_values_keep_the_repository_policy():
    values = _values()
    repo = _yaml(REPO / "dagster.yaml")
    rendered = _helm_instance(values)
    assert rendered["concurrency"] == repo["concurrency"]
    assert rendered["retention"] == repo["retention"]
    for key, value in rendered["run_monitoring"].items():
        assert repo["run_monitoring"][key] == value, key
    # the chart fails on the run limits in both places; they live under `concurrency`
    queued = values["dagsterDaemon"]["runCoordinator"].get("config", {}).get("queuedRunCoordinator", {})
    assert "maxConcurrentRuns" not in queued and not queued.get("tagConcurrencyLimits")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"


def test_helm_instance_validates_and_runs_on_postgres(tmp_path, monkeypatch, postgres):
    rendered = _helm_instance(_values())
    dagster_instance_config(str(_write_instance(tmp_path / "as_is", rendered)))

    # the same instance against the throwaway PostgreSQL (host, port, user and database are
    # the cluster's; the password comes from the environment, as from the chart's secret)
    local = copy.deepcopy(rendered)
    for key in ("run_storage", "event_log_storage", "schedule_storage"):
        local[key]["config"]["postgres_db"].update(
            hostname=postgres.host, port=postgres.port, username=postgres.user, db_name=postgres.db
        )
    local["run_launcher"] = {"module": "dagster", "class": "DefaultRunLauncher"}
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", postgres.password)
    with dg.DagsterInstance.from_config(str(_write_instance(tmp_path / "local", local))) as instance:
        _assert_production_instance(instance)


def test_helm_run_launcher_config_with_dagster_k8s():
    dagster_k8s = pytest.importorskip(
        "dagster_k8s", reason="dagster-k8s is the optional `deploy` extra; pip install '.[deploy]'"
    )
    config = _helm_instance(_values())["run_launcher"]["config"]
    result = validate_config(dagster_k8s.K8sRunLauncher.config_type(), config)
    assert result.success, [error.message for error in result.errors]
    # the run pods' spec as dagster-k8s builds it: an unknown key (a typo) is refused there
    import kubernetes
    from dagster_k8s.models import k8s_model_from_dict

    pod_spec = config["run_k8s_config"]["pod_spec_config"]
    spec = k8s_model_from_dict(kubernetes.client.V1PodSpec, {**pod_spec, "containers": []})
    assert spec.security_context.run_as_user == spec.security_context.fs_group == 10001


def test_helm_user_deployment_runs_the_image_entry_point():
    deployment = _deployment()
    assert _arg(deployment["dagsterApiGrpcArgs"], "-m") == _arg(_image_cmd(), "-m")
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True  # runs get env, secrets, volumes
    assert deployment["image"]["tag"] not in ("latest", "", None)
    image_user = [rest for word, rest in _dockerfile() if word == "USER"][-1]
    security = deployment["podSecurityContext"]
    assert security["runAsNonRoot"] is True
    assert str(security["runAsUser"]) == str(security["fsGroup"]) == image_user
    # and the run pods, which do not inherit the deployment's pod security context
    runs = _values()["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["podSpecConfig"]["security_context"]
    assert runs["run_as_non_root"] is True
    assert str(runs["run_as_user"]) == str(runs["fs_group"]) == image_user


def _manifests() -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in _yaml_all(HELM_DIR / "secrets.example.yaml")}


def test_helm_values_name_the_readme_variables_and_hold_no_secret():
    values = _values()
    deployment = _deployment()
    manifests = _manifests()

    inline = {entry["name"]: entry for entry in deployment["env"]}
    assert not set(inline) & _SECRET_VARS
    assert all("value" in entry and not entry.get("valueFrom") for entry in inline.values())
    from_secrets = set()
    for ref in deployment["envSecrets"]:
        secret = manifests[("Secret", ref["name"])]
        assert all(value == "" for value in secret["stringData"].values())
        from_secrets |= set(secret["stringData"])
    assert not set(inline) & from_secrets
    assert set(inline) | from_secrets == CONNECTOR_VARS

    # DAGSTER_PG_*: the chart takes them as postgresql.* and its password Secret
    pg = values["postgresql"]
    assert {"postgresqlHost", "postgresqlUsername", "postgresqlDatabase"} <= set(pg) and pg["service"]["port"]
    assert "postgresqlPassword" not in pg, "the password only ever in the Secret"
    assert values["generatePostgresqlPasswordSecret"] is False
    pg_secret = manifests[("Secret", values["global"]["postgresqlSecretName"])]
    assert set(pg_secret["stringData"]) == {"postgresql-password"}

    # no password or token anywhere in the values
    def leaves(node, path=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from leaves(value, (*path, str(key)))
        elif isinstance(node, list):
            for item in node:
                yield from leaves(item, path)
        else:
            yield path, node

    for path, value in leaves(values):
        if re.search(r"(?i)password|token", path[-1]):
            assert not isinstance(value, str) or not value, path
    assert all(not re.search(r"(?i)password|token", e["name"]) for e in deployment["env"])


def test_helm_volumes_match_the_image_paths(tmp_path):
    deployment = _deployment()
    manifests = _manifests()
    volumes = {volume["name"]: volume for volume in deployment["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in deployment["volumeMounts"]}

    landing = volumes[mounts[_dockerfile_env()["PROCUROS_DAGSTER_LANDING_DIR"]]]
    assert ("PersistentVolumeClaim", landing["persistentVolumeClaim"]["claimName"]) in manifests

    settings_path = Path({e["name"]: e["value"] for e in deployment["env"]}["PROCUROS_DAGSTER_SETTINGS"])
    config_map = volumes[mounts[str(settings_path.parent)]]["configMap"]["name"]
    data = manifests[("ConfigMap", config_map)]["data"]
    assert settings_path.name in data
    from procuros_dagster.settings import load_settings

    settings_file = tmp_path / settings_path.name
    settings_file.write_text(data[settings_path.name])
    load_settings(settings_file)  # the example settings are valid
