"""Built-in sources, one package each. Import a source directly:
``from bosco_connectors.sources import tiktok_ads``."""
