"""Pure mapping between Procuros documents and Odoo 17 values.

No I/O here and no imports from the other layers (procuros/, odoo/, defs/): every function takes
plain dicts / DataFrames and returns DataFrames or Odoo value dicts, each stage guarded by a
pandera schema so the Dagster layer can show and enforce the frame contracts.

Inbound (Procuros ORDER -> Odoo sale.order): orders_in, schemas_in, identifiers, reasons.
Shared by every layer: units (the Procuros unit codes), identifiers (GLN, GTIN), odoo_values
(many2one values).
"""
