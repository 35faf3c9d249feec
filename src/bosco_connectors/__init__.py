"""bosco-connectors: marketing data sources for dlt, unified SQL recipes, and a cron CLI."""

__version__ = "0.1.0"
