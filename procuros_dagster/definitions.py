"""The Dagster code location: ``dagster dev -m procuros_dagster.definitions`` or workspace.yaml."""

from procuros_dagster.defs.build import build_definitions

defs = build_definitions()
