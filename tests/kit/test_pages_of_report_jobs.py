"""A report job's documented exchanges are jobs (one per partition, product or window), never pages."""

from bosco_connectors.sources.amazon_ads import connector
from bosco_connectors.testing.pages import documented_pages
from bosco_connectors.testing.replay import Fixtures, fixture_folder


def test_three_report_jobs_of_one_stream_are_not_three_pages() -> None:
    """Amazon's campaign_daily creates one job per ad product: same path, different configuration."""
    stream = next(s for s in connector.streams if s.name == "campaign_daily")
    exchanges = Fixtures.load(fixture_folder(connector)).data("campaign_daily")
    creates = [e for e in exchanges if e.request.get("path") == "reporting/reports"]
    assert len(creates) == 3
    assert documented_pages(stream, exchanges) == []
