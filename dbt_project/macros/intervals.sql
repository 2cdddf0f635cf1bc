{#
  How sure a number is: the interval macros every mart that publishes a band reads (docs/spec.md,
  "How sure a number is"). Each returns one SQL expression; the formulas are written once here.
#}

{#- The standard normal quantile of a two-sided interval of `level` (0.8 → 1.2816, 0.95 → 1.96). -#}
{% macro normal_quantile(level) -%}
    {%- set quantiles = {0.8: 1.2815515655446004, 0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004} -%}
    {{- quantiles[level] -}}
{%- endmacro %}

{#- Wilson's score interval of a proportion `successes` of `trials` at `level`: its low (bound='low')
    or high bound. Unlike successes ÷ trials ± z·σ it stays inside [0, 1] and does not collapse
    to a point at 0 or 100%: 3 of 4 reads 30%–95%, not 75% ± 42%. NULL without trials. -#}
{% macro wilson_bound(successes, trials, level=0.95, bound='low') -%}
    {%- set z = normal_quantile(level) -%}
    {#- at 0 or all successes the bound is 0 or 1 exactly, where floating point can land a hair outside -#}
    case when {{ trials }} > 0 then {{ 'greatest(0.0, ' if bound == 'low' else 'least(1.0, ' }}
        (
            cast({{ successes }} as double) / {{ trials }} + {{ z }} * {{ z }} / (2.0 * {{ trials }})
            {{ '-' if bound == 'low' else '+' }} {{ z }} * sqrt(
                cast({{ successes }} as double) / {{ trials }} * (1 - cast({{ successes }} as double) / {{ trials }}) / {{ trials }}
                + {{ z }} * {{ z }} / (4.0 * {{ trials }} * {{ trials }})
            )
        ) / (1 + {{ z }} * {{ z }} / {{ trials }}))
    end
{%- endmacro %}

{#- The landing forecast's band (docs/spec.md, "The landing forecast's band"): where the period's
    final value lies with probability `level`, as it stands after `elapsed` of `business_days`.
    A KPI is Σ numerator ÷ Σ denominator over the period; a count is its own numerator over its
    business days (denominator 1 a day). `residual_variance` is the scope's own day-to-day
    variation: the variance, per business day, of numerator − rate × denominator. The rest of the
    period adds (B − b) such days, and the rate itself is known from b days only, so the final
    numerator's variance is s² · (B − b) · B ÷ b: the band is the forecast ± z times its root,
    divided by the period's expected denominator for a rate. It narrows to nothing at the last
    business day. A count cannot end below what is done; a share (…_rate) stays in [0, 1].
    Arguments are SQL expressions; `kind` is the SQL of 'count', 'share' or 'ratio'. -#}
{% macro landing_spread(residual_variance, denominator_to_date, elapsed, business_days, kind) -%}
    {#- not greatest(…, 0): it would read a NULL (no history) as 0 -#}
    sqrt(case when {{ residual_variance }} < 0 then 0.0 else {{ residual_variance }} end * ({{ business_days }} - {{ elapsed }}) * {{ business_days }} / {{ elapsed }})
    / case when {{ kind }} = 'count' then 1.0 else {{ denominator_to_date }} * {{ business_days }} / {{ elapsed }} end
{%- endmacro %}

{% macro landing_bound(forecast, spread, floor, kind, level=0.8, bound='low') -%}
    {%- set z = normal_quantile(level) -%}
    {#- greatest and least skip a NULL: no spread, no bound -#}
    case when {{ spread }} is not null then
    {%- if bound == 'low' %}
    greatest({{ forecast }} - {{ z }} * {{ spread }}, case when {{ kind }} = 'count' then {{ floor }} else 0.0 end)
    {%- else %}
        case
            when {{ kind }} = 'share' then least({{ forecast }} + {{ z }} * {{ spread }}, 1.0)
            else {{ forecast }} + {{ z }} * {{ spread }}
        end
    {%- endif %}
    end
{%- endmacro %}
