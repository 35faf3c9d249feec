"""Replaying a declared Meta organic source's documented fixtures (facebook_pages, instagram) in tests."""

from __future__ import annotations

import dlt
import duckdb

from bosco_connectors.framework.facts import FACTS, fact_staging_sql, mappings_of
from bosco_connectors.sandbox import FakeApi
from bosco_connectors.testing.replay import FixtureApp, Fixtures, fixture_folder


def run(name: str, source, tmp_path, answer_first=None, streams=None) -> list:
    """Replay `name`'s documented fixtures into DuckDB; `answer_first(request)` may answer a request instead."""
    app = FixtureApp(Fixtures.load(fixture_folder(name)))
    seen: list = []
    handle = app.handle

    def spy(request):
        seen.append(request)
        early = answer_first(request) if answer_first else None
        return early if early is not None else handle(request)

    app.handle = spy
    pipeline = dlt.pipeline(pipeline_name=f"{name}_test", destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="raw")
    with FakeApi([app]) as api:
        pipeline.run(source(**app.source_config(api.url(app.prefix)), streams=streams))
    assert not app.unmatched, app.unmatched
    return seen


def params(request) -> dict:
    """A request's query parameters, one value each."""
    return {k: v[0] if isinstance(v, list) else v for k, v in dict(request.query).items()}


def query(tmp_path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def social_rows(connector, tmp_path) -> list[tuple]:
    """The source's generated ``social_content_daily`` staging over the loaded tables, ordered by day and content."""
    streams = [s for s in connector.streams if mappings_of(s)]
    sql = fact_staging_sql(connector, FACTS["social_content_daily"], [(s.name, m) for s in streams for m in mappings_of(s)])
    return query(tmp_path, f"select date, account_id, content_id, content_type, impressions, reach, engagements, "
                           f"video_views, followers_gained from ({sql}) order by date, content_id")
