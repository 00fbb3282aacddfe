"""Connection settings from the environment and the validated YAML settings file."""

import dataclasses
import json
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

from procuros_dagster.movements import MOVEMENT_NAMES
from procuros_dagster.settings import (
    ConfigError,
    ConnectionSettings,
    Integration,
    Secret,
    Settings,
    SettingsError,
    UnknownIntegration,
    is_valid_gln,
    load_settings,
    parse_settings,
    validate_cron,
)

REPO = Path(__file__).resolve().parent.parent
GLN = "4098765000010"

FULL_ENV = {
    "PROCUROS_API_URL": "https://api.procuros-staging.io/",
    "PROCUROS_API_TOKEN": "tok-s3cret",
    "PROCUROS_GLN": GLN,
    "ODOO_URL": "http://127.0.0.1:8069",
    "ODOO_DB": "procuros",
    "ODOO_USERNAME": "admin",
    "ODOO_PASSWORD": "pw-s3cret",
    "PROCUROS_DAGSTER_SETTINGS": "/etc/procuros/settings.yaml",
}


def write(tmp_path, text, name="settings.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(data):
    with pytest.raises(SettingsError) as exc:
        parse_settings(data, "settings.yaml")
    return exc.value.problems


# --------------------------------------------------------------------- environment


def test_from_env_reads_every_variable_and_hides_secrets():
    conn = ConnectionSettings.from_env(FULL_ENV)
    assert conn.procuros_api_url == "https://api.procuros-staging.io"  # trailing slash dropped
    assert conn.procuros_gln == GLN
    assert conn.odoo_url == "http://127.0.0.1:8069"
    assert (conn.odoo_db, conn.odoo_username) == ("procuros", "admin")
    assert conn.settings_path == "/etc/procuros/settings.yaml"
    assert conn.procuros_api_token.get() == "tok-s3cret"
    assert conn.odoo_password.get() == "pw-s3cret"
    for shown in (repr(conn), str(conn), f"{conn.odoo_password}", str(conn.procuros_api_token)):
        assert "s3cret" not in shown
    assert repr(conn.odoo_password) == str(conn.odoo_password) == "***"
    with pytest.raises(dataclasses.FrozenInstanceError):
        conn.odoo_db = "other"


def test_from_env_defaults_and_empty_values():
    conn = ConnectionSettings.from_env({"ODOO_DB": "  ", "PROCUROS_API_TOKEN": ""})
    assert conn.procuros_api_url == "https://api.procuros.io"
    assert conn.odoo_db is None and conn.procuros_api_token is None


def test_secret_equality_without_exposure():
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert not Secret("") and Secret("x")


def test_require_lists_every_missing_variable_by_name_only():
    conn = ConnectionSettings.from_env({"PROCUROS_API_TOKEN": "tok-s3cret", "ODOO_URL": "https://erp.example.com"})
    assert conn.require("PROCUROS_API_TOKEN", "ODOO_URL") is conn
    with pytest.raises(ConfigError) as exc:
        conn.require("PROCUROS_API_TOKEN", "ODOO_DB", "ODOO_PASSWORD", "PROCUROS_GLN")
    assert exc.value.problems == [
        "ODOO_DB is not set",
        "ODOO_PASSWORD is not set",
        "PROCUROS_GLN is not set",
    ]
    assert "s3cret" not in str(exc.value) and "erp.example.com" not in str(exc.value)
    # no names: every connection variable except the optional settings path
    with pytest.raises(ConfigError) as exc:
        ConnectionSettings.from_env({}).require()
    assert len(exc.value.problems) == 6  # PROCUROS_API_URL has a default
    ConnectionSettings.from_env({k: v for k, v in FULL_ENV.items() if k != "PROCUROS_DAGSTER_SETTINGS"}).require()
    with pytest.raises(ValueError, match="unknown setting names"):
        conn.require("ODOO_PASWORD")


def test_from_env_collects_all_format_errors_without_leaking_credentials():
    env = {
        "PROCUROS_GLN": "4098765000011",  # wrong check digit
        "ODOO_URL": "erp.example.com",  # no scheme
        "PROCUROS_API_URL": "https://user:hunter2@:443",  # no host, credentials
        "PROCUROS_API_TOKEN": "tok-s3cret",
    }
    with pytest.raises(ConfigError) as exc:
        ConnectionSettings.from_env(env)
    text = str(exc.value)
    assert len(exc.value.problems) == 3
    assert "PROCUROS_GLN: '4098765000011' is not a valid GLN" in text
    assert "ODOO_URL: 'erp.example.com' is not a valid URL" in text
    assert "PROCUROS_API_URL" in text and "hunter2" not in text and "s3cret" not in text


@pytest.mark.parametrize(
    "value, ok",
    [(GLN, True), ("4000001000005", True), ("4098765000011", False), ("409876500001", False),
     ("40987650000100", False), ("409876500001a", False), ("", False)],
)  # fmt: skip
def test_gln_check_digit(value, ok):
    assert is_valid_gln(value) is ok


# --------------------------------------------------------------------- settings file: defaults


def test_no_file_no_variable_means_defaults():
    s = load_settings(environ={})
    assert s == Settings()
    assert s.integration_name == "Procuros Connector" and s.company is None
    assert s.schedules.timezone == "Europe/Berlin" and s.schedules.export_invoices == "0 7 * * *"
    assert s.sensors.procuros_queue_interval_seconds == 30 and s.sensors.enabled is True
    assert s.test_flow == "import" and dict(s.uom_codes) == {}
    assert s.partitions.start_date == date(2026, 1, 1)
    assert s.odoo.chunk_size == 200
    assert (s.procuros.page_size, s.procuros.timeout_seconds, s.procuros.max_retry_seconds) == (100, 30, 120)
    assert s.procuros.send_concurrency == 4


def test_empty_file_and_empty_sections_mean_defaults(tmp_path):
    assert load_settings(write(tmp_path, "")) == Settings()
    assert load_settings(write(tmp_path, "# only a comment\n")) == Settings()
    assert load_settings(write(tmp_path, "sales_defaults:\nschedules:\nuom_codes:\n")) == Settings()


def test_path_from_environment_variable(tmp_path):
    path = write(tmp_path, "test_flow: skip\n")
    assert load_settings(environ={"PROCUROS_DAGSTER_SETTINGS": str(path)}).test_flow == "skip"


def test_valid_values_are_parsed(tmp_path):
    path = write(
        tmp_path,
        """
        integration_name: Acme EDI
        company: base.main_company
        sales_defaults: {warehouse: stock.warehouse0, payment_terms: "30 Days"}
        purchase_defaults: {picking_type: stock.picking_type_in}
        schedules:
          timezone: UTC
          import_sales_orders: "*/15 6-18 * * mon-fri"
          export_invoices: "0,30 7 1-15/2 jan,jul 1-5"
          export_credit_notes: "@daily"
        sensors: {enabled: false, odoo_exports_interval_seconds: 300}
        uom_codes: {uom.product_uom_kgm: KGM, Units: EA}
        test_flow: reject
        partitions: {start_date: 2025-12-01}
        odoo: {chunk_size: 50}
        procuros: {page_size: 25, timeout_seconds: 7.5, max_retry_seconds: 0, send_concurrency: 1}
        """,
    )
    s = load_settings(path)
    assert s.integration_name == "Acme EDI" and s.company == "base.main_company"
    assert s.sales_defaults.warehouse == "stock.warehouse0" and s.sales_defaults.location is None
    assert s.purchase_defaults.picking_type == "stock.picking_type_in"
    assert s.schedules.import_sales_orders == "*/15 6-18 * * mon-fri"
    assert s.schedules.export_purchase_orders == "0 8 * * *"  # untouched default
    assert s.sensors.enabled is False and s.sensors.procuros_queue_interval_seconds == 30
    assert dict(s.uom_codes) == {"uom.product_uom_kgm": "KGM", "Units": "EA"}
    assert s.test_flow == "reject" and s.partitions.start_date == date(2025, 12, 1)
    assert s.odoo.chunk_size == 50 and s.procuros.timeout_seconds == 7.5 and s.procuros.send_concurrency == 1
    assert s.as_dict()["partitions"] == {"start_date": "2025-12-01"}
    with pytest.raises(TypeError):
        s.uom_codes["x"] = "EA"  # read-only


# --------------------------------------------------------------------- settings file: errors


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        """
        test_flow: maybe
        sales_defaults:
          warehose: WH
        schedules:
          export_invoices: "0 25 * * *"
          import_sales_orders: "0 6 * *"
          export_credit_notes: "*/0 7 * * *"
          export_shipping_notices: "0 6 * foo *"
          import_purchase_documents: "0 9-7 * * *"
          timezone: Mars/Olympus
        sensors:
          procuros_queue_interval_seconds: "30"
          enabled: "yes please"
        odoo: [1, 2]
        procuros: {page_size: 500, timeout_seconds: 0}
        uom_codes: {kg: kgm, Stück: PIECE}
        partitions: {start_date: "first of january"}
        integration_name: ""
        colour: blue
        """,
    )
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    p = str(path)
    expected = [
        f"{p}: test_flow: 'maybe' is not allowed; use one of import, skip, reject",
        f"{p}: sales_defaults.warehose: unknown key; did you mean 'warehouse'?",
        f"{p}: schedules.export_invoices: '0 25 * * *' is not a valid cron expression (hour must be 0-23)",
        f"{p}: schedules.import_sales_orders: '0 6 * *' is not a valid cron expression (expected 5 fields",
        f"{p}: schedules.export_credit_notes: '*/0 7 * * *' is not a valid cron expression (minute: step '0' must be a positive number)",
        f"{p}: schedules.export_shipping_notices: '0 6 * foo *' is not a valid cron expression (month: 'foo' is not a number)",
        f"{p}: schedules.import_purchase_documents: '0 9-7 * * *' is not a valid cron expression (hour: range '9-7' runs backwards)",
        f"{p}: schedules.timezone: 'Mars/Olympus' is not a known IANA time zone",
        f"{p}: sensors.procuros_queue_interval_seconds: '30' is not an integer",
        f"{p}: sensors.enabled: 'yes please' is not allowed; use true or false",
        f"{p}: odoo: [1, 2] is not allowed; expected a mapping",
        f"{p}: procuros.page_size: 500 is out of range; use 1-100",
        f"{p}: procuros.timeout_seconds: 0 is out of range",
        f"{p}: uom_codes.kg: 'kgm' is not a Procuros unit code; did you mean 'KGM'?",
        f"{p}: uom_codes.Stück: 'PIECE' is not a Procuros unit code",
        f"{p}: partitions.start_date: 'first of january' is not a date; use YYYY-MM-DD",
        f"{p}: integration_name: '' is not allowed; use a non-empty text",
        f"{p}: colour: unknown key; allowed keys: integration_name, company,",
    ]
    problems = exc.value.problems
    assert len(problems) == len(expected)
    for line in expected:
        assert any(problem.startswith(line) for problem in problems), line
    assert str(exc.value).startswith(f"18 problems in settings file {p}")
    assert all(line in str(exc.value) for line in problems)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"odoo": {"chunk_size": True}}, "odoo.chunk_size: True is not an integer"),
        ({"odoo": {"chunk_size": 0}}, "odoo.chunk_size: 0 is out of range; use 1 or more"),
        ({"company": 42}, "company: 42 is not allowed; use a non-empty text"),
        ({"sales_defaults": {"warehouse": ["a"]}}, "sales_defaults.warehouse: ['a'] is not allowed"),
        ({"schedules": {"export_invoices": 7}}, "schedules.export_invoices: 7 is not a cron expression"),
        ({"schedules": {"export_invoices": "60 * * * *"}}, "(minute must be 0-59)"),
        ({"schedules": {"export_invoices": "0 0 0 * *"}}, "(day-of-month must be 1-31)"),
        ({"schedules": {"export_invoices": "0 0 * 13 *"}}, "(month must be 1-12)"),
        ({"schedules": {"export_invoices": "0 0 * * 8"}}, "(day-of-week must be 0-7)"),
        ({"procuros": {"max_retry_seconds": -1}}, "procuros.max_retry_seconds: -1 is out of range"),
        ({"procuros": {"send_concurrency": 0}}, "procuros.send_concurrency: 0 is out of range; use 1-16"),
        ({"procuros": {"send_concurrency": 17}}, "procuros.send_concurrency: 17 is out of range; use 1-16"),
        ({"uom_codes": ["EA"]}, "uom_codes: ['EA'] is not allowed; expected a mapping"),
        ({"test_flow": None}, "test_flow: None is not allowed; use one of import, skip, reject"),
    ],
)
def test_wrong_types_and_ranges(data, message):
    problems = problems_of(data)
    assert len(problems) == 1 and message in problems[0], problems


def test_top_level_must_be_a_mapping(tmp_path):
    with pytest.raises(SettingsError, match="must contain a mapping of settings, not a list"):
        load_settings(write(tmp_path, "- a\n- b\n"))


def test_yaml_syntax_error_has_line_number(tmp_path):
    path = write(tmp_path, "test_flow: skip\nschedules:\n  timezone: [UTC\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    (problem,) = exc.value.problems
    assert problem.startswith(f"{path}: YAML syntax error at line 4")


def test_duplicate_keys_are_reported(tmp_path):
    path = write(tmp_path, "test_flow: skip\nodoo:\n  chunk_size: 1\n  chunk_size: 2\ntest_flow: import\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    assert exc.value.problems == [
        f"{path}: odoo.chunk_size: duplicate key (line 4)",
        f"{path}: test_flow: duplicate key (line 5)",
    ]


def test_missing_file_is_an_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SettingsError, match="nope.yaml: file not found"):
        load_settings(missing)
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(environ={"PROCUROS_DAGSTER_SETTINGS": str(missing)})


def test_validate_cron():
    for ok in ("0 6 * * *", "*/5 * * * *", "0 0 1,15 * 0", "0 0 * * 7", "5-10/2 * * DEC sun", "@hourly"):
        assert validate_cron(ok) is None, ok
    assert validate_cron("0 6 * * * *").startswith("expected 5 fields")


# --------------------------------------------------------------------- example file


def test_example_file_loads_and_equals_defaults():
    path = REPO / "settings.example.yaml"
    assert load_settings(path) == Settings()


def test_example_file_shows_every_key():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict) and k != "uom_codes":
                out |= keys(v, prefix + k + ".")
        return out

    example = yaml.safe_load((REPO / "settings.example.yaml").read_text())
    assert keys(example) == keys(Settings().as_dict())


# --------------------------------------------------------------------- integrations

GLN_DE, GLN_AT = "4012345000009", "4000001000005"
TWO_INTEGRATIONS = """
    integration_name: Procuros Connector
    company: ACME Holding
    test_flow: skip
    integrations:
      acme_de:
        connector: "Procuros DE"
        company: "ACME GmbH"
        gln: "4012345000009"
        token_env: PROCUROS_TOKEN_DE
        status: active
        movements: [invoices, sales_orders, shipping_notices, credit_notes]
        test_flow: reject
      acme_at:
        connector: "  Procuros AT "
        gln_env: PROCUROS_GLN_AT
        token_env: PROCUROS_TOKEN_AT
        status: test
    """


def test_a_file_without_integrations_has_one_implicit_integration_with_todays_values(tmp_path):
    legacy = load_settings(write(tmp_path, "integration_name: Acme EDI\ncompany: base.main_company\ntest_flow: reject\n"))
    assert legacy.integrations == (
        Integration(
            key="default", connector="Acme EDI", company="base.main_company", gln=None,
            token_env="PROCUROS_API_TOKEN", gln_env="PROCUROS_GLN", status="active",
            movements=tuple(MOVEMENT_NAMES), test_flow="reject", implicit=True,
        ),
    )  # fmt: skip
    (only,) = legacy.integrations
    assert only.prefix == "" and legacy.integration("default") is only
    assert set(only.movements) == set(MOVEMENT_NAMES)  # order-to-cash and purchase-to-pay
    # the all-defaults settings, and an empty `integrations:` (as in the example file), alike
    (default,) = Settings().integrations
    assert (default.connector, default.company, default.test_flow, default.implicit) == ("Procuros Connector", None, "import", True)
    assert load_settings(write(tmp_path, "integrations:\n")) == Settings()
    # the implicit integration follows the top-level values, also through dataclasses.replace
    assert dataclasses.replace(legacy, test_flow="skip").integration("default").test_flow == "skip"
    # it reads the same variables as ConnectionSettings
    conn = ConnectionSettings.from_env(FULL_ENV)
    assert only.token(FULL_ENV) == conn.procuros_api_token and only.own_gln(FULL_ENV) == conn.procuros_gln == GLN
    assert legacy.as_dict()["integrations"] == [
        {"key": "default", "connector": "Acme EDI", "company": "base.main_company", "gln": None,
         "token_env": "PROCUROS_API_TOKEN", "gln_env": "PROCUROS_GLN", "status": "active",
         "movements": list(MOVEMENT_NAMES), "test_flow": "reject", "implicit": True}
    ]  # fmt: skip


def test_two_integrations_parse(tmp_path):
    s = load_settings(write(tmp_path, TWO_INTEGRATIONS))
    de, at = s.integrations
    assert de == Integration(
        key="acme_de", connector="Procuros DE", company="ACME GmbH", gln=GLN_DE, token_env="PROCUROS_TOKEN_DE",
        status="active", movements=("sales_orders", "shipping_notices", "invoices", "credit_notes"),  # registry order
        test_flow="reject",
    )  # fmt: skip
    assert (at.key, at.connector, at.company, at.gln, at.gln_env) == ("acme_at", "Procuros AT", "ACME Holding", None, "PROCUROS_GLN_AT")
    assert at.status == "test" and at.movements == tuple(MOVEMENT_NAMES) and at.test_flow == "skip"  # top-level defaults
    assert (de.prefix, at.prefix) == ("acme_de", "acme_at")
    assert s.integration("acme_at") is at
    with pytest.raises(UnknownIntegration, match="no integration 'nordic' in the settings; known: acme_de, acme_at"):
        s.integration("nordic")
    with pytest.raises(KeyError, match="did you mean 'acme_de'"):
        s.integration("acme_dee")
    # run metadata: plain data, variable names only
    dumped = s.as_dict()["integrations"]
    assert [i["key"] for i in dumped] == ["acme_de", "acme_at"] and dumped[0]["token_env"] == "PROCUROS_TOKEN_DE"
    assert json.loads(json.dumps(s.as_dict(), default=str))["integrations"] == dumped
    assert hash(de) == hash(dataclasses.replace(de))  # frozen and hashable
    with pytest.raises(dataclasses.FrozenInstanceError):
        de.status = "inactive"


def test_a_single_declared_integration_defaults_to_the_top_level_values():
    s = parse_settings({"integration_name": "Acme EDI", "company": "ACME", "test_flow": "reject", "integrations": {"acme": None}})
    (acme,) = s.integrations
    assert (acme.key, acme.connector, acme.company, acme.token_env, acme.gln_env) == ("acme", "Acme EDI", "ACME", "PROCUROS_API_TOKEN", "PROCUROS_GLN")
    assert acme.test_flow == "reject" and acme.prefix == "acme" and not acme.implicit


def test_every_integration_problem_is_reported_at_once_with_its_path(tmp_path):
    path = write(
        tmp_path,
        """
        integrations:
          Acme-DE: {connector: X}
          acme_de:
            connector: Procuros DE
            gln: "4012345000008"
            token_env: PROCUROS_TOKEN_DE
            status: live
            movements: [sales_orders, invoice, sales_orders]
            test_flow: maybe
            compnay: ACME GmbH
          acme_at:
            gln: 4012345000009
            token_env: PROCUROS_TOKEN_AT
          acme_ch: {connector: Procuros CH, gln: "4012345000009", gln_env: GLN_CH, token_env: T_CH, movements: []}
          acme_fr: {connector: " procuros fr ", gln: "4012345000009", token_env: T_FR}
          acme_nl: {connector: PROCUROS FR, token_env: T_FR, gln_env: GLN_NL}
          acme_be: {connector: Procuros BE, token_env: T_BE}
          acme_lu: {connector: Procuros LU, token_env: T_LU}
          a_key_that_is_much_too_long_for_dagster: {connector: Long}
        """,
    )
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    p = str(path)
    expected = [
        f"{p}: integrations.Acme-DE: 'Acme-DE' is not a valid integration key; use lowercase letters, digits and _, "
        "starting with a letter, at most 30 characters (it prefixes asset keys and job names), e.g. 'acme_de'",
        f"{p}: integrations.acme_de.compnay: unknown key; did you mean 'company'?",
        f"{p}: integrations.acme_de.gln: '4012345000008' is not a valid GLN (13 digits with a GS1 check digit)",
        f"{p}: integrations.acme_de.status: 'live' is not allowed; use one of inactive, test, active",
        f"{p}: integrations.acme_de.movements: 'invoice' is not a movement; did you mean 'invoices'?",
        f"{p}: integrations.acme_de.movements: 'sales_orders' is listed twice",
        f"{p}: integrations.acme_de.test_flow: 'maybe' is not allowed; use one of import, skip, reject",
        f"{p}: integrations.acme_at.gln: 4012345000009 is a number; quote the GLN",
        f"{p}: integrations.acme_at.connector: missing; with several integrations each needs its connector",
        f"{p}: integrations.acme_ch.movements: [] is not allowed; use a list of movements (sales_orders,",
        f"{p}: integrations.acme_ch.gln_env: give either gln or gln_env, not both",
        f"{p}: integrations.acme_nl.connector: 'PROCUROS FR' is also the connector of integration 'acme_fr' "
        "(compared ignoring case)",
        f"{p}: integrations.acme_nl.token_env: 'T_FR' is also the token of integration 'acme_fr'",
        f"{p}: integrations.acme_lu.gln_env: 'PROCUROS_GLN' also holds the GLN of integration 'acme_be'",
        f"{p}: integrations.a_key_that_is_much_too_long_for_dagster: 'a_key_that_is_much_too_long_for_dagster' "
        "is not a valid integration key",
    ]
    problems = exc.value.problems
    for line in expected:
        assert any(problem.startswith(line) for problem in problems), (line, problems)
    assert len(problems) == len(expected), problems
    assert str(exc.value).startswith(f"{len(expected)} problems in settings file {p}")


def test_duplicate_glns_and_connectors_across_integrations():
    problems = problems_of({"integrations": {
        "a": {"connector": "Procuros", "gln": GLN_DE},
        "b": {"connector": " procuros ", "gln": GLN_DE, "token_env": "T_B"},
    }})  # fmt: skip
    assert problems == [
        "settings.yaml: integrations.b.connector: 'procuros' is also the connector of integration 'a' (compared "
        "ignoring case); each partner's Procuros Connector must route to exactly one integration",
        f"settings.yaml: integrations.b.gln: '{GLN_DE}' is also the GLN of integration 'a'; each integration has its own GLN",
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"integrations": {}}, "integrations: no integration given; declare at least one, or remove the key"),
        ({"integrations": ["acme_de"]}, "integrations: ['acme_de'] is not allowed; expected a mapping of integration key"),
        ({"integrations": {"acme": "Procuros DE"}}, "integrations.acme: 'Procuros DE' is not allowed; expected a mapping"),
        ({"integrations": {1: {}}}, "integrations.1: key 1 is not text"),
        ({"integrations": {"acme": {"movements": "invoices"}}}, "integrations.acme.movements: 'invoices' is not allowed; use a list"),
        ({"integrations": {"acme": {"gln_env": "no such"}}}, "integrations.acme.gln_env: 'no such' is not an environment variable name"),
        ({"integrations": {"acme": {"connector": ""}}}, "integrations.acme.connector: '' is not allowed; use a non-empty text"),
        ({"integrations": {"acme": {"status": True}}}, "integrations.acme.status: True is not allowed; use one of inactive, test, active"),
        ({"integrations": {"9acme": {}}}, "integrations.9acme: '9acme' is not a valid integration key;"),
        ({"integrations": {"acme": {"movements": ["sales_order"]}}}, "'sales_order' is not a movement; did you mean 'sales_orders'?"),
    ],
)
def test_integration_wrong_types(data, message):
    problems = problems_of(data)
    assert len(problems) == 1 and message in problems[0], problems


def test_secrets_in_integrations_are_refused_without_echo():
    problems = problems_of({"integrations": {"acme": {
        "token": "tok-s3cret", "api_token": "tok-s3cret", "token_env": "tok-s3cret-as-a-name",
    }}})  # fmt: skip
    assert problems == [
        "settings.yaml: integrations.acme.token: secrets do not belong in the settings file; use token_env: NAME "
        "(the environment variable holding its Procuros API token)",
        "settings.yaml: integrations.acme.api_token: secrets do not belong in the settings file; use token_env: NAME "
        "(the environment variable holding its Procuros API token)",
        "settings.yaml: integrations.acme.token_env: the value is not an environment variable name (letters, digits "
        "and _, e.g. PROCUROS_TOKEN_DE); it is not shown in case it is the token itself",
    ]
    with pytest.raises(SettingsError) as exc:
        parse_settings({"integrations": {"acme": {"token": "tok-s3cret", "token_env": "tok s3cret"}}})
    assert "s3cret" not in str(exc.value)


def test_token_and_own_gln_come_from_the_given_environment_and_never_show_a_value(tmp_path):
    de, at = load_settings(write(tmp_path, TWO_INTEGRATIONS)).integrations
    env = {"PROCUROS_TOKEN_DE": " tok-de-s3cret ", "PROCUROS_TOKEN_AT": "tok-at-s3cret", "PROCUROS_GLN_AT": GLN_AT,
           "PROCUROS_API_TOKEN": "tok-other", "PROCUROS_GLN": GLN}  # fmt: skip
    assert de.token(env).get() == "tok-de-s3cret" and at.token(env).get() == "tok-at-s3cret"
    assert repr(de.token(env)) == "***"
    assert de.own_gln(env) == GLN_DE  # the gln setting wins over any variable
    assert at.own_gln(env) == GLN_AT
    with pytest.raises(ConfigError) as exc:
        de.token({"PROCUROS_API_TOKEN": "tok-s3cret", "PROCUROS_TOKEN_DE": "  "})
    assert exc.value.problems == ["PROCUROS_TOKEN_DE is not set (the Procuros API token of integration 'acme_de')"]
    assert "s3cret" not in str(exc.value)
    with pytest.raises(ConfigError) as exc:
        at.own_gln({"PROCUROS_TOKEN_AT": "tok-s3cret", "PROCUROS_GLN": GLN})
    assert exc.value.problems == [
        "PROCUROS_GLN_AT is not set (our own GLN of integration 'acme_at'; or set integrations.acme_at.gln in the settings file)"
    ]
    with pytest.raises(ConfigError) as exc:
        at.own_gln({"PROCUROS_TOKEN_AT": "tok-s3cret", "PROCUROS_GLN_AT": "4000001000006"})
    assert exc.value.problems == ["PROCUROS_GLN_AT: '4000001000006' is not a valid GLN (13 digits with a GS1 check digit)"]
    assert "s3cret" not in str(exc.value)
    # the implicit integration says it in today's words
    (default,) = Settings().integrations
    with pytest.raises(ConfigError) as exc:
        default.token({})
    assert exc.value.problems == ["PROCUROS_API_TOKEN is not set (the Procuros API token)"]
    with pytest.raises(ConfigError) as exc:
        default.own_gln({})
    assert exc.value.problems == ["PROCUROS_GLN is not set (our own GLN)"]


@pytest.mark.parametrize(
    "status, test_flow, live, test",
    [
        ("inactive", "import", False, False),
        ("test", "import", False, True),
        ("test", "reject", False, True),  # a test integration takes TEST transactions whatever test_flow says
        ("active", "import", True, True),
        ("active", "skip", True, False),
        ("active", "reject", True, False),
    ],
)
def test_is_on_and_accepts_flow_by_status(status, test_flow, live, test):
    integration = Integration("acme", "Procuros", status=status, movements=("sales_orders", "invoices"), test_flow=test_flow)
    assert (integration.accepts_flow("LIVE"), integration.accepts_flow("TEST")) == (live, test)
    assert integration.is_on("sales_orders") is integration.is_on("invoices") is (status != "inactive")
    assert integration.is_on("credit_notes") is False
    with pytest.raises(ValueError, match="unknown movement 'invoice'"):
        integration.is_on("invoice")
    with pytest.raises(ValueError, match="unknown transaction flow 'live'"):
        integration.accepts_flow("live")


def test_integrations_built_in_code_are_checked():
    with pytest.raises(ValueError, match="integration 'x': unknown status='on'"):
        Integration("x", "Procuros", status="on")
    with pytest.raises(ValueError, match="movement 'invoice'"):
        Integration("x", "Procuros", movements=["invoice"])
    assert Integration("x", "Procuros", movements=["invoices"]).movements == ("invoices",)
    # declared integrations are kept as given; none means the implicit one
    acme = Integration("acme", "Procuros")
    assert Settings(integrations=[acme]).integrations == (acme,)
    assert Settings(integrations=()).integrations[0].implicit


def test_readme_example_of_several_integrations_loads(tmp_path):
    readme = (REPO / "README.md").read_text()
    example = readme.split("#### Several integrations", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    de, at = load_settings(write(tmp_path, example)).integrations
    assert (de.company, de.gln, de.test_flow) == ("ACME GmbH", "4012345000009", "reject")
    assert (at.company, at.gln_env, at.status) == ("ACME Austria GmbH", "PROCUROS_GLN_AT", "test")


def test_gs1_company_prefix_is_quoted_digits(tmp_path):
    assert load_settings(write(tmp_path, 'gs1_company_prefix: "4098765"\n')).gs1_company_prefix == "4098765"
    for text, words in (("gs1_company_prefix: 4098765\n", 'is a number; quote the GS1 company prefix ("4098765")'),
                        ('gs1_company_prefix: "40987"\n', "is not a GS1 company prefix; use the 6 to 12 digits")):
        with pytest.raises(SettingsError) as exc:
            load_settings(write(tmp_path, text))
        assert "settings.yaml: gs1_company_prefix: " in str(exc.value.problems) and words in str(exc.value.problems)
