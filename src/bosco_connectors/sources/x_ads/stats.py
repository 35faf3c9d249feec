"""X's analytics files: per entity, every metric an array with one value per day of the job.

A stats job's file (https://docs.x.com/x-ads-api/analytics, "Asynchronous Analytics") is::

    {"data_type": "stats", "time_series_length": 2,
     "data": [{"id": "8wku2", "id_data": [{"segment": null,
               "metrics": {"impressions": [3482, 2991], "billed_charge_local_micro": [1200000, 0],
                           "conversion_purchases": {"metric": [1, 0], "sale_amount": [19990000, 0], ...},
                           "likes": null, ...}}]}],
     "request": {"params": {...}}}

Value ``i`` of each array is day ``i`` of the job's window (daily granularity, days in the
account's time zone); a metric X has nothing for is ``null``; a conversion metric is an
object of such arrays. `explode` turns each entity and day into one row (a conversion's
parts become ``conversion_purchases_metric``, ``conversion_purchases_sale_amount``...),
keeping the columns the contract names, and leaves out days on which every metric is 0 or
null: X sends every day of the window, delivering or not; the other ad sources load
delivery days only. `XStatsStream` reads each file batch that way, and writes the demo
world's rows into such a file for the generated fake.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Iterable

import orjson

from ...framework.jobs import AsyncReportStream
from ...framework.spec import ReadContext

#: Entity type of a stats job -> the world's level (for the generated fake).
WORLD_LEVEL = {"CAMPAIGN": "campaign", "LINE_ITEM": "ad_group", "PROMOTED_TWEET": "ad"}


def explode(entities: Iterable[dict[str, Any]], start: date, id_column: str, keep: Iterable[str]) -> list[dict[str, Any]]:
    """One row per entity and day of the time series from `start` (see the module docstring)."""
    wanted = set(keep)
    rows = []
    for entity in entities:
        for part in entity.get("id_data") or []:
            if part.get("segment") is not None:
                continue  # a segmented file: not asked for
            series = _flat(part.get("metrics") or {}, wanted)
            length = max((len(values) for values in series.values() if values is not None), default=0)
            for i in range(length):
                values = {name: (v[i] if v is not None and i < len(v) else None) for name, v in series.items()}
                if all(v in (None, 0) for v in values.values()):
                    continue
                rows.append({id_column: entity.get("id"), "date": start + timedelta(days=i), **values})
    return rows


def _flat(metrics: dict[str, Any], wanted: set[str]) -> dict[str, list[Any] | None]:
    """``{"clicks": [..], "conversion_purchases_metric": [..], ...}``: arrays by column, only wanted ones."""
    out: dict[str, list[Any] | None] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            for part, values in value.items():
                if f"{name}_{part}" in wanted:
                    out[f"{name}_{part}"] = values if isinstance(values, list) else None
        elif name in wanted:
            out[name] = value if isinstance(value, list) else None
    return out


@dataclass(kw_only=True)
class XStatsStream(AsyncReportStream):
    """A daily report from X's stats jobs: each file batch exploded into entity-day rows."""

    #: The job's entity type (CAMPAIGN, LINE_ITEM, PROMOTED_TWEET) and the id column of its rows.
    entity: str
    id_column: str

    kind: ClassVar[str] = "async_report"

    def shape_batch(self, batch: Any, ctx: ReadContext) -> Any:
        vendor = {column: name for name, column in self.record_spec.rename.items()}  # spend <- billed_charge_local_micro
        keep = [vendor.get(name, name) for name in self.contract.model_fields if name not in (self.id_column, "date")]
        return self.shape(explode(batch, ctx.window.start, self.id_column, keep), ctx)  # type: ignore[arg-type]

    # -- the generated fake: the world's rows in X's file --------------------------------------

    def fake_records(self, app: Any, route: Any) -> Iterable[dict[str, Any]]:
        """The world's metrics of the job's entities, one row per entity and delivery day."""
        wanted = set(str(route.params.get("entity_ids", "")).split(","))
        level = WORLD_LEVEL[self.entity]
        for account in app.world.accounts:
            for campaign in account.campaigns:
                groups = campaign.ad_groups
                entities = [(campaign, [ad for g in groups for ad in g.ads])] if level == "campaign" else \
                    [(g, list(g.ads)) for g in groups] if level == "ad_group" else [(ad, [ad]) for g in groups for ad in g.ads]
                for entity, ads in entities:
                    if entity.id not in wanted:
                        continue
                    for day in app._days(route):
                        metrics = app.world.sum_metrics(ads, day)
                        if metrics.impressions:
                            yield {"id": entity.id, "date": day, "impressions": metrics.impressions, "clicks": metrics.clicks,
                                   "billed_charge_local_micro": round(metrics.spend * 1e6),
                                   "conversion_purchases": {"metric": metrics.conversions,
                                                            "sale_amount": round(metrics.conversion_value * 1e6)}}

    def fake_encode(self, app: Any, route: Any, body: Any, rows: list[dict[str, Any]]) -> bytes:
        """The job's file: every entity asked for, every day of the window (0 where the world has nothing)."""
        days = app._days(route)
        by_entity: dict[str, dict[date, dict[str, Any]]] = {}
        for row in rows:
            by_entity.setdefault(row["id"], {})[row["date"]] = row
        data = []
        for entity_id in str(route.params.get("entity_ids", "")).split(","):
            served = by_entity.get(entity_id)

            def series(pick: Any) -> list[Any] | None:
                return [pick(served[d]) if d in served else 0 for d in days] if served else None  # noqa: B023

            metrics = {"impressions": series(lambda r: r["impressions"]), "clicks": series(lambda r: r["clicks"]),
                       "billed_charge_local_micro": series(lambda r: r["billed_charge_local_micro"]),
                       "conversion_purchases": {"metric": series(lambda r: r["conversion_purchases"]["metric"]),
                                                "sale_amount": series(lambda r: r["conversion_purchases"]["sale_amount"])}}
            data.append({"id": entity_id, "id_data": [{"segment": None, "metrics": metrics}]})
        params = {k: route.params.get(k) for k in ("start_time", "end_time", "entity", "granularity", "placement")}
        document = {"data_type": "stats", "time_series_length": len(days), "data": data, "request": {"params": params}}
        return gzip.compress(orjson.dumps(document))
