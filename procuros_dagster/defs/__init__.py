"""Dagster wiring: resources, assets, asset checks, jobs, schedules and sensors.

This is the only layer that imports Dagster. It joins the Procuros client, the Odoo gateway and
the pure mapping functions; none of those know about it.
"""
