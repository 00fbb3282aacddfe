"""The layers, by their imports: mapping is pure, clients and flows know nothing of Dagster, and the
Dagster wiring is all Dagster (orchestration that needs no Dagster belongs in flows/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "procuros_dagster"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                found.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
            else:
                found.add(node.module or "")
    return found


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (PACKAGE / folder).rglob("*.py") if p.name != "__init__.py")


def _uses(imports: set[str], prefix: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for name in imports)


@pytest.mark.parametrize("folder", ["mapping", "flows", "odoo", "procuros"])
def test_no_dagster_below_the_wiring(folder):
    offenders = [p.name for p in _modules(folder) if _uses(_imports(p), "dagster")]
    assert offenders == [], f"{folder}/ must not import Dagster: {offenders}"


def test_mapping_does_no_io_and_imports_no_client():
    for path in _modules("mapping"):
        imports = _imports(path)
        for other in ("procuros_dagster.odoo", "procuros_dagster.procuros", "procuros_dagster.flows",
                      "procuros_dagster.defs", "httpx", "odoorpc"):
            assert not _uses(imports, other), f"{path.name} imports {other}"


def test_clients_do_not_import_each_other_or_the_flows():
    for folder, others in (("odoo", ("procuros_dagster.procuros", "procuros_dagster.flows", "procuros_dagster.defs")),
                           ("procuros", ("procuros_dagster.odoo", "procuros_dagster.flows", "procuros_dagster.defs"))):
        for path in _modules(folder):
            imports = _imports(path)
            assert not [o for o in others if _uses(imports, o)], f"{folder}/{path.name}"


def test_flows_do_not_import_the_wiring():
    for path in _modules("flows"):
        assert not _uses(_imports(path), "procuros_dagster.defs"), path.name


def test_every_module_of_the_wiring_is_dagster():
    offenders = [p.name for p in _modules("defs") if not _uses(_imports(p), "dagster")]
    assert offenders == [], f"defs/ holds modules without Dagster (move them to flows/): {offenders}"
