-- The open SAL forecast (SPEC §6) per scope and rank: open SALs, the rank's probability, and the
-- expected SQL count and amount = Σ probability × (1, amount). Ranks without open SALs show 0.
with open_sals as (
    select * from {{ ref('fct_open_sal') }}
),

ranks as (
    select * from {{ ref('sal_forecast_ranks') }}
),

reporting_window as (
    select as_of_date from {{ ref('int_reporting_window') }}
),

per_scope as (
    select
        {{ kpi_scope_columns('rank') }},
        count(*) as open_sals,
        {{ exact_sum('probability') }} as expected_sqls,
        coalesce(sum(open_amount), 0) as open_amount,
        {{ exact_sum('expected_amount') }} as expected_amount
    from (
        -- open now: in the team the rep is in on the as-of day
        select open_sals.*, reps.team from open_sals
        cross join reporting_window
        {{ join_team_on_date('open_sals.rep_id', 'reporting_window.as_of_date') }}
    ) as with_teams
    {{ kpi_scope_grouping('rank') }}
),

scopes as (
    select distinct scope_type, scope_id from per_scope
    union
    select 'org', 'all'
),

final as (
    select
        reporting_window.as_of_date,
        scopes.scope_type,
        scopes.scope_id,
        ranks.rank,
        ranks.label_ja,
        ranks.probability,
        coalesce(per_scope.open_sals, 0) as open_sals,
        coalesce(per_scope.expected_sqls, 0) as expected_sqls,
        coalesce(per_scope.open_amount, 0) as open_amount,
        coalesce(per_scope.expected_amount, 0) as expected_amount
    from scopes
    cross join ranks
    cross join reporting_window
    left join per_scope using (scope_type, scope_id, rank)
)

select * from final
order by scope_type, scope_id, rank
