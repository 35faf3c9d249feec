"""What a TikTok Ads sync needs to know: a token, the advertisers, and how fast to go.

Validated before any request (`Connector.validate`), so a typo in an advertiser id or a
reversed date range fails at once with one readable line, never half-way through a sync.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from ...framework import IdList, SourceConfig

#: TikTok's documented maximum ``page_size`` for /campaign/get/, /adgroup/get/, /ad/get/
#: and /report/integrated/get/.
MAX_PAGE_SIZE = 1000

#: TikTok's default (Basic) developer-app tier: 10 requests per second, 600 per minute.
BASIC_TIER_QPS = 10.0

_NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")


class TikTokAdsConfig(SourceConfig):
    """Config of the ``tiktok_ads`` source (plus the fields every source accepts)."""

    access_token: SecretStr = Field(description="Long-lived Marketing API access token, sent as the Access-Token header.")
    advertiser_ids: IdList = Field(
        min_length=1,
        description="Advertiser (ad account) ids to read; a list, or one comma-separated string.",
    )
    page_size: int = Field(
        default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page for paginated endpoints (1-1000)."
    )
    requests_per_second: float = Field(
        default=BASIC_TIER_QPS,
        gt=0,
        le=50,
        description="Request budget of your developer app (Basic 10, Advanced 20, Premium 30, Ultimate 50 QPS).",
    )

    @field_validator("advertiser_ids")
    @classmethod
    def _numeric(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _NUMERIC_ID.match(v)]
        if bad:
            # Ids are not secret, but keep the message short.
            raise ValueError(f"advertiser ids are numeric strings; not valid: {', '.join(bad[:5])}")
        return list(dict.fromkeys(value))  # drop duplicates, keep order

    @model_validator(mode="after")
    def _range(self) -> "TikTokAdsConfig":
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self
