"""Shopify source config: which shop, which token, which API version, when to bulk-export.

Validated before any request (the framework calls `Connector.validate` first), so a
typo in the shop name or a missing token is a `ConfigError`, never a 401 from a
host that does not exist.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from ...framework import SourceConfig

#: A myshopify subdomain: lowercase letters, digits and hyphens (e.g. ``bosco-demo``).
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Stable Admin API versions are quarterly: YYYY-01, -04, -07, -10.
_VERSION = re.compile(r"^20\d\d-(01|04|07|10)$")

#: The latest stable version (released 2026-10-01); Shopify supports each for at least 12 months
#: (https://shopify.dev/docs/api/usage/versioning).
DEFAULT_API_VERSION = "2026-10"


def normalise_shop(value: str) -> str:
    """``bosco-demo``, ``bosco-demo.myshopify.com`` or ``https://bosco-demo.myshopify.com/``
    all name the shop ``bosco-demo``. Custom storefront domains do not serve the Admin API."""
    text = value.strip().lower()
    text = re.sub(r"^https?://", "", text).rstrip("/")
    if text.endswith(".myshopify.com"):
        text = text[: -len(".myshopify.com")]
    if not _SUBDOMAIN.match(text):
        raise ValueError(
            "must be the shop's myshopify subdomain (e.g. 'my-shop' or 'my-shop.myshopify.com'); "
            "custom domains do not serve the Admin API"
        )
    return text


class ShopifyConfig(SourceConfig):
    """Credentials and options for one Shopify shop."""

    shop: str = Field(description="The shop's myshopify subdomain ('my-shop') or domain ('my-shop.myshopify.com').")
    access_token: SecretStr = Field(
        description="Admin API access token (custom app 'shpat_...' or an OAuth offline token)."
    )
    api_version: str = Field(default=DEFAULT_API_VERSION, description="Stable Admin API version, e.g. 2026-10.")
    bulk: bool | Literal["auto"] = Field(
        default="auto",
        description="Read with a bulk operation: true, false, or 'auto' (when the range is longer than bulk_threshold_days).",
    )
    bulk_threshold_days: int = Field(default=30, ge=0, le=3650, description="'auto' bulk reads ranges longer than this.")
    bulk_poll_seconds: float = Field(default=5.0, ge=0, le=300, description="First wait between bulk operation status polls.")

    @field_validator("bulk", mode="before")
    @classmethod
    def _bulk(cls, value: object) -> object:
        text = str(value).strip().lower()
        if value is True or text == "true":
            return True
        if value is False or text == "false":
            return False
        if text == "auto":
            return "auto"
        raise ValueError("must be true, false or 'auto'")

    @field_validator("shop")
    @classmethod
    def _shop(cls, value: str) -> str:
        return normalise_shop(value)

    @field_validator("access_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError("must be a stable quarterly version such as '2026-10'")
        return value

    @property
    def shop_url(self) -> str:
        """Root of the shop's Admin API host; ``base_url`` overrides it (sandbox, tests)."""
        return (self.base_url or f"https://{self.shop}.myshopify.com").rstrip("/")

    @property
    def api_root(self) -> str:
        """Everything below this prefix is the Admin API: the only place the token is sent."""
        return f"{self.shop_url}/admin/api/{self.api_version}/"
