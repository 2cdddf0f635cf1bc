{# Schemas are named exactly as configured (marts, staging, …): the published contract says `marts`. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}
