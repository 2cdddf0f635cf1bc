"""A deterministic inside-sales team, simulated, written as template exports (SPEC §2).

The simulation walks business days: leads arrive, reps dial and e-mail them, some calls end in
an appointment, meetings are held or cancelled, field sales turns some into opportunities that
are won or lost. While it does so it tallies the answer every `marts.kpi_daily` cell must have,
independently of the SQL, so the end-to-end test can check the warehouse cell by cell.

The files look like real Japanese exports: some CP932, some UTF-8 with BOM, timestamps in three
formats mixed row by row, company names written 株式会社 / (株) / ㈱, booleans as はい/○/1/true,
a month's calls overlapping the next month's export (exact duplicates), and a handful of rows
that break input rules (unknown rep, negative talk time, 2026/02/30) and must be quarantined.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from connectors.calendar import BusinessCalendar

UTC_OFFSET = timedelta(hours=9)  # Asia/Tokyo has no daylight saving

FAMILY_NAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木", "松本", "井上", "木村"]
GIVEN_NAMES = ["太郎", "花子", "翔", "美咲", "健一", "陽菜", "大輔", "結衣", "拓海", "七海", "直樹", "彩"]
COMPANY_WORDS = ["日本", "東京", "大阪", "未来", "テック", "ソリューションズ", "商事", "システム", "データ", "クラウド", "物流", "製作所",
                 "ネットワーク", "エンジニアリング", "メディカル", "フーズ"]
INDUSTRIES = ["製造", "IT・通信", "小売", "物流", "医療", "金融", "建設", "不動産"]
PREFECTURES = ["東京都", "大阪府", "愛知県", "福岡県", "神奈川県", "北海道", "宮城県", "広島県"]
INBOUND_CHANNELS = ["Webフォーム", "資料請求", "ウェビナー", "展示会", "紹介"]

# Call outcome mix near the seeds' benchmarks: ring ~92%, connect ~27%, effective ~15%.
CALL_OUTCOMES = [
    ("failed", 0.03), ("busy", 0.05), ("no_answer", 0.33), ("voicemail", 0.10), ("gatekeeper", 0.13),
    ("absent", 0.09), ("connected", 0.12), ("effective", 0.085), ("appointment", 0.065),
]
RANG = {"no_answer", "voicemail", "gatekeeper", "absent", "connected", "effective", "appointment"}
CONNECTED = {"connected", "effective", "appointment"}
EFFECTIVE = {"effective", "appointment"}
TRUE_SPELLINGS = ["true", "1", "はい", "○", "yes"]
FALSE_SPELLINGS = ["false", "0", "いいえ", "×", "no"]


@dataclass
class Sample:
    out_dir: Path
    files: list[Path]
    expected_kpi_daily: pd.DataFrame
    quarantined_rows: int
    exact_duplicates: int


@dataclass
class _Lead:
    lead_id: str
    owner: str
    created: datetime
    lead_type: str
    channel: str
    account_id: str
    attempts: int = 0
    appointed: bool = False
    touches: list[datetime] = field(default_factory=list)
    statuses: list[tuple[datetime, str]] = field(default_factory=list)


class _Simulation:
    def __init__(self, seed: int, n_reps: int, start: date, end: date, calendar: BusinessCalendar):
        self.rng = random.Random(seed)
        self.start = start
        self.end = end
        self.export_taken_at = datetime.combine(end, time(23, 59))
        self.days = calendar.business_days_between(start, self.end)
        # deadlines reach past the last day: keep a calendar that runs on for a while
        self.calendar = calendar.business_days_between(start, self.end + timedelta(days=60))
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.answer: dict[tuple[date, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.leads: dict[str, _Lead] = {}
        self.counter: dict[str, int] = defaultdict(int)
        self.company_of: dict[str, str] = {}
        self.first_meetings: list[tuple[date, str, _Lead, datetime]] = []
        self.bad_calls: list[dict] = []
        self.n_reps = n_reps

    def next_id(self, prefix: str, width: int = 6) -> str:
        self.counter[prefix] += 1
        return f"{prefix}{self.counter[prefix]:0{width}d}"

    def timestamp(self, local: datetime) -> str:
        """The same instant in one of the formats Japanese exports mix."""
        style = self.rng.random()
        if style < 0.5:
            return local.strftime("%Y-%m-%d %H:%M:%S")
        if style < 0.8:
            return f"{local.year}/{local.month:02d}/{local.day:02d} {local.hour}:{local.minute:02d}:{local.second:02d}"
        return (local - UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")

    def boolean(self, value: bool) -> str:
        return self.rng.choice(TRUE_SPELLINGS if value else FALSE_SPELLINGS)

    def person(self) -> str:
        return f"{self.rng.choice(FAMILY_NAMES)} {self.rng.choice(GIVEN_NAMES)}"

    # -- master data -------------------------------------------------------------------------

    def make_reps(self) -> None:
        self.is_reps = []
        for i in range(self.n_reps):
            rep_id = f"R{i + 1:03d}"
            team, role = ("東京SDR", "sdr") if i % 2 == 0 else ("大阪BDR", "bdr")
            self.is_reps.append((rep_id, role))
            self.rows["reps"].append(
                {"rep_id": rep_id, "rep_name": self.person(), "department": "is", "team": team, "role": role,
                 "email": f"rep{i + 1}@example.co.jp", "active_from": "2025-04-01", "active_to": ""}
            )
        self.rows["reps"].append(
            {"rep_id": "R900", "rep_name": self.person(), "department": "is", "team": "IS統括", "role": "manager",
             "email": "is-manager@example.co.jp", "active_from": "2024/04/01", "active_to": ""}
        )
        self.fs_reps = [f"F{i + 1:03d}" for i in range(max(2, self.n_reps // 2))]
        for rep_id in self.fs_reps:
            self.rows["reps"].append(
                {"rep_id": rep_id, "rep_name": self.person(), "department": "fs", "team": "フィールドセールス", "role": "fs",
                 "email": f"{rep_id.lower()}@example.co.jp", "active_from": "2024-04-01", "active_to": ""}
            )
        self.rows["reps"].append(
            {"rep_id": "M001", "rep_name": self.person(), "department": "mkt", "team": "マーケティング", "role": "marketing",
             "email": "mkt@example.co.jp", "active_from": "2024-04-01", "active_to": ""}
        )

    def make_accounts(self, n: int) -> None:
        self.accounts = []
        for i in range(n):
            core = self.rng.choice(COMPANY_WORDS) + self.rng.choice(COMPANY_WORDS)
            name = self.rng.choice([f"株式会社{core}", f"{core}株式会社", f"(株){core}", f"{core}㈱", f"ｶﾌﾞｼｷｶﾞｲｼｬ{core}"])
            account_id = f"A{i + 1:05d}"
            self.accounts.append((account_id, name))
            self.rows["accounts"].append(
                {"account_id": account_id, "account_name": name, "industry": self.rng.choice(INDUSTRIES),
                 "employee_count": f"{self.rng.choice([30, 80, 150, 400, 1200, 5000]):,}",
                 "prefecture": self.rng.choice(PREFECTURES), "icp_tier": str(self.rng.choice([1, 2, 2, 3, 3]))}
            )

    # -- the daily simulation ----------------------------------------------------------------

    def new_leads(self, day: date) -> None:
        for rep_id, role in self.is_reps:
            for _ in range(self.rng.choice([2, 3, 3, 4])):
                inbound = role == "sdr" or self.rng.random() < 0.1
                created = datetime.combine(day, time(9)) + timedelta(seconds=self.rng.randrange(9 * 3600))
                account_id, company = self.rng.choice(self.accounts)
                lead = _Lead(
                    self.next_id("L"), rep_id, created, "inbound" if inbound else "outbound",
                    self.rng.choice(INBOUND_CHANNELS) if inbound else self.rng.choice(["アウトバウンドリスト", "outbound_list"]),
                    account_id,
                )
                lead.statuses.append((created, "new"))
                if inbound:
                    lead.statuses.append((created + timedelta(minutes=1), "mql"))
                    self.rows["ma_activities"].append(
                        {"activity_id": self.next_id("MA"), "lead_id": lead.lead_id, "email": "",
                         "activity_type": "form_fill", "channel": lead.channel, "occurred_at": self.timestamp(created),
                         "score_delta": "30"}
                    )
                self.leads[lead.lead_id] = lead
                self.company_of[lead.lead_id] = company
                self.answer[(day, rep_id)]["leads_assigned"] += 1

    def calls_and_emails(self, day: date, rep_id: str) -> None:
        open_leads = [candidate for candidate in self.leads.values()
                      if candidate.owner == rep_id and not candidate.appointed and candidate.attempts < 6]
        n_dials = self.rng.randint(30, 45)
        moments = sorted(datetime.combine(day, time(9)) + timedelta(seconds=self.rng.randrange(10 * 3600)) for _ in range(n_dials))
        for moment in moments:
            eligible = [candidate for candidate in open_leads if candidate.created <= moment and not candidate.appointed and candidate.attempts < 6]
            lead = None
            if eligible and self.rng.random() > 0.05:
                newest = max(eligible, key=lambda candidate: candidate.created)
                lead = newest if (newest.attempts == 0 and self.rng.random() < 0.6) else self.rng.choice(eligible)
            self.dial(day, rep_id, moment, lead)
        for _ in range(self.rng.randint(0, 2)):  # inbound calls: activity, but not dials
            moment = datetime.combine(day, time(10)) + timedelta(seconds=self.rng.randrange(7 * 3600))
            self.rows["calls"].append(
                {"call_id": self.next_id("C", 7), "rep_id": rep_id, "lead_id": "", "phone": "0120-000-000",
                 "direction": "inbound", "started_at": self.timestamp(moment), "result": "connected",
                 "talk_seconds": str(self.rng.randint(60, 400))}
            )
            self.answer[(day, rep_id)]["inbound_calls"] += 1
        for _ in range(self.rng.randint(4, 12)):
            pool = [known for known in self.leads.values() if known.owner == rep_id and known.created.date() <= day]
            if pool:
                self.send_email(day, rep_id, self.rng.choice(pool))

    def dial(self, day: date, rep_id: str, moment: datetime, lead: _Lead | None) -> None:
        draw, outcome = self.rng.random(), CALL_OUTCOMES[-1][0]
        for name, share in CALL_OUTCOMES:
            if draw < share:
                outcome = name
                break
            draw -= share
        if outcome in CONNECTED:
            talk = self.rng.randint(60, 300) if outcome == "connected" else self.rng.randint(240, 1200)
        else:
            talk = self.rng.randint(0, 40) if outcome in RANG else 0
        result = outcome if self.rng.random() < 0.8 else {
            "failed": "不通", "busy": "話し中", "no_answer": "不在", "voicemail": "留守電", "gatekeeper": "受付ブロック",
            "absent": "担当者不在", "connected": "担当者接続", "effective": "有効会話", "appointment": "アポ獲得"}[outcome]
        self.rows["calls"].append(
            {"call_id": self.next_id("C", 7), "rep_id": rep_id, "lead_id": lead.lead_id if lead else "",
             "phone": f"03-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}", "direction": "outbound",
             "started_at": self.timestamp(moment), "result": result, "talk_seconds": str(talk)}
        )
        tally = self.answer[(day, rep_id)]
        tally["dials"] += 1
        tally["rang_calls"] += outcome in RANG
        tally["connected_calls"] += outcome in CONNECTED
        tally["effective_contacts"] += outcome in EFFECTIVE
        tally["connected_talk_seconds"] += talk if outcome in CONNECTED else 0
        if lead is None:
            return
        lead.attempts += 1
        lead.touches.append(moment)
        if outcome in CONNECTED:
            lead.statuses.append((moment, "contacted"))
        if outcome in EFFECTIVE:
            lead.statuses.append((moment + timedelta(seconds=talk // 2), "engaged"))
        if outcome == "appointment":
            lead.appointed = True
            self.meeting(day, rep_id, lead, moment + timedelta(seconds=talk))

    def send_email(self, day: date, rep_id: str, lead: _Lead) -> None:
        sent = datetime.combine(day, time(8)) + timedelta(seconds=self.rng.randrange(11 * 3600))
        if sent < lead.created:
            return
        message_id = self.next_id("MSG")
        events = [("sent", sent)]
        if self.rng.random() < 0.03:
            events.append(("bounce", sent + timedelta(minutes=1)))
        else:
            events.append(("delivered", sent + timedelta(seconds=20)))
            if self.rng.random() < 0.45:
                opened = sent + timedelta(minutes=self.rng.randint(5, 60 * 30))  # may open the next day
                events.append(("open", opened))
                if self.rng.random() < 0.2:
                    events.append(("open", opened + timedelta(hours=3)))
                if self.rng.random() < 0.3:
                    events.append(("click", opened + timedelta(minutes=2)))
            if self.rng.random() < 0.07:
                events.append(("reply", sent + timedelta(hours=self.rng.randint(1, 48))))
        # an export taken at the end of the last day holds no open or reply that came after it
        events = [(event_type, moment) for event_type, moment in events if moment <= self.export_taken_at]
        tally = self.answer[(day, rep_id)]
        for event_type, column in (("sent", "emails_sent"), ("bounce", "emails_bounced"), ("open", "emails_opened"),
                                   ("click", "emails_clicked"), ("reply", "emails_replied")):
            tally[column] += any(kept == event_type for kept, _ in events)
        for event_type, moment in events:
            self.rows["email_events"].append(
                {"event_id": self.next_id("EV", 7), "message_id": message_id, "lead_id": lead.lead_id, "email": "",
                 "campaign_id": "", "sender_type": "rep", "rep_id": rep_id, "event_type": event_type,
                 "occurred_at": self.timestamp(moment)}
            )
        lead.touches.append(sent)

    def marketing_email(self, day: date) -> None:
        campaign = f"CMP{day:%Y%m}"
        for lead in self.rng.sample(list(self.leads.values()), k=min(20, len(self.leads))):
            sent = datetime.combine(day, time(7))
            message_id = self.next_id("MSG")
            for event_type, moment in [("sent", sent), ("delivered", sent + timedelta(seconds=30))]:
                self.rows["email_events"].append(
                    {"event_id": self.next_id("EV", 7), "message_id": message_id, "lead_id": lead.lead_id,
                     "email": "", "campaign_id": campaign, "sender_type": "marketing", "rep_id": "",
                     "event_type": event_type, "occurred_at": self.timestamp(moment)}
                )

    def meeting(self, day: date, rep_id: str, lead: _Lead, agreed: datetime) -> None:
        meeting_id = self.next_id("MTG")
        scheduled = agreed + timedelta(days=self.rng.randint(3, 12), hours=self.rng.randint(0, 5))
        past = scheduled.date() <= self.end
        status = self.rng.choices(["held", "cancelled", "no_show"], [0.78, 0.13, 0.09])[0] if past else "scheduled"
        budget, need, timing = (self.rng.random() < p for p in (0.5, 0.85, 0.6))
        fs_rep = self.rng.choice(self.fs_reps)
        self.rows["meetings"].append(
            {"meeting_id": meeting_id, "lead_id": lead.lead_id, "set_by_rep_id": rep_id, "fs_rep_id": fs_rep,
             "agreed_at": self.timestamp(agreed),
             "date_confirmed_at": self.timestamp(agreed + timedelta(hours=2)) if self.rng.random() < 0.85 else "",
             "scheduled_for": self.timestamp(scheduled), "status": status,
             "bant_budget": self.boolean(budget), "bant_authority": self.boolean(self.rng.random() < 0.6),
             "bant_need": self.boolean(need), "bant_timing": self.boolean(timing),
             "handoff_score": str(self.rng.randint(2, 5)) if status == "held" else "",
             "updated_at": self.timestamp(agreed + timedelta(hours=3))}
        )
        tally = self.answer[(day, rep_id)]
        tally["meetings_set"] += 1
        self.first_meetings.append((day, rep_id, lead, agreed))
        if status == "held" and self.rng.random() < 0.85:
            lead.statuses.append((scheduled, "sal"))
            self.opportunity(lead, meeting_id, fs_rep, scheduled + timedelta(days=1))

    def opportunity(self, lead: _Lead, meeting_id: str, fs_rep: str, created: datetime) -> None:
        if created.date() > self.end:  # field sales has not opened it yet when the export is taken
            return
        opportunity_id = self.next_id("OPP")
        amount = self.rng.choice([500_000, 1_000_000, 1_500_000, 2_400_000, 3_600_000, 5_000_000])
        history = [("qualification", created)]
        moment = created
        for stage, chance in (("proposal", 0.7), ("negotiation", 0.65)):
            if self.rng.random() > chance:
                break
            moment += timedelta(days=self.rng.randint(5, 15))
            history.append((stage, moment))
        closed_at = None
        if len(history) == 3 or self.rng.random() < 0.3:
            moment += timedelta(days=self.rng.randint(5, 20))
            won = len(history) == 3 and self.rng.random() < 0.55
            history.append(("closed_won" if won else "closed_lost", moment))
            closed_at = moment
        history = [(s, t) for s, t in history if t <= self.export_taken_at]
        stage = history[-1][0]
        closed_at = closed_at if closed_at and closed_at <= self.export_taken_at else None
        for s, t in history:
            self.rows["opportunity_stage_history"].append(
                {"opportunity_id": opportunity_id, "stage": s, "amount": str(amount), "changed_at": self.timestamp(t)}
            )
            if s in ("proposal", "closed_won", "closed_lost"):
                lead.statuses.append((t, {"proposal": "sql", "closed_won": "won", "closed_lost": "lost"}[s]))
        self.rows["opportunities"].append(
            {"opportunity_id": opportunity_id, "lead_id": lead.lead_id, "account_id": lead.account_id,
             "meeting_id": meeting_id, "owner_rep_id": fs_rep, "created_at": self.timestamp(created), "stage": stage,
             "amount": f"{amount:,}", "currency": "JPY",
             "expected_close_date": (created + timedelta(days=60)).strftime("%Y-%m-%d"),
             "closed_at": self.timestamp(closed_at) if closed_at else "",
             "is_won": self.boolean(stage == "closed_won") if closed_at else "",
             "updated_at": self.timestamp(history[-1][1])}
        )

    def run(self) -> None:
        self.make_reps()
        self.make_accounts(60 * len(self.days) // 20 + 50)
        for day in self.days:
            self.new_leads(day)
            for rep_id, _ in self.is_reps:
                self.calls_and_emails(day, rep_id)
            if day.weekday() == 1:
                self.marketing_email(day)
        self.finish_leads()
        self.follow_up_answers()
        self.touches_to_meeting_answers()
        self.targets()
        self.bad_rows()

    def finish_leads(self) -> None:
        for lead in self.leads.values():
            statuses = sorted((t, s) for t, s in lead.statuses if t <= self.export_taken_at)
            for moment, status in statuses:
                self.rows["lead_status_history"].append(
                    {"lead_id": lead.lead_id, "status": status, "changed_at": self.timestamp(moment),
                     "changed_by_rep_id": lead.owner}
                )
            self.rows["leads"].append(
                {"lead_id": lead.lead_id, "account_id": lead.account_id, "company_name": self.company_of[lead.lead_id],
                 "contact_name": self.person(), "email": f"{lead.lead_id.lower()}@Example.JP",
                 "phone": f"０３－{self.rng.randint(1000, 9999)}－{self.rng.randint(1000, 9999)}",
                 "channel": lead.channel, "lead_type": lead.lead_type, "owner_rep_id": lead.owner,
                 "created_at": self.timestamp(lead.created), "status": statuses[-1][1],
                 "score": str(self.rng.randint(0, 120)), "updated_at": self.timestamp(statuses[-1][0]),
                 "is_deleted": "false"}
            )

    def follow_up_answers(self, min_touches: int = 1, business_days: int = 1) -> None:
        position = {day: i for i, day in enumerate(self.calendar)}
        for lead in self.leads.values():
            created_day = lead.created.date()
            # the N-th business day after the created day (which may itself be a holiday)
            base = max(i for d, i in position.items() if d <= created_day) if created_day not in position else position[created_day]
            due = self.calendar[base + business_days]
            after = [t for t in lead.touches if t >= lead.created]
            tally = self.answer[(created_day, lead.owner)]
            tally["leads_touched"] += bool(after)
            tally["leads_followed_up"] += sum(1 for t in after if t.date() <= due) >= min_touches

    def touches_to_meeting_answers(self) -> None:
        # after the whole simulation: an e-mail generated later may have been sent before the agreement
        for day, rep_id, lead, agreed in self.first_meetings:
            tally = self.answer[(day, rep_id)]
            tally["first_meetings"] += 1
            tally["touches_before_first_meetings"] += sum(1 for t in lead.touches if t <= agreed)

    def targets(self) -> None:
        month = self.start.replace(day=1)
        while month <= self.end:
            for team, dials, effective in (("東京SDR", 3600, 500), ("大阪BDR", 3800, 520)):
                for kpi, value in (("dials", dials), ("meetings_set", 60), ("connect_rate", 0.27),
                                   ("effective_contacts", effective), ("meeting_conversion_rate", 0.18)):
                    self.rows["targets"].append(
                        {"period_month": month.strftime("%Y-%m"), "scope_type": "team", "scope_id": team,
                         "kpi": kpi, "target_value": str(value)}
                    )
            self.rows["targets"].append(
                {"period_month": month.strftime("%Y-%m"), "scope_type": "org", "scope_id": "all",
                 "kpi": "revenue", "target_value": "30,000,000"}
            )
            month = (pd.Timestamp(month) + pd.DateOffset(months=1)).date()

    def bad_rows(self) -> None:
        """Rows that break input rules; they must be quarantined and never reach a KPI."""
        moment = datetime.combine(self.days[len(self.days) // 2], time(11))
        bad = [
            {"rep_id": "R999", "started_at": self.timestamp(moment), "talk_seconds": "30"},
            {"rep_id": "R999", "started_at": self.timestamp(moment), "talk_seconds": "0"},
            {"rep_id": "R001", "started_at": self.timestamp(moment), "talk_seconds": "-5"},
            {"rep_id": "R002", "started_at": "2026/02/30 10:00", "talk_seconds": "10"},
        ]
        self.bad_calls = [
            {"call_id": self.next_id("C", 7), "rep_id": row["rep_id"], "lead_id": "", "phone": "",
             "direction": "outbound", "started_at": row["started_at"], "result": "no_answer",
             "talk_seconds": row["talk_seconds"]}
            for row in bad
        ]


# Which files are written in which encoding: the mix Japanese teams really send.
ENCODINGS = {"reps": "utf-8-sig", "accounts": "cp932", "leads": "cp932", "meetings": "utf-8-sig"}


def _write(path: Path, rows: list[dict], encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _month_of(value: str) -> str:
    if value.endswith("Z"):
        return (datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ") + UTC_OFFSET).strftime("%Y%m")
    year, month = value.replace("/", "-").split("-")[:2]
    return f"{year}{int(month):02d}"


def generate(
    out_dir: Path, seed: int = 42, reps: int = 8, months: int = 3, start: date = date(2026, 4, 1), end: date | None = None
) -> Sample:
    """Write the sample exports into out_dir and return what the warehouse must answer.

    The exports cover `months` from `start`, or start through `end` when given: a night's real
    exports end yesterday, with meetings already booked for the days after."""
    from orchestration.paths import DEFAULT_MAPPINGS_DIR

    last = end or (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
    sim = _Simulation(seed, reps, start, last, BusinessCalendar.from_mappings(DEFAULT_MAPPINGS_DIR))
    sim.run()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    duplicates = 0
    for entity, rows in sim.rows.items():
        if entity in ("calls", "email_events"):  # nightly-style exports, one file per month
            by_month: dict[str, list[dict]] = defaultdict(list)
            time_column = "started_at" if entity == "calls" else "occurred_at"
            for row in rows:
                by_month[_month_of(row[time_column])].append(row)
            months_sorted = sorted(by_month)
            for i, month in enumerate(months_sorted):
                month_rows = by_month[month]
                if entity == "calls" and i > 0:  # the export overlaps: last month's final calls again
                    overlap = by_month[months_sorted[i - 1]][-15:]
                    month_rows = overlap + month_rows
                    duplicates += len(overlap)
                if entity == "calls" and i == len(months_sorted) // 2:
                    month_rows = month_rows + sim.bad_calls
                path = out_dir / f"{entity}_{month}.csv"
                _write(path, month_rows, "cp932" if i == 0 else "utf-8")
                files.append(path)
        else:
            path = out_dir / f"{entity}.csv"
            _write(path, rows, ENCODINGS.get(entity, "utf-8"))
            files.append(path)
    return Sample(out_dir, files, _expected_kpi_daily(sim), len(sim.bad_calls), duplicates)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _expected_kpi_daily(sim: _Simulation) -> pd.DataFrame:
    teams = {rep["rep_id"]: rep["team"] for rep in sim.rows["reps"]}  # nobody changes team in the simulation
    records = []
    for (day, rep_id), t in sim.answer.items():
        if not (t["dials"] or t["inbound_calls"] or t["emails_sent"] or t["meetings_set"] or t["leads_assigned"]):
            continue
        records.append(
            {
                "activity_date": day, "rep_id": rep_id, "team": teams[rep_id],
                "dials": t["dials"], "rang_calls": t["rang_calls"], "connected_calls": t["connected_calls"],
                "effective_contacts": t["effective_contacts"], "connected_talk_seconds": t["connected_talk_seconds"],
                "ring_rate": _ratio(t["rang_calls"], t["dials"]),
                "connect_rate": _ratio(t["connected_calls"], t["dials"]),
                "effective_contact_rate": _ratio(t["effective_contacts"], t["dials"]),
                "avg_talk_seconds": _ratio(t["connected_talk_seconds"], t["connected_calls"]),
                "emails_sent": t["emails_sent"], "emails_opened": t["emails_opened"],
                "emails_clicked": t["emails_clicked"], "emails_replied": t["emails_replied"],
                "emails_bounced": t["emails_bounced"],
                "open_rate": _ratio(t["emails_opened"], t["emails_sent"]),
                "click_rate": _ratio(t["emails_clicked"], t["emails_sent"]),
                "reply_rate": _ratio(t["emails_replied"], t["emails_sent"]),
                "bounce_rate": _ratio(t["emails_bounced"], t["emails_sent"]),
                "leads_assigned": t["leads_assigned"], "leads_touched": t["leads_touched"],
                "leads_followed_up": t["leads_followed_up"],
                "list_consumption_rate": _ratio(t["leads_touched"], t["leads_assigned"]),
                "follow_up_rate": _ratio(t["leads_followed_up"], t["leads_assigned"]),
                "meetings_set": t["meetings_set"], "first_meetings": t["first_meetings"],
                "touches_before_first_meetings": t["touches_before_first_meetings"],
                "touches_to_meeting": _ratio(t["touches_before_first_meetings"], t["first_meetings"]),
            }
        )
    return pd.DataFrame.from_records(records).sort_values(["activity_date", "rep_id"]).reset_index(drop=True)

