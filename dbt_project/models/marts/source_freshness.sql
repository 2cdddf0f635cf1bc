-- Whether to trust the marts: per source (a vendor format, or the template) and table, the latest
-- record its exports hold and when its last file was loaded, what last night's load took and held
-- back, the labels no mapping names yet, and whether the source is stale. A source is stale when
-- its latest record is more than var stale_source_business_days business days before the as-of
-- day, or its last file more than that before the last night anything was loaded (a system that
-- stopped exporting while the others go on). The sheets open with these rows (their banner).
with files as (
    select
        coalesce(split_part(source_format, '.', 1), 'template') as source_system,
        entity,
        status,
        rows_loaded,
        rows_quarantined,
        loaded_at,
        latest_record_at,
        file_id
    from {{ source('audit', 'load_files') }}
),

-- last night: the files loaded since the build before this one started (the first build: every file)
last_night as (
    select
        coalesce(
            (
                select max(started_at) from {{ source('audit', 'dbt_builds') }}
                where build_id < {{ this_build() }}
            ),
            cast('1900-01-01' as timestamp)
        ) as since,
        (select max(loaded_at) from files) as last_load_at
),

-- a value an enumeration or a mapping does not list (a call result nobody mapped): its rows wait
-- in quarantine and are re-admitted once it is mapped
unmapped as (
    select files.source_system, files.entity, count(distinct quarantine.column_name || ':' || quarantine.value) as unmapped_labels
    from {{ source('audit', 'quarantine') }} as quarantine
    inner join files using (file_id)
    where quarantine.rule like '%.one_of' and quarantine.value is not null
    group by all
),

per_source as (
    select
        files.source_system,
        files.entity,
        max(files.latest_record_at) filter (where files.status = 'loaded') as latest_record_at,
        max(files.loaded_at) filter (where files.status = 'loaded') as last_file_loaded_at,
        coalesce(sum(files.rows_loaded) filter (where files.loaded_at > last_night.since), 0) as rows_loaded_last_night,
        coalesce(sum(files.rows_quarantined) filter (where files.loaded_at > last_night.since), 0) as rows_quarantined_last_night,
        bool_or(files.loaded_at > last_night.since and files.status <> 'loaded') as was_refused_last_night,
        max(last_night.last_load_at) as last_load_at
    from files
    cross join last_night
    group by all
),

reporting_window as (
    select as_of_date from {{ ref('int_reporting_window') }}
),

business_days as (
    select date_day, business_day_seq from {{ ref('dim_date') }}
),

aged as (
    select
        per_source.*,
        as_of_day.business_day_seq - record_day.business_day_seq as record_age_business_days,
        last_load_day.business_day_seq - file_day.business_day_seq as file_age_business_days
    from per_source
    cross join reporting_window
    left join business_days as record_day
        on record_day.date_day = cast({{ local_timestamp('per_source.latest_record_at') }} as date)
    left join business_days as as_of_day on as_of_day.date_day = reporting_window.as_of_date
    left join business_days as file_day
        on file_day.date_day = cast({{ local_timestamp('per_source.last_file_loaded_at') }} as date)
    left join business_days as last_load_day
        on last_load_day.date_day = cast({{ local_timestamp('per_source.last_load_at') }} as date)
),

final as (
    select
        aged.source_system,
        aged.entity,
        aged.latest_record_at,
        aged.last_file_loaded_at,
        -- the same in the business time zone, as the sheets' banner shows them
        {{ wall_clock(local_timestamp('aged.latest_record_at')) }} as latest_record_local,
        {{ wall_clock(local_timestamp('aged.last_file_loaded_at')) }} as last_file_loaded_local,
        aged.record_age_business_days,
        aged.file_age_business_days,
        cast(aged.rows_loaded_last_night as bigint) as rows_loaded_last_night,
        cast(aged.rows_quarantined_last_night as bigint) as rows_quarantined_last_night,
        coalesce(aged.was_refused_last_night, false) as was_refused_last_night,
        cast(coalesce(unmapped.unmapped_labels, 0) as bigint) as unmapped_labels,
        coalesce(
            aged.record_age_business_days > {{ var('stale_source_business_days') }}
            or aged.file_age_business_days > {{ var('stale_source_business_days') }},
            false
        ) as is_stale
    from aged
    left join unmapped using (source_system, entity)
)

select * from final
order by source_system, entity
