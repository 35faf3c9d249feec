"""The metric names of the GA4 Data API schema (v1beta), for checking ``extra_metrics`` before any request.

From the API schema page, https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema
(section "Metrics"): the standard metrics every property has. A property's own metrics are
written with a prefix and checked for their form only (the property's metadata, not a fixed
list, says which exist): ``customEvent:<parameter>``, and the per-key-event variants
``keyEvents:<event>``, ``sessionKeyEventRate:<event>``, ``userKeyEventRate:<event>``.
"""

from __future__ import annotations

import re

STANDARD_METRICS: frozenset[str] = frozenset({
    "active1DayUsers", "active28DayUsers", "active7DayUsers", "activeUsers", "adUnitExposure", "addToCarts",
    "advertiserAdClicks", "advertiserAdCost", "advertiserAdCostPerClick", "advertiserAdCostPerKeyEvent",
    "advertiserAdImpressions", "averagePurchaseRevenue", "averagePurchaseRevenuePerPayingUser",
    "averagePurchaseRevenuePerUser", "averageRevenuePerUser", "averageSessionDuration", "bounceRate",
    "cartToViewRate", "checkouts", "cohortActiveUsers", "cohortTotalUsers", "crashAffectedUsers",
    "crashFreeUsersRate", "dauPerMau", "dauPerWau", "ecommercePurchases", "engagedSessions", "engagementRate",
    "eventCount", "eventCountPerUser", "eventValue", "eventsPerSession", "firstTimePurchaserRate",
    "firstTimePurchasers", "firstTimePurchasersPerNewUser", "grossItemRevenue", "grossPurchaseRevenue",
    "itemDiscountAmount", "itemListClickEvents", "itemListClickThroughRate", "itemListViewEvents",
    "itemPromotionClickThroughRate", "itemRefundAmount", "itemRevenue", "itemViewEvents", "itemsAddedToCart",
    "itemsCheckedOut", "itemsClickedInList", "itemsClickedInPromotion", "itemsPurchased", "itemsViewed",
    "itemsViewedInList", "itemsViewedInPromotion", "keyEvents", "newUsers", "organicGoogleSearchAveragePosition",
    "organicGoogleSearchClickThroughRate", "organicGoogleSearchClicks", "organicGoogleSearchImpressions",
    "promotionClicks", "promotionViews", "publisherAdClicks", "publisherAdImpressions", "purchaseRevenue",
    "purchaseToViewRate", "purchaserRate", "refundAmount", "returnOnAdSpend", "screenPageViews",
    "screenPageViewsPerSession", "screenPageViewsPerUser", "scrolledUsers", "sessionKeyEventRate", "sessions",
    "sessionsPerUser", "shippingAmount", "taxAmount", "totalAdRevenue", "totalPurchasers", "totalRevenue",
    "totalUsers", "transactions", "transactionsPerPurchaser", "userEngagementDuration", "userKeyEventRate",
    "wauPerMau",
})
#: A property's own metrics: a documented prefix, a colon, and the event or parameter name.
PROPERTY_METRIC = re.compile(r"^(customEvent|keyEvents|sessionKeyEventRate|userKeyEventRate):[A-Za-z0-9_]+$")


def unknown_metrics(names: list[str]) -> list[str]:
    """The names that are neither a standard metric nor a property metric's documented form."""
    return [n for n in names if n not in STANDARD_METRICS and not PROPERTY_METRIC.match(n)]
