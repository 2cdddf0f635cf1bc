-- Each rep's team over time (SPEC §7 team scope): one row per stretch of days in one team,
-- [valid_from, valid_to), valid_to NULL for the team the rep is in now. Every team scope of the
-- marts, the semantic layer and PostgreSQL's team roles reads a rep's team on the row's date here.
-- Every reps export (every version of raw.reps) says "this team from this day on": its team_from,
-- else the day it was loaded; a rep's first version holds since always. A later export overrides
-- an earlier one from its own day on, so a correction wins; an export that repeats the team a rep
-- is in changes nothing. With var teams_as = current, each rep has one row: the current team, always.
with versions as (
    select
        reps.rep_id,
        reps.team,
        reps.team_from,
        cast({{ local_timestamp('files.loaded_at') }} as date) as loaded_date,
        row_number() over (partition by reps.rep_id order by reps._file_id, reps._row_number) as load_order
    from {{ source('raw', 'reps') }} as reps
    inner join {{ source('audit', 'load_files') }} as files on files.file_id = reps._file_id
),

claims as (
    select
        rep_id,
        team,
        load_order,
        case
            when team_from is not null then team_from
            when load_order = 1 then date '1900-01-01'
            else loaded_date
        end as claimed_from
    from versions
),

-- a claim holds from its day until the earliest day a later export claims
claims_held as (
    select
        rep_id,
        team,
        claimed_from,
        load_order,
        min(claimed_from) over (partition by rep_id order by load_order rows between 1 following and unbounded following) as overridden_from
    from claims
),

stretches as (
    select
        rep_id,
        team,
        claimed_from,
        lag(team) over (partition by rep_id order by claimed_from, load_order) as team_before,
        row_number() over (partition by rep_id order by claimed_from, load_order) as stretch_order
    from claims_held
    where overridden_from is null or claimed_from < overridden_from
),

team_changes as (
    select
        rep_id,
        team,
        -- the earliest stretch reaches back to before any export: every day has a team
        case when stretch_order = 1 then date '1900-01-01' else claimed_from end as valid_from
    from stretches
    where stretch_order = 1 or team is distinct from team_before
),

at_the_time as (
    select
        rep_id,
        team,
        valid_from,
        lead(valid_from) over (partition by rep_id order by valid_from) as valid_to
    from team_changes
),

current_team as (
    select rep_id, team, date '1900-01-01' as valid_from, cast(null as date) as valid_to
    from {{ ref('dim_rep') }}
),

final as (
    select * from at_the_time
    where '{{ var("teams_as") }}' = 'at_the_time'
    union all
    select * from current_team
    where '{{ var("teams_as") }}' = 'current'
)

select * from final
order by rep_id, valid_from
