"""procuros-dagster: an EDI connector between the Procuros network and Odoo 17, run by Dagster."""

__version__ = "0.1.0"
