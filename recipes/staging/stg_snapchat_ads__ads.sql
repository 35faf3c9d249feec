-- description: Snapchat Ads ads in the unified ad columns; the campaign joined from the ad's ad squad.
-- grain: tenant_id, ad_group_id, ad_id
-- not_null: platform, account_id, campaign_id, ad_group_id
--
-- Written by hand, over the mapping declared on snapchat_ads.ads: an ad names its ad squad
-- (the unified ad group) but not the squad's campaign, so campaign_id comes from
-- raw.snapchat_ads_ad_squads. is_active means status = 'ACTIVE'.
select
    ads.tenant_id,
    'snapchat_ads' as platform,
    cast(ads.ad_account_id as varchar) as account_id,
    cast(squads.campaign_id as varchar) as campaign_id,
    cast(ads.ad_squad_id as varchar) as ad_group_id,
    cast(ads.id as varchar) as ad_id,
    ads.name as ad_name,
    cast(ads.status as varchar) as status,
    coalesce(cast(ads.status as varchar) = 'ACTIVE', false) as is_active
from raw.snapchat_ads_ads as ads
left join raw.snapchat_ads_ad_squads as squads
    on squads.tenant_id = ads.tenant_id
    and cast(squads.id as varchar) = cast(ads.ad_squad_id as varchar)
