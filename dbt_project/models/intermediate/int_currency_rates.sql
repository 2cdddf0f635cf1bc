-- Monthly rates into the reporting currency (var reporting_currency, default JPY; SPEC §5 amounts):
-- mappings/currency_rates.csv, where one unit of `currency` is `rate` units of the reporting
-- currency in the month; the reporting currency itself is 1 in every month.
with rates as (
    select * from {{ ref('currency_rates') }}
),

months as (
    select distinct month_start from {{ ref('dim_date') }}
),

final as (
    select cast(date_trunc('month', month_start) as date) as month_start, upper(currency) as currency, rate
    from rates
    where upper(currency) <> upper('{{ var("reporting_currency") }}')

    union all

    select month_start, upper('{{ var("reporting_currency") }}'), 1.0
    from months
)

select * from final
