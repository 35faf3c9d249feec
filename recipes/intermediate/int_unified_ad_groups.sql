-- description: Ad groups (Meta: ad sets) of every platform that was synced, in the unified columns.
-- union: ad_groups = stg_*__ad_groups
-- grain: tenant_id, platform, ad_group_id
--
-- The UNION ALL of every staging model named stg_<source>__ad_groups that was
-- built in this run (by column name); a new platform joins by adding its staging model.
select *
from ad_groups
