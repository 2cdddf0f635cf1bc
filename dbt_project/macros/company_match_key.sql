{#
  A company name reduced for matching (SPEC §3): legal forms (var company_legal_forms) and
  spaces removed, lower-cased, so 株式会社テック, テック株式会社, (株)テック and ㈱テック meet.
  Names arrive NFKC-normalised from landing, so ㈱ is already (株).
#}
{% macro company_match_key(column) -%}
    {%- set escaped = [] -%}
    {%- for form in var('company_legal_forms') -%}
        {%- do escaped.append(form | lower | replace('\\', '\\\\') | replace('.', '\\.') | replace('(', '\\(') | replace(')', '\\)')) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('company_match_key', 'iskpi')(column, escaped | join('|') ~ '|\\s')) }}
{%- endmacro %}

{#- DuckDB's literals keep backslashes as written; 'g' replaces every match. -#}
{% macro duckdb__company_match_key(column, pattern) -%}
    nullif(regexp_replace(lower({{ column }}), '{{ pattern }}', '', 'g'), '')
{%- endmacro %}

{#- Spark replaces every match by default, and its literals read a backslash as an escape: each is
    doubled so the regular expression gets the one written. -#}
{% macro spark__company_match_key(column, pattern) -%}
    nullif(regexp_replace(lower({{ column }}), '{{ pattern | replace('\\', '\\\\') }}', ''), '')
{%- endmacro %}
