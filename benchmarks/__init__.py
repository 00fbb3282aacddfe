"""Benchmarks for procuros-dagster: round trips, throughput vs a naive connector, memory,
latency through the daemon and sensor, and Dagster's fixed cost. Run ``python -m benchmarks``."""
