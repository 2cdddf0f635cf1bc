-- mappings/lifecycle_stages.csv must list exactly the canonical stages the models pivot on
-- (macro canonical_stages). A row here is a stage in one and not the other.
with seeded as (
    select stage from {{ ref('lifecycle_stages') }}
),

canonical as (
    select stage from (values {% for stage in canonical_stages() %}('{{ stage }}'){% if not loop.last %}, {% endif %}{% endfor %}) as stages (stage)
)

select coalesce(seeded.stage, canonical.stage) as stage
from seeded
full join canonical using (stage)
where seeded.stage is null or canonical.stage is null
