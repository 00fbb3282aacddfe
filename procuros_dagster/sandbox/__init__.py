"""Local stand-ins for the external systems (Procuros API, Odoo JSON-RPC) used by tests and demos."""
