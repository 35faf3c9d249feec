-- description: Shopify products (catalogue attributes, no prices: those live on variants and order lines).
-- grain: tenant_id, product_id
select
    tenant_id,
    cast(id as varchar) as product_id,
    title,
    handle,
    vendor,
    product_type,
    status,
    coalesce(status = 'ACTIVE', false) as is_active,
    tags,
    created_at,
    updated_at,
    published_at
from raw.shopify_products
