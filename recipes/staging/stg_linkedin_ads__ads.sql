-- description: LinkedIn Ads ads (creatives) in the unified ad columns; the campaign (LinkedIn's campaign group) joined from the ad group (LinkedIn's campaign).
-- grain: tenant_id, ad_group_id, ad_id
-- not_null: platform, account_id, campaign_id, ad_group_id
--
-- Written by hand, over the mapping declared on linkedin_ads.creatives: a creative names its
-- campaign (the unified ad group) but not that campaign's campaign group (the unified campaign),
-- so campaign_id comes from raw.linkedin_ads_campaigns. is_active means intended_status = 'ACTIVE'.
select
    creatives.tenant_id,
    'linkedin_ads' as platform,
    cast(creatives.account_id as varchar) as account_id,
    cast(campaigns.campaign_group_id as varchar) as campaign_id,
    cast(creatives.campaign_id as varchar) as ad_group_id,
    cast(creatives.id as varchar) as ad_id,
    creatives.name as ad_name,
    cast(creatives.intended_status as varchar) as status,
    coalesce(cast(creatives.intended_status as varchar) = 'ACTIVE', false) as is_active
from raw.linkedin_ads_creatives as creatives
left join raw.linkedin_ads_campaigns as campaigns
    on campaigns.tenant_id = creatives.tenant_id
    and cast(campaigns.id as varchar) = cast(creatives.campaign_id as varchar)
