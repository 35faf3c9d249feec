-- description: Ads of every platform that was synced, in the unified columns.
-- union: ads = stg_*__ads
-- grain: tenant_id, platform, ad_group_id, ad_id
--
-- The UNION ALL of every staging model named stg_<source>__ads that was
-- built in this run (by column name); a new platform joins by adding its staging model.
select *
from ads
