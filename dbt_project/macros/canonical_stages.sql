{#
  The canonical lifecycle stages of SPEC §4, in funnel order then exits. Stage names are part
  of the product (columns first_<stage>_at, reached_<stage>); their order, Japanese labels and
  stuck thresholds are data in mappings/lifecycle_stages.csv, which a test keeps in step.
#}
{% macro canonical_stages() -%}
    {{ return(['new', 'mql', 'contacted', 'engaged', 'qualified', 'sal', 'sql', 'won', 'lost', 'nurture', 'disqualified']) }}
{%- endmacro %}
