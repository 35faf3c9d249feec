"""Broken variants of the example source, one per guarantee of the conformance kit.

Each is a mistake a source author could make: the declarations still look plausible, the
source still loads data, and only the guarantee named in the function's name is broken.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar


from bosco_connectors.framework import Contract, Id
from bosco_connectors.framework.connector import Connector
from bosco_connectors.framework.errormap import Action
from bosco_connectors.framework.paginators import CursorInBody, PageRequest, SinglePage
from bosco_connectors.framework.spec import Cursor, ReadContext, RestStream, Stream, Window
from tests.kit import example_ads as ex

log = logging.getLogger("tests.kit.variants")


def _size(config: Any) -> int:
    return config.page_size if config is not None else 100


def _optional(config: Any) -> list[Stream]:
    return [ex.daily("ad", _size(config))] if config is not None and config.include_ad_stats else []


def pagination_ignored() -> Connector:
    """Campaigns come in pages of ``limit``, but the stream declares one page."""
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config), paginator=SinglePage), ex.daily("campaign", _size(config)), *_optional(config)]
    return ex.build(streams=streams)


def pagination_stops_early() -> Connector:
    """The next cursor is read from ``paging.next`` (the API sends ``paging.next_cursor``): page 1 only."""
    def streams(config: Any) -> list[Stream]:
        paginator = lambda: CursorInBody(token_path="paging.next", param="cursor")  # noqa: E731
        return [ex.accounts(), ex.campaigns(_size(config), paginator=paginator), ex.daily("campaign", _size(config)), *_optional(config)]
    return ex.build(streams=streams)


def cursor_ignored() -> Connector:
    """The daily report forgets its WindowParams: every run asks the API for everything."""
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config)), ex.daily("campaign", _size(config), window=None), *_optional(config)]
    return ex.build(streams=streams)


@dataclass(kw_only=True)
class FromLastDay(RestStream):
    """'Re-reading days we have is wasteful': each read starts at the saved cursor itself."""

    def windows(self, since: date | datetime | None, until: date | datetime | None) -> list[Window]:
        if since is not None and isinstance(self.cursor, Cursor):
            since = since + self.cursor.lookback  # undoes the look-back the framework applied
        return super().windows(since, until)


def lookback_not_applied() -> Connector:
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config)), ex.daily("campaign", _size(config), cls=FromLastDay), *_optional(config)]
    return ex.build(streams=streams)


def optional_stream_lookback_not_applied() -> Connector:
    """The same mistake in the stream only ``include_ad_stats`` turns on."""
    def streams(config: Any) -> list[Stream]:
        optional = [ex.daily("ad", _size(config), cls=FromLastDay)] if config is not None and config.include_ad_stats else []
        return [ex.accounts(), ex.campaigns(_size(config)), ex.daily("campaign", _size(config)), *optional]
    return ex.build(streams=streams)


def tenant_id_missing() -> Connector:
    """A table wired by hand as a plain dlt resource next to the declared streams: it never goes
    through the framework's reader (which stamps tenant_id on every row, child rows included),
    so its rows name no tenant. The framework cannot stop this; the kit must."""
    import dlt

    connector = ex.build()
    declared = connector.resources

    def resources(config: Any, **options: Any) -> list[Any]:
        labels = dlt.resource([{"label": "spring"}, {"label": "sale"}], name="labels", table_name="example_ads_labels")
        return [*declared(config, **options), labels]

    connector.resources = resources  # type: ignore[method-assign]
    return connector


@dataclass(kw_only=True)
class ChattyStream(RestStream):
    """Logs each request 'to help debugging', credential included."""

    def send(self, ctx: ReadContext, page: PageRequest) -> tuple[Any, Any]:
        log.debug("%s: GET %s (token %s)", self.name, self.path, ctx.config.api_token.get_secret_value())
        return super().send(ctx, page)


def secret_logged() -> Connector:
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config), cls=ChattyStream), ex.daily("campaign", _size(config)), *_optional(config)]
    return ex.build(streams=streams)


def key_not_in_contract() -> Connector:
    """The key says ``campaign_id``; the campaign contract (and the API) call it ``id``."""
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config), primary_key=("campaign_id",)), ex.daily("campaign", _size(config)), *_optional(config)]
    return ex.build(streams=streams)


class CampaignDailyWithReach(ex.CampaignDaily):
    reach: int  # required, but the stats endpoint documents no reach


def required_field_not_sent() -> Connector:
    def streams(config: Any) -> list[Stream]:
        return [ex.accounts(), ex.campaigns(_size(config)), ex.daily("campaign", _size(config), contract=CampaignDailyWithReach), *_optional(config)]
    return ex.build(streams=streams)


def _auth_code_as(action: Action) -> Connector:
    errors = replace(ex.API.errors, codes={**ex.API.errors.codes, ex.AUTH_CODE: action})
    return ex.build(api=replace(ex.API, errors=errors))


def auth_code_retried() -> Connector:
    """Code 4010 (invalid token) mapped to RETRY: a revoked token is retried until attempts run out."""
    return _auth_code_as(Action.RETRY)


def auth_code_failed() -> Connector:
    """Code 4010 mapped to FAIL: the run fails, but not as the credential problem it is."""
    return _auth_code_as(Action.FAIL)
