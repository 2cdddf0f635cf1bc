-- 入力品質 (SPEC §5 input_quality): per source (input entity), responsible rep
-- (connectors/contract.yml responsible_rep) and rule — rows read, rule violations and
-- quarantined rows. Rule 'all' carries input_quality = quarantined rows ÷ rows read; a rule's
-- own row carries violations ÷ rows read. Rows held back only because their file was blocked
-- broke no rule themselves and are not counted against anyone. No row values are published.
with load_files as (
    select file_id, entity as source from {{ source('audit', 'load_files') }}
),

rows_read as (
    select load_files.source, file_reps.rep_id, cast(sum(file_reps.rows_read) as bigint) as rows_read
    from {{ source('audit', 'load_file_reps') }} as file_reps
    inner join load_files using (file_id)
    group by all
),

violations as (
    select entity as source, rep_id, rule, cast(file_id as string) || ':' || cast(row_number as string) as row_key
    from {{ source('audit', 'quarantine') }}
    where rule <> 'file.over_quarantine_threshold'
),

per_rule as (
    select
        source,
        rep_id,
        coalesce(rule, 'all') as rule,
        count(*) as violations,
        count(distinct row_key) as quarantined_rows
    from violations
    group by grouping sets ((source, rep_id, rule), (source, rep_id))
),

scopes as (
    select source, rep_id, 'all' as rule from rows_read
    union
    select source, rep_id, rule from per_rule
),

final as (
    select
        scopes.source,
        scopes.rep_id,
        scopes.rule,
        coalesce(rows_read.rows_read, 0) as rows_read,
        coalesce(per_rule.violations, 0) as violations,
        coalesce(per_rule.quarantined_rows, 0) as quarantined_rows,
        {{ safe_ratio('coalesce(per_rule.violations, 0)', 'rows_read.rows_read') }} as violation_rate,
        {{ safe_ratio('coalesce(per_rule.quarantined_rows, 0)', 'rows_read.rows_read') }} as input_quality
    from scopes
    left join rows_read
        on rows_read.source = scopes.source and rows_read.rep_id is not distinct from scopes.rep_id
    left join per_rule
        on
            per_rule.source = scopes.source
            and per_rule.rep_id is not distinct from scopes.rep_id
            and per_rule.rule = scopes.rule
)

select * from final
order by source, rep_id nulls last, rule
