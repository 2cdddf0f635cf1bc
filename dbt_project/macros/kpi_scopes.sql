{#
  KPI scopes of SPEC §7 (`org` / `team` / `rep`) from one pass over attributed rows: the
  rows need a period column, `team` and `rep_id`. Rows without a rep (an opportunity with no
  meeting, say) count at org scope only (SPEC §5), so their empty team / rep groups are dropped
  (by the scope columns' names: Spark's HAVING sees only the grouping's output).

  Usage:  select {{ kpi_scope_columns('month_start') }}, stage, count(*) as n
          from x {{ kpi_scope_grouping('month_start', also_by=['stage']) }}
#}
{% macro kpi_scope_columns(period) -%}
    {{ period }},
    case
        when grouping(rep_id) = 0 then 'rep'
        when grouping(team) = 0 then 'team'
        else 'org'
    end as scope_type,
    case
        when grouping(rep_id) = 0 then rep_id
        when grouping(team) = 0 then team
        else 'all'
    end as scope_id
{%- endmacro %}

{% macro kpi_scope_grouping(period, also_by=[]) -%}
    {%- set keys = [period] + also_by -%}
    group by grouping sets (({{ keys | join(', ') }}), ({{ keys | join(', ') }}, team), ({{ keys | join(', ') }}, rep_id))
    having scope_type = 'org' or scope_id is not null
{%- endmacro %}

{#- The team a row counts in: its rep's team on its date (marts.dim_rep_team; var teams_as). A left
    join, as `reps`, whose `reps.team` the scope columns read.
    Usage:  from fct_meeting {{ join_team_on_date('fct_meeting.rep_id', 'fct_meeting.agreed_date') }} -#}
{% macro join_team_on_date(rep_id, on_date) -%}
    left join {{ ref('dim_rep_team') }} as reps
        on
            reps.rep_id = {{ rep_id }}
            and {{ on_date }} >= reps.valid_from
            and ({{ on_date }} < reps.valid_to or reps.valid_to is null)
{%- endmacro %}
