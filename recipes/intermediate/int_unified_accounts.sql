-- description: Ad accounts of every platform that was synced, in the unified columns.
-- union: accounts = stg_*__accounts
-- grain: tenant_id, platform, account_id
--
-- The UNION ALL of every staging model named stg_<source>__accounts that was
-- built in this run (by column name); a new platform joins by adding its staging model.
select *
from accounts
