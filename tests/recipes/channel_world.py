"""The raw rows of the channel tests (web tools, apps, CRM, affiliates, surveys) in one place, for a
build that runs every channel model at once (the fakesnow scenario): `load` writes them in any
dialect, `CONNECTORS` are the sources those tests declare (register them around the build)."""

from __future__ import annotations

from typing import Any, Callable

from . import test_channel_summary_affiliate as affiliate
from . import test_channel_summary_apps as apps
from . import test_channel_summary_crm as crm
from . import test_channel_summary_web as web
from . import test_post_purchase_attribution as surveys
from .rawdata import create_table

CONNECTORS = (apps.MMP_A, apps.MMP_B, apps.STORE, crm.CRM, surveys.SURVEYS)


def load(execute: Callable[[str], Any], dialect: str) -> None:
    tables = [
        ("plausible_traffic_daily", web.PLAUSIBLE_COLUMNS, web.PLAUSIBLE),
        ("plausible_goal_conversions_daily", web.GOALS_COLUMNS, web.GOALS),
        ("mmp_a_daily", apps.COLUMNS, apps.MMP_A_ROWS),
        ("mmp_b_daily", apps.COLUMNS, apps.MMP_B_ROWS),
        ("app_store_daily", apps.COLUMNS, apps.STORE_ROWS),
        ("crm_x_funnel", crm.COLUMNS, crm.ROWS),
        ("impact_actions", affiliate.IMPACT_COLUMNS, affiliate.IMPACT),
        ("tapfiliate_commissions", affiliate.TAPFILIATE_COLUMNS, affiliate.TAPFILIATE),
        ("survey_x_answers", surveys.COLUMNS, surveys.ROWS),
    ]
    for name, columns, rows in tables:
        create_table(execute, dialect, name, columns, [dict(zip(columns, r)) for r in rows])
