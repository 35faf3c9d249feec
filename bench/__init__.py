"""Benchmarks of bosco-connectors: throughput, memory, concurrency, start-up, recipes.

Run ``python -m bench`` (all) or ``python -m bench throughput memory`` (some). See
README.md in this folder for what each measures and the recorded table.
"""
