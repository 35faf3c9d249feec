-- description: The ad platforms: every platform in the seed ad_platforms.csv and any other that has accounts, with what was synced.
-- grain: platform
-- not_null: platform_name
--
-- has_data tells which platforms this project has synced (an account or a reported
-- day); a platform missing from the seed shows under its own id as name.
with synced as (
    select platform, count(*) as accounts
    from dim_accounts
    group by platform
),

known as (
    select
        lower(trim(platform)) as platform,
        max(platform_name) as platform_name,
        max(vendor) as vendor
    from ad_platforms
    group by lower(trim(platform))
)

select
    coalesce(known.platform, synced.platform) as platform,
    coalesce(known.platform_name, synced.platform) as platform_name,
    known.vendor,
    coalesce(synced.accounts, 0) as accounts,
    synced.platform is not null as has_data
from known
full outer join synced
    on synced.platform = known.platform
