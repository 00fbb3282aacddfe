"""`setup_odoo`: provision the connector's fields and views in Odoo (idempotent)."""


import dagster as dg

from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource
from procuros_dagster.odoo.setup import provision


@dg.op(description="Create or update the Procuros fields on contacts, units and documents, and their form views.")
def provision_odoo(context: dg.OpExecutionContext, odoo: OdooResource, connector_settings: ConnectorSettingsResource):
    gateway = odoo.connect(require_setup=False)
    report = provision(gateway, integration_name=connector_settings.load().integration_name)
    context.log.info(str(report))
    return report


@dg.job(description="Provision the connector's settings in Odoo: run it once after install; running it again changes nothing.")
def setup_odoo():
    provision_odoo()
