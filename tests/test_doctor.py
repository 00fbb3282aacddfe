"""`procuros-dagster doctor` against both sandboxes: a clean setup passes, each planted problem is
reported with its fix and fails the command, warnings do not, and no secret is ever printed."""

from __future__ import annotations

import pytest

from procuros_dagster.cli import main
from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.odoo.setup import provision
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox.stack import sandbox_stack

CONNECTOR_LOGIN, CONNECTOR_PASSWORD = "procuros-connector", "connector-password-77c1"


@pytest.fixture()
def stack():
    with sandbox_stack() as s:
        yield s


@pytest.fixture()
def seeded(stack):
    gateway, master = stack.seed()
    stack.admin, stack.master = gateway, master
    return stack


@pytest.fixture()
def doctor(monkeypatch, capsys):
    """Run the command as an operator would: the environment of the stack, plus overrides."""

    def run(stack, **env: str) -> tuple[int, str]:
        monkeypatch.delenv("PROCUROS_DAGSTER_SETTINGS", raising=False)
        for key, value in {**stack.env, **env}.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        code = main(["doctor"])
        captured = capsys.readouterr()
        out = captured.out + captured.err
        for secret in (stack.token, stack.password, *(v for k, v in env.items() if v and k in
                                                       ("PROCUROS_API_TOKEN", "ODOO_PASSWORD"))):
            assert secret not in out, "a secret was printed"
        return code, out

    return run


def _lines(out: str, level: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith(level)]


def _fix_after(out: str, text: str) -> str:
    """The fix line printed under the finding that contains ``text``."""
    lines = out.splitlines()
    i = next(i for i, line in enumerate(lines) if text in line)
    assert lines[i + 1].strip().startswith("fix: "), lines[i:i + 2]
    return lines[i + 1].strip()


def _integration_user(stack, *, with_group: bool) -> None:
    [(_, internal)] = stack.admin.xmlids(["base.group_user"]).values()
    stack.admin.create("res.users", [{"name": "Procuros Connector", "login": CONNECTOR_LOGIN,
                                      "password": CONNECTOR_PASSWORD, "groups_id": [[6, 0, [internal]]]}])
    if with_group:
        provision(stack.admin, connector_user=CONNECTOR_LOGIN)


# --- a clean setup --------------------------------------------------------------------------------

def test_a_clean_seeded_setup_passes_with_the_administrator_warning(seeded, doctor):
    code, out = doctor(seeded)
    assert code == 0, out
    assert not _lines(out, "PROBLEM")
    assert "accepted the token" in out and "Odoo 17.0" in out and "logged in as 'admin'" in out
    assert "the connector's fields are in Odoo" in out
    assert "3 sellable product(s): every barcode a valid, unique GTIN" in out
    assert "3 Procuros partner(s) and address(es): every GLN valid and unique" in out
    [warning] = _lines(out, "warning")
    assert "runs as an administrator" in warning
    assert "least-privilege user" in _fix_after(out, "runs as an administrator")
    assert out.rstrip().endswith("no problems, 1 warning(s): the connector is ready to run.")


def test_the_least_privilege_user_passes_without_warnings(seeded, doctor):
    _integration_user(seeded, with_group=True)
    code, out = doctor(seeded, ODOO_USERNAME=CONNECTOR_LOGIN, ODOO_PASSWORD=CONNECTOR_PASSWORD)
    assert code == 0, out
    assert not _lines(out, "PROBLEM") and not _lines(out, "warning")
    assert f"the Odoo user '{CONNECTOR_LOGIN}' may read and create the connector's bindings" in out


def test_a_user_without_the_connector_group_is_told_how_to_get_it(seeded, doctor):
    _integration_user(seeded, with_group=False)
    code, out = doctor(seeded, ODOO_USERNAME=CONNECTOR_LOGIN, ODOO_PASSWORD=CONNECTOR_PASSWORD)
    assert code == 1
    [rights] = [line for line in _lines(out, "PROBLEM") if "rights:" in line]
    assert "may not: read ir.model.data, create ir.model.data, read ir.model.fields" in rights
    assert any(f"setup: cannot check the connector's fields: '{CONNECTOR_LOGIN}' may not read ir.model.fields" in p
               for p in _lines(out, "PROBLEM"))
    # a bare internal user also lacks what the group implies (Sales / User and the others)
    assert "create sale.order, write sale.order, read stock.picking, read account.move" in rights
    assert "read res.partner" not in rights  # every internal user may
    assert f"setup-odoo --connector-user {CONNECTOR_LOGIN}" in _fix_after(out, "may not:")
    assert "Procuros connector" in _fix_after(out, "may not:")


# --- Procuros -----------------------------------------------------------------------------------

def test_a_refused_token_is_reported_and_never_printed(seeded, doctor):
    code, out = doctor(seeded, PROCUROS_API_TOKEN="wrong-token-3f9a2c")
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert "Procuros: the token was refused" in problem and "HTTP 401" in problem
    assert "PROCUROS_API_TOKEN" in _fix_after(out, "the token was refused")
    assert "logged in as 'admin'" in out, "the Odoo checks still run"


# --- environment and settings ---------------------------------------------------------------------

def test_missing_and_invalid_variables_are_each_named(seeded, doctor):
    code, out = doctor(seeded, ODOO_PASSWORD=None, PROCUROS_GLN="4012345000000")
    assert code == 1
    problems = _lines(out, "PROBLEM")
    assert any("ODOO_PASSWORD is not set" in p for p in problems)
    assert any("PROCUROS_GLN: '4012345000000' is not a valid GLN" in p for p in problems)
    assert "accepted the token" in out, "what can be checked still is"
    assert "logged in" not in out


def test_an_invalid_settings_file_is_reported_with_the_key(seeded, doctor, tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("schedules:\n  export_invoices: '0 25 * * *'\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path))
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert "schedules.export_invoices: '0 25 * * *' is not a valid cron expression" in problem
    assert "correct the settings file" in _fix_after(out, "export_invoices")


# --- Odoo: apps and setup ------------------------------------------------------------------------

def _uninstall(stack, *names: str) -> None:
    """A database where these apps were never installed (the module list says so)."""
    for module in stack.odoo.db.tables["ir.module.module"].values():
        if module["name"] in names:
            module["state"] = "uninstalled"


def test_a_missing_app_is_a_problem_and_purchase_only_a_warning(seeded, doctor):
    _uninstall(seeded, "sale_stock", "purchase")
    code, out = doctor(seeded)
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert "'Sales and Warehouse Management' (sale_stock) is not installed" in problem
    assert "install 'Sales and Warehouse Management'" in _fix_after(out, "(sale_stock)")
    assert any("'Purchase' (purchase) is not installed: purchase-to-pay will need it" in w
               for w in _lines(out, "warning"))


def test_purchase_missing_alone_does_not_fail(seeded, doctor):
    _uninstall(seeded, "purchase")
    code, out = doctor(seeded)
    assert code == 0, out
    assert len(_lines(out, "warning")) == 2  # purchase, and the administrator


def test_an_odoo_without_the_connector_setup_is_told_to_run_it(stack, doctor):
    code, out = doctor(stack)  # sandboxes up, nothing provisioned
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert "lacks the Procuros fields" in problem and "x_procuros_unit_code" in problem
    assert "procuros-dagster setup-odoo" in _fix_after(out, "lacks the Procuros fields")


# --- master data -----------------------------------------------------------------------------------

def test_a_gln_used_by_two_partners_is_reported(seeded, doctor):
    seeded.admin.create("res.partner", [{"name": "Rheinland Doppelt KG", "is_company": True, "ref": dd.BUYER_GLN}])
    code, out = doctor(seeded)
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert f"GLN {dd.BUYER_GLN} is used by 2 partners: 'Kaufhaus Rheinland AG', 'Rheinland Doppelt KG'" in problem
    assert "keep it on one contact" in _fix_after(out, f"GLN {dd.BUYER_GLN}")


def test_a_bad_check_digit_and_a_short_gln_are_reported(seeded, doctor):
    wrong = dd.BUYER_GLN[:12] + str((int(dd.BUYER_GLN[12]) + 1) % 10)
    seeded.admin.write("res.partner", [seeded.master.buyer_id], {"ref": wrong})
    seeded.admin.write("res.partner", [seeded.master.ship_to_id], {"ref": dd.SHIP_TO_GLN[:12]})
    code, out = doctor(seeded)
    assert code == 1
    problems = _lines(out, "PROBLEM")
    assert any(f"'Kaufhaus Rheinland AG': Reference '{wrong}' has a wrong check digit "
               f"({wrong[12]}; the GS1 check digit is {dd.BUYER_GLN[12]})" in p for p in problems)
    assert any(f"'Kaufhaus Rheinland AG, Zentrallager': Reference '{dd.SHIP_TO_GLN[:12]}' is not a GLN: "
               "it has 12 digits" in p or
               f"'Zentrallager': Reference '{dd.SHIP_TO_GLN[:12]}' is not a GLN: it has 12 digits" in p
               for p in problems), problems
    assert "correct the Reference" in _fix_after(out, "wrong check digit")


def test_a_domestic_supplier_with_a_vat_id_and_no_fiscal_position_is_warned_of_reverse_charge(seeded, doctor):
    # transcript 17: Odoo 17 gives such a supplier "Business partner EU (with VAT ID)" and 19% EU on its lines
    suppliers = dd.seed_suppliers(seeded.admin)
    seeded.admin.write("res.partner", [suppliers.supplier_id], {"property_account_position_id": False})
    code, out = doctor(seeded)
    assert code == 0, out
    [warning] = [w for w in _lines(out, "warning") if "supplier" in w]
    assert ("supplier 'Brauerei Weserbergland KG' has a VAT id and no fiscal position: Odoo puts its purchase "
            "orders and bills under 'Business partner EU (with VAT ID)'") in warning
    assert "set its Fiscal Position" in _fix_after(out, "supplier 'Brauerei Weserbergland KG'")
    # as the seed's suppliers are set up (the domestic position): nothing to say
    seeded.admin.write("res.partner", [suppliers.supplier_id], {
        "property_account_position_id": seeded.admin.xmlids([dd.DOMESTIC_POSITION])[dd.DOMESTIC_POSITION][1]})
    assert not [w for w in _lines(doctor(seeded)[1], "warning") if "supplier" in w]


def test_a_procuros_customer_without_gln_is_reported(seeded, doctor):
    seeded.admin.write("res.partner", [seeded.master.buyer_id], {"ref": False})
    code, out = doctor(seeded)
    assert code == 1
    assert any("'Kaufhaus Rheinland AG' has Procuros switches on but no GLN" in p for p in _lines(out, "PROBLEM"))


def test_products_without_barcode_with_an_invalid_or_a_shared_one_are_reported(seeded, doctor):
    unit = seeded.master.uoms["EA"]
    seeded.admin.create("product.product", [
        {"name": "Limonade ohne GTIN", "default_code": "NW-LIM", "uom_id": unit, "uom_po_id": unit},
        {"name": "Tippfehler", "barcode": "4098765000103", "uom_id": unit, "uom_po_id": unit},
        # the same GTIN as Apfelschorle, as a GTIN-14: Odoo accepts it, orders cannot tell them apart
        {"name": "Apfelschorle (Import)", "barcode": "0" + dd.APFELSCHORLE, "uom_id": unit, "uom_po_id": unit},
        {"name": "Nicht verkäuflich", "sale_ok": False, "uom_id": unit, "uom_po_id": unit},
    ])
    code, out = doctor(seeded)
    assert code == 1
    problems = _lines(out, "PROBLEM")
    assert len(problems) == 3, problems
    assert "1 sellable product(s) have no barcode (GTIN): [NW-LIM] Limonade ohne GTIN" in problems[0]
    assert "Nicht verkäuflich" not in out
    assert "enter the product's GTIN as its Barcode" in _fix_after(out, "have no barcode")
    assert "no valid GTIN" in problems[1] and "Tippfehler (4098765000103)" in problems[1]
    assert f"barcode {dd.APFELSCHORLE} is shared by" in problems[2]
    assert f"Apfelschorle (Import) (0{dd.APFELSCHORLE})" in problems[2]
    assert "keep the GTIN on one product" in _fix_after(out, "is shared by")


def test_a_unit_without_procuros_code_is_reported_then_mapped_in_the_settings(seeded, doctor, tmp_path):
    [each] = seeded.admin.read("uom.uom", [seeded.master.uoms["EA"]], ["category_id"])
    [crate] = seeded.admin.create("uom.uom", [{"name": "Kiste", "category_id": each["category_id"][0],
                                               "uom_type": "bigger", "factor_inv": 20.0}])
    seeded.admin.create("product.product", [{"name": "Apfelsaft Kiste", "default_code": "NW-AS-K",
                                             "barcode": with_check_digit("409876500020"),
                                             "uom_id": crate, "uom_po_id": crate}])
    code, out = doctor(seeded)
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert "unit 'Kiste' has no Procuros Unit Type; 1 sellable product(s) use it: [NW-AS-K] Apfelsaft Kiste" in problem
    fix = _fix_after(out, "unit 'Kiste'")
    assert "set Procuros Unit Type on 'Kiste'" in fix and "uom_codes" in fix

    settings = tmp_path / "settings.yaml"
    settings.write_text("uom_codes:\n  Kiste: CS\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(settings))
    assert code == 0, out
    assert "all 2 unit(s) of sellable products have a Procuros unit code" in out

    settings.write_text("uom_codes:\n  Kasten: CS\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(settings))
    assert code == 1
    assert any("settings uom_codes: uom.uom: unknown: 'Kasten'" in p for p in _lines(out, "PROBLEM"))


def test_odoo_is_read_in_batches_whatever_the_catalogue_size(seeded, doctor):
    doctor(seeded)
    before = seeded.odoo.rpc_count
    doctor(seeded)
    small = seeded.odoo.rpc_count - before
    unit = seeded.master.uoms["EA"]
    seeded.admin.create("product.product", [
        {"name": f"Artikel {n}", "barcode": with_check_digit(f"4098765{n:05d}"), "uom_id": unit, "uom_po_id": unit}
        for n in range(100, 400)])
    seeded.admin.create("res.partner", [{"name": f"Kunde {n}", "is_company": True, "x_procuros_send_invoice": True,
                                         "ref": with_check_digit(f"400000{n:06d}")} for n in range(200)])
    before = seeded.odoo.rpc_count
    code, out = doctor(seeded)
    assert code == 0, out
    assert "303 sellable product(s)" in out and "203 Procuros partner(s)" in out
    assert seeded.odoo.rpc_count - before == small


def test_a_secret_a_server_echoed_is_blanked_in_the_report():
    from procuros_dagster.doctor import PROBLEM, Finding, render

    text = render([Finding(PROBLEM, "Odoo", "login failed for\npassword s3cret-pass-91", "check s3cret-pass-91")],
                  ["s3cret-pass-91", ""])
    assert "s3cret-pass-91" not in text
    assert "PROBLEM  Odoo: login failed for password ********" in text  # and one line per finding
    assert "fix: check ********" in text


def test_settings_naming_odoo_records_that_do_not_exist_are_reported(seeded, doctor, tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("sales_defaults:\n  warehouse: Hauptlager\n  payment_terms: stock.warehouse0\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path))
    assert code == 1
    problems = _lines(out, "PROBLEM")
    assert "settings: sales_defaults.warehouse: 'Hauptlager' matches no warehouse in Odoo (stock.warehouse)" in problems[0]
    assert "sales_defaults.payment_terms: 'stock.warehouse0' matches no payment terms" in problems[1]
    assert "name exactly as Odoo shows it" in _fix_after(out, "Hauptlager")

    [warehouse] = seeded.admin.search_read("stock.warehouse", [], ["name"], limit=1)
    path.write_text(f"sales_defaults:\n  warehouse: {warehouse['name']}\n  payment_terms: 30 Days\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path))
    assert code == 0, out


def test_a_connector_group_that_lost_a_right_is_repaired_by_the_setup(seeded, doctor):
    _integration_user(seeded, with_group=True)
    [(_, row)] = seeded.admin.xmlids(["procuros.access_connector_ir_model_data"]).values()
    seeded.admin.write("ir.model.access", [row], {"perm_create": False})
    code, out = doctor(seeded, ODOO_USERNAME=CONNECTOR_LOGIN, ODOO_PASSWORD=CONNECTOR_PASSWORD)
    assert code == 1
    [problem] = _lines(out, "PROBLEM")
    assert f"the Odoo user '{CONNECTOR_LOGIN}' may not: create ir.model.data" in problem
    assert "lost some of its rights" in _fix_after(out, "may not:") and "setup-odoo again" in _fix_after(out, "may not:")

    provision(seeded.admin)
    code, out = doctor(seeded, ODOO_USERNAME=CONNECTOR_LOGIN, ODOO_PASSWORD=CONNECTOR_PASSWORD)
    assert code == 0, out


def test_each_declared_integration_has_its_token_gln_and_company_checked(seeded, doctor, tmp_path):
    seeded.procuros.add_account("second-account-token-6e2a", "4012345000016")
    path = tmp_path / "settings.yaml"
    path.write_text(
        "integrations:\n"
        "  default:\n    connector: Procuros Connector\n"
        "  at:\n    connector: Procuros AT\n    company: Nordwind Austria GmbH\n"
        "    token_env: PROCUROS_TOKEN_AT\n    gln_env: PROCUROS_GLN_AT\n")
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path), PROCUROS_TOKEN_AT=None, PROCUROS_GLN_AT=None)
    assert code == 1
    problems = _lines(out, "PROBLEM")
    assert any("integration at" in p and "PROCUROS_TOKEN_AT" in p for p in problems), problems
    assert any("integration at" in p and "PROCUROS_GLN_AT" in p for p in problems), problems
    assert any("integrations.at.company: 'Nordwind Austria GmbH' matches no company" in p for p in problems), problems

    seeded.admin.create("res.company", [{"name": "Nordwind Austria GmbH"}])
    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path), PROCUROS_TOKEN_AT="wrong-token-0000",
                       PROCUROS_GLN_AT="4012345000016")
    assert code == 1
    assert "integration at: the token was refused" in " ".join(_lines(out, "PROBLEM"))
    assert "set PROCUROS_TOKEN_AT to the API token" in _fix_after(out, "integration at: the token was refused")

    code, out = doctor(seeded, PROCUROS_DAGSTER_SETTINGS=str(path), PROCUROS_TOKEN_AT="second-account-token-6e2a",
                       PROCUROS_GLN_AT="4012345000016")
    assert "integration at" in out and not [p for p in _lines(out, "PROBLEM") if "integration at" in p], out
    assert "second-account-token-6e2a" not in out and "wrong-token-0000" not in out
