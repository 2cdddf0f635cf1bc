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
    nullif(regexp_replace(lower({{ column }}), '{{ escaped | join("|") }}|\s', '', 'g'), '')
{%- endmacro %}
