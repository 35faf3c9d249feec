-- description: Campaigns of every platform that was synced, in the unified columns.
-- union: campaigns = stg_*__campaigns
-- grain: tenant_id, platform, campaign_id
--
-- The UNION ALL of every staging model named stg_<source>__campaigns that was
-- built in this run (by column name); a new platform joins by adding its staging model.
select *
from campaigns
