-- The calendar: every day of the years the data touches plus the next, with Japanese public
-- holidays (from the `holidays` library) and company holidays (mappings/company_holidays.csv).
-- business_day_seq counts business days up to and including the day, so "the N-th business
-- day after d" is the business day whose seq is seq(d) + N.
with bounds as (
    select
        cast(date_trunc('year', first_activity_date) as date) as first_day,
        cast(date_trunc('year', greatest(last_activity_date, as_of_date)) + interval 2 year - interval 1 day as date) as last_day
    from {{ ref('int_reporting_window') }}
),

spine as (
    {{ date_spine('(select first_day from bounds)', '(select last_day from bounds)') }}
),

public_holidays as (
    select holiday_date, min(name) as name
    from {{ source('raw', 'jp_public_holidays') }}
    group by holiday_date
),

company_holidays as (
    select holiday_date, min(name) as name
    from {{ ref('company_holidays') }}
    group by holiday_date
),

flagged as (
    select
        spine.date_day,
        {{ iso_day_of_week('spine.date_day') }} >= 6 as is_weekend,
        public_holidays.holiday_date is not null as is_public_holiday,
        company_holidays.holiday_date is not null as is_company_holiday,
        coalesce(public_holidays.name, company_holidays.name) as holiday_name
    from spine
    left join public_holidays on public_holidays.holiday_date = spine.date_day
    left join company_holidays on company_holidays.holiday_date = spine.date_day
),

final as (
    select
        date_day,
        cast(date_trunc('week', date_day) as date) as week_start,
        cast(date_trunc('month', date_day) as date) as month_start,
        cast(date_trunc('quarter', date_day) as date) as quarter_start,
        {{ iso_day_of_week('date_day') }} as iso_day_of_week,
        is_weekend,
        is_public_holiday,
        is_company_holiday,
        holiday_name,
        not(is_weekend or is_public_holiday or is_company_holiday) as is_business_day,
        cast(sum(case when not (is_weekend or is_public_holiday or is_company_holiday) then 1 else 0 end)
            over (order by date_day rows between unbounded preceding and current row)
        as bigint) as business_day_seq
    from flagged
)

select * from final
