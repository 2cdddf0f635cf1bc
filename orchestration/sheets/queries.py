"""The sheets' contents, read from the published warehouse as of the date it was built for: each
sheet's tables and charts from the marts, in the manager's words."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.kpi_reference import kpi_metrics
from orchestration.sheets.formatting import SHORTFALL_TYPES, format_value, order_kpis
from orchestration.sheets.model import Chart, ReportError, Sheet, Table

PLAN_ITEMS = {
    "wins_needed": "受注数 (wins)",
    "meetings_needed": "商談設定数 (meetings)",
    "effective_contacts_needed": "有効コンタクト数 (effective contacts)",
    "dials_needed": "架電数 (dials)",
    "dials_per_business_day": "1営業日あたり架電数 (dials per business day)",
    "pipeline_needed": "必要パイプライン (pipeline needed)",
    "sqls_needed": "SQL数 (SQLs)",
    "sals_needed": "SAL数 (SALs)",
    "qualification_calls_needed": "適合確認数 (qualification calls)",
}
# the daily sheet's rep columns, named like the rest
REP_COLUMNS = {"rep_id": "担当者ID (rep ID)", "rep_name": "担当者 (rep)", "team": "チーム (team)"}


class Warehouse:
    """Read-only access to the published warehouse."""

    def __init__(self, path: Path):
        if not path.exists():
            raise ReportError(f"{path} does not exist: run `iskpi run` first")
        self.path = path

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            try:
                return con.execute(sql, params or []).df()
            except duckdb.CatalogException as error:
                raise ReportError(f"{self.path} lacks a mart the sheets need ({error}); rebuild it with `iskpi run`") from None


def source_freshness(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.frame("select * from marts.source_freshness order by is_stale desc, source_system, entity")


def stale_sources(freshness: pd.DataFrame) -> list[str]:
    """"miitel calls: latest record 2026-05-12, 6 business days before the as-of day" per stale source."""
    lines = []
    for row in freshness[freshness["is_stale"]].itertuples():
        latest = pd.Timestamp(row.latest_record_local).date() if pd.notna(row.latest_record_local) else "none"
        lag = f"{int(row.record_age_business_days)} business days before the as-of day" if pd.notna(row.record_age_business_days) else ""
        file_lag = (f"last file {int(row.file_age_business_days)} business days before the last load"
                    if pd.notna(row.file_age_business_days) and row.file_age_business_days > 0 else "")
        lines.append(f"{row.source_system} {row.entity}: latest record {latest}" + "".join(f", {part}" for part in (lag, file_lag) if part))
    return lines


def source_banner(freshness: pd.DataFrame) -> Table:
    """Per source: its latest record and file, last night's rows, labels nobody mapped, stale or not."""
    state = ["⚠ 古い (stale)" if stale else ("⚠ 取込拒否 (refused)" if refused else "OK")
             for stale, refused in zip(freshness["is_stale"], freshness["was_refused_last_night"])]
    return Table("sources", "データの鮮度 (sources: can these numbers be trusted?)", pd.DataFrame({
        "ソース (source)": freshness["source_system"] + " " + freshness["entity"],
        "状態 (state)": state,
        "最新レコード (latest record)": freshness["latest_record_local"].dt.strftime("%Y-%m-%d %H:%M"),
        "遅れ 営業日 (business days behind)": freshness["record_age_business_days"],
        "最終ファイル取込 (last file loaded)": freshness["last_file_loaded_local"].dt.strftime("%Y-%m-%d %H:%M"),
        "昨夜の取込行 (rows loaded last night)": freshness["rows_loaded_last_night"],
        "昨夜の保留行 (rows quarantined last night)": freshness["rows_quarantined_last_night"],
        "未マッピングの値 (labels nobody mapped)": freshness["unmapped_labels"],
    }), {"遅れ 営業日 (business days behind)": "count", "昨夜の取込行 (rows loaded last night)": "count",
         "昨夜の保留行 (rows quarantined last night)": "count", "未マッピングの値 (labels nobody mapped)": "count"})


def phase_of(warehouse: Warehouse) -> pd.Series:
    phase = warehouse.frame("select * from marts.organisation_phase")
    if phase.empty:
        raise ReportError(f"{warehouse.path} holds no activity yet: there is nothing to report")
    return phase.iloc[0]


def daily_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str]) -> Sheet:
    sheet = Sheet("daily", "日次シート (daily sheet)", as_of.isoformat())
    activity = warehouse.frame(
        """
        select d.rep_id, r.rep_name, d.team, d.dials, d.connect_rate, d.effective_contacts, d.emails_sent, d.meetings_set
        from marts.kpi_daily d left join marts.dim_rep r using (rep_id)
        where d.activity_date = ? order by d.team, d.rep_id
        """,
        [as_of],
    )
    kpis = ("dials", "connect_rate", "effective_contacts", "emails_sent", "meetings_set")
    values = activity.rename(columns={**REP_COLUMNS, **{k: labels[k] for k in kpis}})
    sheet.tables.append(Table("activity_by_rep", "担当者別の活動 (activity by rep)", values, {labels[k]: k for k in kpis}))
    if not activity.empty:
        sheet.charts.append(Chart(labels["dials"] + " — 担当者別 (by rep)", "bar",
                                  list(activity["rep_name"].fillna(activity["rep_id"])), {labels["dials"]: list(activity["dials"])}))
    if (inbound := _inbound(warehouse, as_of)) is not None:
        sheet.tables.append(inbound)
    sheet.tables.append(_month_to_date(_targets_progress(warehouse, as_of), labels))
    return sheet


def _inbound(warehouse: Warehouse, as_of: date) -> Table | None:
    """The day's inbound line per team (marts.kpi_inbound); None on a day without inbound calls.
    Callers who called in again are the previous day's: a day's 24 hours end the day after."""
    inbound = warehouse.frame(
        """
        select d.scope_type, d.scope_id, d.inbound_calls, d.answered_calls, d.missed_calls, d.answer_rate,
               d.missed_calls_called_back, d.callback_minutes_median, previous_day.repeat_call_rate_24h
        from marts.kpi_inbound d
        left join marts.kpi_inbound previous_day
            on previous_day.activity_date = d.activity_date - 1 and previous_day.scope_type = d.scope_type
            and previous_day.scope_id = d.scope_id
        where d.activity_date = ? and d.scope_type in ('org', 'team')
        order by d.scope_type, d.scope_id
        """,
        [as_of],
    )
    if inbound.empty:
        return None
    return Table("inbound", "着信 (the inbound line)", pd.DataFrame({
        "scope": inbound["scope_type"] + " " + inbound["scope_id"],
        "着信数 (inbound calls)": inbound["inbound_calls"],
        "応答数 (answered)": inbound["answered_calls"],
        "不在着信 (missed)": inbound["missed_calls"],
        "応答率 (answer rate)": inbound["answer_rate"],
        "折り返し済み (missed, called back)": inbound["missed_calls_called_back"],
        "折り返しまで 中央値・分 (minutes to call back, median)": inbound["callback_minutes_median"],
        "前日の再入電率 24時間 (called again within 24 h, the day before)": inbound["repeat_call_rate_24h"],
    }), {"着信数 (inbound calls)": "count", "応答数 (answered)": "count", "不在着信 (missed)": "count",
         "応答率 (answer rate)": "answer_rate", "折り返し済み (missed, called back)": "count",
         "折り返しまで 中央値・分 (minutes to call back, median)": "count",
         "前日の再入電率 24時間 (called again within 24 h, the day before)": "answer_rate"})  # a share, read as %


def _targets_progress(warehouse: Warehouse, as_of: date) -> pd.DataFrame:
    return warehouse.frame(
        """
        select scope_type, scope_id, kpi, target, actual, paced_target, attainment, paced_attainment, landing_forecast,
               landing_low, landing_high, business_days_elapsed, business_days
        from marts.kpi_targets_vs_actuals where month_start = date_trunc('month', ?::date)
        order by scope_type, scope_id, kpi
        """,
        [as_of],
    )


def _month_to_date(progress: pd.DataFrame, labels: dict[str, str]) -> Table:
    values = pd.DataFrame({
        "scope": progress["scope_type"] + " " + progress["scope_id"],
        "KPI": [labels.get(k, k) for k in progress["kpi"]],
        "目標 (target)": progress["target"],
        "実績 (actual)": progress["actual"],
        "進捗目標 (paced target)": progress["paced_target"],
        "達成率 (attainment)": progress["attainment"],
        "進捗率 (paced attainment)": progress["paced_attainment"],
        "着地予測 (landing forecast)": progress["landing_forecast"],
        "着地 下限 (80% low)": progress["landing_low"],
        "着地 上限 (80% high)": progress["landing_high"],
        "経過営業日 (business days elapsed)": progress["business_days_elapsed"],
        "営業日 (business days)": progress["business_days"],
    })
    per_kpi = list(progress["kpi"])
    return Table("month_to_date", "月次進捗 (month to date against targets)", values, {
        "目標 (target)": per_kpi, "実績 (actual)": per_kpi, "進捗目標 (paced target)": per_kpi, "着地予測 (landing forecast)": per_kpi,
        "着地 下限 (80% low)": per_kpi, "着地 上限 (80% high)": per_kpi,
        "達成率 (attainment)": "attainment", "進捗率 (paced attainment)": "attainment",
        "経過営業日 (business days elapsed)": "count", "営業日 (business days)": "count",
    })


def last_complete_week(as_of: date) -> date:
    """The Monday of the latest ISO week that has ended by the as-of date (itself, on a Sunday):
    a week of two days against a whole one would read as a collapse."""
    return as_of - timedelta(days=(as_of.weekday() + 1) % 7 + 6)


def anomaly_sentence(kpi: str, labels: tuple[str, str], scope: tuple[str, str], value: float,
                     relative_to_usual: float | None, direction: str) -> str:
    """"東京SDRの接続率が通常の58%に低下 (connect rate of 東京SDR fell to 58% of its usual level)";
    `labels` and `scope` are the KPI's and the scope's Japanese and English names."""
    (label_ja, label_en), (scope_ja, scope_en) = labels, scope
    moved_ja, moved_en = ("上昇", "rose") if direction == "up" else ("低下", "fell")
    if relative_to_usual is None or pd.isna(relative_to_usual):  # the usual level is 0
        level = format_value(kpi, value)
        return f"{scope_ja}の{label_ja}が{level}に{moved_ja} ({label_en.lower()} of {scope_en} {moved_en} to {level})"
    share = f"{relative_to_usual:.0%}"
    return f"{scope_ja}の{label_ja}が通常の{share}に{moved_ja} ({label_en.lower()} of {scope_en} {moved_en} to {share} of its usual level)"


def anomalies_of_week(warehouse: Warehouse, week: date) -> tuple[pd.DataFrame, list[str]]:
    """The week's anomalies, the worse and the larger first, with a sentence each."""
    anomalies = warehouse.frame(
        """
        select scope_type, scope_id, kpi, value, usual_value, interval_low, interval_high, relative_to_usual, direction,
               deviations, is_worse
        from marts.kpi_anomalies where week_start = ?
        order by is_worse desc, abs(deviations) desc, scope_type, scope_id, kpi
        """,
        [week],
    )
    names = {m["name"]: (m["label"], m["config"]["meta"]["label_en"]) for m in kpi_metrics()}
    scopes = [("全体", "the organisation") if t == "org" else (i, i) for t, i in zip(anomalies["scope_type"], anomalies["scope_id"])]
    sentences = [
        anomaly_sentence(kpi, names.get(kpi, (kpi, kpi)), scope, value, ratio, direction)
        for kpi, scope, value, ratio, direction in zip(
            anomalies["kpi"], scopes, anomalies["value"], anomalies["relative_to_usual"], anomalies["direction"])
    ]
    return anomalies, sentences


def _anomalies(warehouse: Warehouse, week: date) -> Table:
    anomalies, sentences = anomalies_of_week(warehouse, week)
    per_kpi = list(anomalies["kpi"])
    return Table("anomalies", "異常値 (unusual this week: outside what chance makes of the eight weeks before)", pd.DataFrame({
        "異常 (anomaly)": sentences,
        "今週 (this week)": anomalies["value"],
        "通常 (usual)": anomalies["usual_value"],
        "通常の範囲 下限 (usual range, low)": anomalies["interval_low"],
        "通常の範囲 上限 (usual range, high)": anomalies["interval_high"],
        # unsigned: the sentence says up or down, and a leading sign would be neutralised in the CSV
        "標準偏差 (σ from usual)": anomalies["deviations"].abs().round(1),
    }), {"今週 (this week)": per_kpi, "通常 (usual)": per_kpi, "通常の範囲 下限 (usual range, low)": per_kpi,
         "通常の範囲 上限 (usual range, high)": per_kpi, "標準偏差 (σ from usual)": "count"})


LOGGING_BEHIND_SHOWN = 10


def _logging_gap(warehouse: Warehouse, week: date) -> Table | None:
    """The reps furthest behind in logging their calls this week (架電ログの入力漏れ): the most dials
    placed and never logged first. None where the warehouse does not read both a phone system and a CRM."""
    behind = warehouse.frame(
        f"""
        select l.rep_id, r.rep_name, sum(l.calls_placed) as placed, sum(l.calls_placed_not_logged) as not_logged,
               sum(l.calls_logged_not_placed) as not_placed,
               sum(l.calls_logged_and_placed) / nullif(sum(l.calls_placed), 0) as logging_rate
        from marts.call_logging l left join marts.dim_rep r using (rep_id)
        where l.activity_date between ? and ? + 6
        group by all
        order by not_logged desc, logging_rate nulls last, l.rep_id
        limit {LOGGING_BEHIND_SHOWN}
        """,
        [week, week],
    )
    if behind.empty:
        return None
    return Table("logging_gap", "架電ログの入力漏れ (calls placed but not logged in the CRM, reps furthest behind)", pd.DataFrame({
        "担当者ID (rep ID)": behind["rep_id"],
        "担当者 (rep)": behind["rep_name"],
        "発信数 (placed)": behind["placed"],
        "未入力 (not logged)": behind["not_logged"],
        "発信記録なし (logged, no phone record)": behind["not_placed"],
        "入力率 (logging rate)": behind["logging_rate"],
    }), {"発信数 (placed)": "count", "未入力 (not logged)": "count", "発信記録なし (logged, no phone record)": "count",
         "入力率 (logging rate)": "logging_rate"})


def weekly_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str], lead_kpis: list[str]) -> Sheet:
    week = last_complete_week(as_of)
    sheet = Sheet("weekly", "週次シート (weekly sheet)", f"{week} 週 (week of)")
    sheet.tables.append(_anomalies(warehouse, week))
    if (logging_gap := _logging_gap(warehouse, week)) is not None:
        sheet.tables.append(logging_gap)
    comparison = warehouse.frame(
        """
        select scope_type, scope_id, kpi, value, previous_value, absolute_change, relative_change
        from marts.kpi_period_comparison
        where grain = 'week' and period_start = ? and scope_type in ('org', 'team')
        """,
        [week],
    )
    order = {k: i for i, k in enumerate(order_kpis(sorted(set(comparison["kpi"])), lead_kpis))}
    comparison = comparison.assign(_order=comparison["kpi"].map(order)).sort_values(["scope_type", "scope_id", "_order"])
    per_kpi = list(comparison["kpi"])
    sheet.tables.append(Table("week_over_week", "先週比 (this week against last week)", pd.DataFrame({
        "scope": comparison["scope_type"] + " " + comparison["scope_id"],
        "KPI": [labels.get(k, k) for k in per_kpi],
        "今週 (this week)": comparison["value"],
        "先週 (last week)": comparison["previous_value"],
        "差 (change)": comparison["absolute_change"],
        "比 (ratio)": comparison["relative_change"],
    }), {"今週 (this week)": per_kpi, "先週 (last week)": per_kpi, "差 (change)": [f"change:{k}" for k in per_kpi],
         "比 (ratio)": "attainment"}))
    trend = warehouse.frame(
        """
        select week_start, dials, meetings_set from marts.kpi_weekly
        where scope_type = 'org' and week_start <= ? order by week_start desc limit 8
        """,
        [week],
    ).iloc[::-1]
    if not trend.empty:
        weeks = [str(pd.Timestamp(w).date()) for w in trend["week_start"]]
        for kpi in ("meetings_set", "dials"):
            sheet.charts.append(Chart(labels[kpi] + " — 直近8週 (last 8 weeks)", "line", weeks, {kpi: list(trend[kpi])}))
    return sheet


def _forecast_accuracy(warehouse: Warehouse, kpis: list[str], labels: dict[str, str]) -> Table:
    """How often the landing band held on the months that closed (marts.forecast_accuracy): over
    every KPI, then the KPIs with a target this month. About 80% is an honest band."""
    accuracy = warehouse.frame(
        "select kpi, forecasts, coverage from marts.forecast_accuracy "
        "where business_days_elapsed is null and (kpi = 'all' or list_contains(?, kpi)) order by kpi <> 'all', kpi",
        [kpis],
    )
    return Table("forecast_accuracy", "着地予測の的中率 (how often the 80% band held, months closed)", pd.DataFrame({
        "KPI": ["全KPI (every KPI)" if k == "all" else labels.get(k, k) for k in accuracy["kpi"]],
        "検証数 (forecasts checked)": accuracy["forecasts"],
        "的中率 (coverage)": accuracy["coverage"],
    }), {"検証数 (forecasts checked)": "count", "的中率 (coverage)": "attainment"})


NEW_REP_MONTHS = 6  # a rep is new through their sixth month: the launch phase of SPEC §6
RAMP_KPIS = ("dials", "connect_rate", "meetings_set")


def _new_reps(warehouse: Warehouse, as_of: date, labels: dict[str, str]) -> Table | None:
    """Where each new rep stands against their team's ramp curve (marts.kpi_rep_ramp), in the last
    complete month: their value and the team's median of the same month since start. None when no
    rep is new."""
    ramp = warehouse.frame(
        f"""
        select rep_id, team, months_since_start, kpi, value, team_median, team_reps_in_median
        from marts.kpi_rep_ramp
        where is_complete_month and months_since_start <= {NEW_REP_MONTHS} and list_contains(?, kpi)
          and month_start = (select max(month_start) from marts.kpi_rep_ramp where is_complete_month and month_start <= ?)
        order by team, rep_id
        """,
        [list(RAMP_KPIS), as_of],
    )
    if ramp.empty:
        return None
    wide = ramp.pivot(index=["team", "rep_id", "months_since_start"], columns="kpi", values=["value", "team_median"]).reset_index()
    columns = {"チーム (team)": wide["team"], "担当者ID (rep ID)": wide["rep_id"], "入社何か月目 (month since start)": wide["months_since_start"]}
    formats: dict[str, str] = {"入社何か月目 (month since start)": "count"}
    for kpi in RAMP_KPIS:
        for part, title in (("value", labels[kpi]), ("team_median", f"{labels[kpi]} — チーム中央値 (team median)")):
            columns[title] = wide[(part, kpi)] if (part, kpi) in wide.columns else None
            formats[title] = kpi
    return Table("new_reps", "新人の立ち上がり (new reps against the team's ramp curve, last complete month)", pd.DataFrame(columns), formats)


BEST_HOURS_SHOWN = 3
WEEKDAYS = ("月 Mon", "火 Tue", "水 Wed", "木 Thu", "金 Fri", "土 Sat", "日 Sun")


def _best_hours(warehouse: Warehouse, month: date) -> Table:
    """Each team's best hours to call this month: the weekday × hour cells whose 95% interval lies
    above the team's own connect rate (marts.kpi_call_timing), the surest first; a team with none
    reads "not enough data yet", so 3 connections of 4 dials never top the list."""
    cells = warehouse.frame(
        f"""
        with teams as (
            select distinct scope_id, scope_connect_rate from marts.kpi_call_timing
            where month_start = ? and scope_type = 'team'
        ),
        best as (
            select *, row_number() over (partition by scope_id order by connect_rate_low desc, dials desc) as place
            from marts.kpi_call_timing
            where month_start = ? and scope_type = 'team' and beats_scope_rate
        )
        select teams.scope_id, teams.scope_connect_rate, best.started_iso_day_of_week, best.started_hour,
               best.dials, best.connect_rate, best.connect_rate_low, best.connect_rate_high
        from teams left join best on best.scope_id = teams.scope_id and best.place <= {BEST_HOURS_SHOWN}
        order by teams.scope_id, best.place
        """,
        [month, month],
    )
    advised = cells["started_hour"].notna()
    when = [
        f"{WEEKDAYS[int(day) - 1]} {int(hour):02d}:00-{int(hour) + 1:02d}:00" if has else "まだ判断できません (not enough data yet)"
        for day, hour, has in zip(cells["started_iso_day_of_week"], cells["started_hour"], advised)
    ]
    return Table("best_hours", "架電のおすすめ時間帯 (best hours to call, beyond chance)", pd.DataFrame({
        "チーム (team)": cells["scope_id"],
        "時間帯 (when)": when,
        "架電数 (dials)": cells["dials"],
        "接続率 (connect rate)": cells["connect_rate"],
        "下限 (95% low)": cells["connect_rate_low"],
        "上限 (95% high)": cells["connect_rate_high"],
        "チームの接続率 (team's connect rate)": cells["scope_connect_rate"],
    }), {"架電数 (dials)": "count", **dict.fromkeys(
        ["接続率 (connect rate)", "下限 (95% low)", "上限 (95% high)", "チームの接続率 (team's connect rate)"], "connect_rate")})


def monthly_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str], lead_kpis: list[str]) -> Sheet:
    month = date(as_of.year, as_of.month, 1)
    sheet = Sheet("monthly", "月次シート (monthly sheet)", month.strftime("%Y-%m"))
    monthly = warehouse.frame(
        "select * from marts.kpi_monthly where month_start = ? and scope_type in ('org', 'team') order by scope_type, scope_id",
        [month],
    )
    kpis = order_kpis([k for k in labels if k in monthly.columns], lead_kpis)
    scopes = list(monthly["scope_type"] + " " + monthly["scope_id"])
    sheet.tables.append(Table("kpis", "KPI一覧 (every KPI)", pd.DataFrame(
        {"KPI": [labels[k] for k in kpis], **{s: [monthly.iloc[i][k] for k in kpis] for i, s in enumerate(scopes)}}
    ), dict.fromkeys(scopes, kpis)))
    progress = _targets_progress(warehouse, as_of)
    sheet.tables.append(_month_to_date(progress, labels))
    sheet.tables.append(_forecast_accuracy(warehouse, sorted(set(progress["kpi"])), labels))
    paced = progress[progress["paced_attainment"].notna()]
    if not paced.empty:
        sheet.charts.append(Chart(
            "進捗率 (paced attainment) — 100% = 予定どおり (on pace)", "bar",
            [f"{s} · {labels.get(k, k)}" for s, k in zip(paced["scope_id"], paced["kpi"])],
            {"進捗率 (paced attainment)": list(paced["paced_attainment"])}, target=1.0, percent=True,
        ))
    bottleneck = warehouse.frame(
        "select scope_id, label_ja, label_en, factor, actual, target, attainment, is_bottleneck, shortfall_type, remedy "
        "from marts.kpi_bottleneck where month_start = ? order by scope_type, scope_id, factor_order",
        [month],
    )
    factors = list(bottleneck["factor"])
    sheet.tables.append(Table("bottleneck", "ボトルネック (bottleneck)", pd.DataFrame({
        "scope": bottleneck["scope_id"],
        "要因 (factor)": bottleneck["label_ja"] + " (" + bottleneck["label_en"] + ")",
        "実績 (actual)": bottleneck["actual"],
        "目標 (target)": bottleneck["target"],
        "達成率 (attainment)": bottleneck["attainment"],
        "ボトルネック (bottleneck)": ["★" if b else "" for b in bottleneck["is_bottleneck"]],
        "種類 (type)": bottleneck["shortfall_type"].map(SHORTFALL_TYPES).fillna(bottleneck["shortfall_type"]).fillna(""),
        "打ち手 (remedy)": bottleneck["remedy"].fillna(""),
    }), {"実績 (actual)": factors, "目標 (target)": factors, "達成率 (attainment)": "attainment"}))
    if not bottleneck.empty:
        sheet.charts.append(Chart(
            "ボトルネック要因の達成率 (funnel factors against target)", "bar",
            [f"{scope} · {label}" for scope, label in zip(bottleneck["scope_id"], bottleneck["label_ja"])],
            {"達成率 (attainment)": list(bottleneck["attainment"])}, target=1.0, percent=True,
        ))
    sheet.tables.append(_best_hours(warehouse, month))
    if (ramp := _new_reps(warehouse, as_of, labels)) is not None:
        sheet.tables.append(ramp)
    forecast = warehouse.frame(
        "select rank, label_ja, probability, open_sals, expected_sqls, open_amount, expected_amount "
        "from marts.open_sal_forecast where scope_type = 'org' order by rank"
    )
    sheet.tables.append(Table("open_sal_forecast", "商談化済み案件の見込み (open SAL forecast)", pd.DataFrame({
        "ランク (rank)": forecast["rank"] + " " + forecast["label_ja"],
        "確度 (probability)": forecast["probability"],
        "件数 (open SALs)": forecast["open_sals"],
        "見込SQL数 (expected SQLs)": forecast["expected_sqls"],
        "見込金額 (expected amount)": forecast["expected_amount"],
    }), {"確度 (probability)": "attainment", "件数 (open SALs)": "count", "見込SQL数 (expected SQLs)": "count",
         "見込金額 (expected amount)": "expected_amount"}))
    plan = warehouse.frame("select * from marts.kpi_plan where month_start = ? and scope_type = 'org'", [month])
    if not plan.empty:
        row = plan.iloc[0]
        sheet.tables.append(Table("plan", "逆算 (plan backwards from the revenue target)", pd.DataFrame({
            "項目 (item)": list(PLAN_ITEMS.values()),
            "必要数 (needed)": [row[n] for n in PLAN_ITEMS],
        }), {"必要数 (needed)": ["pipeline_amount" if n == "pipeline_needed" else n for n in PLAN_ITEMS]}))
    suggestion = warehouse.frame(
        "select kpi, baseline, stretch_target, achievable_target, floor_target, suggestion_month "
        "from marts.kpi_target_suggestion where scope_type = 'org' and is_cumulative order by kpi"
    )
    suggested = {"直近3か月平均 (last 3 months)": "baseline", "ストレッチ (stretch)": "stretch_target",
                 "達成可能 (achievable)": "achievable_target", "最低ライン (floor)": "floor_target"}
    sheet.tables.append(Table("target_suggestions", "来月の目標案 (target suggestions for next month)", pd.DataFrame({
        "KPI": [labels.get(k, k) for k in suggestion["kpi"]], **{title: suggestion[column] for title, column in suggested.items()},
    }), dict.fromkeys(suggested, list(suggestion["kpi"]))))
    trend = warehouse.frame(
        "select month_start, meetings_set, won_amount from marts.kpi_monthly where scope_type = 'org' and month_start <= ? order by month_start",
        [month],
    )
    sheet.charts.append(Chart(labels["meetings_set"] + " — 月次推移 (by month)", "line",
                              [str(pd.Timestamp(m).date())[:7] for m in trend["month_start"]], {"meetings_set": list(trend["meetings_set"])}))
    return sheet
