"""A tiny IS team written by hand, with every KPI of SPEC §5 worked out on paper.

Two IS reps in two teams (R1 東京SDR, R2 大阪BDR), one field-sales rep, seven leads (one of them
deleted, one owned by no rep), twelve calls, five e-mail messages, four meetings (one set by field
sales) and three opportunities (and a meeting and an opportunity deleted in the CRM, which must
change no KPI), mostly in April 2026 (times are JST unless they carry a `Z`). `EXPECTED` holds the answers; the comments
next to each show the arithmetic, so a failing KPI points at the rows it is made of.
"""

from __future__ import annotations

import csv
from pathlib import Path

from connectors.contract import load_contract

ROWS: dict[str, list[dict[str, str]]] = {
    "reps": [
        {"rep_id": "R1", "rep_name": "佐藤 太郎", "department": "is", "team": "東京SDR", "role": "sdr"},
        {"rep_id": "R2", "rep_name": "鈴木 花子", "department": "is", "team": "大阪BDR", "role": "bdr"},
        {"rep_id": "F1", "rep_name": "高橋 翔", "department": "fs", "team": "フィールドセールス", "role": "fs"},
    ],
    "accounts": [
        {"account_id": "A1", "account_name": "株式会社テスト製作所", "industry": "製造", "icp_tier": "1"},
        {"account_id": "A2", "account_name": "(株)データ商事", "industry": "IT・通信", "icp_tier": "2"},
    ],
    "leads": [
        # lead, type, channel, owner, created (JST), status
        {"lead_id": "L1", "account_id": "A1", "lead_type": "inbound", "channel": "Webフォーム", "owner_rep_id": "R1",
         "created_at": "2026-04-01 09:00:00", "status": "won", "updated_at": "2026-04-20 10:00:00", "is_deleted": "false"},
        {"lead_id": "L2", "account_id": "A2", "lead_type": "outbound", "channel": "リスト", "owner_rep_id": "R2",
         "created_at": "2026-04-01 10:00:00", "status": "lost", "updated_at": "2026-04-15 10:00:00", "is_deleted": "false"},
        {"lead_id": "L3", "account_id": "A1", "lead_type": "inbound", "channel": "資料請求", "owner_rep_id": "R1",
         "created_at": "2026-04-02 08:00:00", "status": "engaged", "updated_at": "2026-04-02 11:00:00", "is_deleted": "false"},
        {"lead_id": "L4", "account_id": "A1", "lead_type": "inbound", "channel": "Webフォーム", "owner_rep_id": "R1",
         "created_at": "2026-04-03 09:00:00", "status": "new", "updated_at": "2026-04-03 09:00:00", "is_deleted": "true"},
        # scored 85 by marketing: at or above the MQL threshold (80), so a hot lead
        {"lead_id": "L5", "account_id": "A2", "lead_type": "outbound", "channel": "outbound_list", "owner_rep_id": "R2", "phone": "０３－５５５５－０００５",
         "created_at": "2026-04-03 10:00:00", "status": "new", "score": "85", "updated_at": "2026-04-03 10:00:00", "is_deleted": "false"},
        {"lead_id": "L6", "account_id": "A2", "lead_type": "inbound", "channel": "ウェビナー", "owner_rep_id": "R2", "email": "l6@example.jp",
         "created_at": "2026-04-03 09:00:00", "status": "new", "updated_at": "2026-04-03 09:00:00", "is_deleted": "false"},
        # no IS rep owns it (the CRM's queue): its cohort counts at org scope only
        {"lead_id": "L7", "account_id": "A1", "lead_type": "outbound", "channel": "リスト", "owner_rep_id": "",
         "created_at": "2026-05-01 09:00:00", "status": "new", "updated_at": "2026-05-01 09:00:00", "is_deleted": "false"},
    ],
    "lead_status_history": [
        {"lead_id": "L1", "status": "new", "changed_at": "2026-04-01 09:00:00"},
        {"lead_id": "L1", "status": "mql", "changed_at": "2026-04-01 09:01:00"},
        {"lead_id": "L1", "status": "contacted", "changed_at": "2026-04-01 09:03:00"},
        {"lead_id": "L1", "status": "sal", "changed_at": "2026-04-08 15:00:00"},
        {"lead_id": "L1", "status": "sql", "changed_at": "2026-04-10 10:00:00"},
        {"lead_id": "L1", "status": "受注", "changed_at": "2026-04-20 10:00:00"},
        {"lead_id": "L2", "status": "new", "changed_at": "2026-04-01 10:00:00"},
        {"lead_id": "L2", "status": "contacted", "changed_at": "2026-04-02 10:00:00"},
        {"lead_id": "L3", "status": "new", "changed_at": "2026-04-02 08:00:00"},
        {"lead_id": "L3", "status": "mql", "changed_at": "2026-04-02 08:01:00"},
        {"lead_id": "L3", "status": "engaged", "changed_at": "2026-04-02 11:00:00"},
    ],
    "ma_activities": [
        # a pricing-page visit: a hot action (mappings/hot_actions.csv), so L6 enters mql at 09:05
        {"activity_id": "MA1", "lead_id": "L6", "activity_type": "page_visit", "detail": "https://example.jp/pricing", "occurred_at": "2026-04-03 09:05:00"},
        # L1 visits the pricing page after its meeting was accepted: no step back to mql
        {"activity_id": "MA2", "lead_id": "L1", "activity_type": "page_visit", "detail": "https://example.jp/pricing", "occurred_at": "2026-04-15 10:00:00"},
        # a webinar sign-up is no hot action, and 30 points stay below the threshold
        {"activity_id": "MA3", "lead_id": "L2", "activity_type": "webinar_register", "occurred_at": "2026-04-01 11:00:00", "score_delta": "30"},
    ],
    "calls": [
        {"call_id": "C1", "rep_id": "R1", "lead_id": "L1", "direction": "outbound", "started_at": "2026-04-01 09:03:00", "result": "connected", "talk_seconds": "100"},
        {"call_id": "C2", "rep_id": "R1", "lead_id": "L1", "direction": "outbound", "started_at": "2026/04/01 10:00", "result": "appointment", "talk_seconds": "300"},
        # the date line: 23:30 UTC on 1 April is 08:30 JST on 2 April
        {"call_id": "C3", "rep_id": "R1", "lead_id": "L3", "direction": "outbound", "started_at": "2026-04-01T23:30:00Z", "result": "不在", "talk_seconds": "0"},
        {"call_id": "C4", "rep_id": "R1", "lead_id": "L3", "direction": "outbound", "started_at": "2026-04-02 11:00:00", "result": "effective", "talk_seconds": "200"},
        {"call_id": "C5", "rep_id": "R1", "lead_id": "", "direction": "outbound", "started_at": "2026-04-02 12:00:00", "result": "busy", "talk_seconds": "0"},
        {"call_id": "C6", "rep_id": "R1", "lead_id": "", "direction": "inbound", "started_at": "2026-04-02 13:00:00", "result": "connected", "talk_seconds": "50"},
        {"call_id": "C7", "rep_id": "R2", "lead_id": "L2", "direction": "outbound", "started_at": "2026-04-01 11:00:00", "result": "failed", "talk_seconds": "0"},
        {"call_id": "C8", "rep_id": "R2", "lead_id": "L2", "direction": "outbound", "started_at": "2026-04-02 10:00:00", "result": "appointment", "talk_seconds": "400"},
        {"call_id": "C9", "rep_id": "R2", "lead_id": "L2", "direction": "outbound", "started_at": "2026-05-07 10:00:00", "result": "voicemail", "talk_seconds": "10"},
        # no lead_id: resolved to L5 by its number, written another way in the CRM
        {"call_id": "C11", "rep_id": "R2", "lead_id": "", "phone": "03(5555)0005", "direction": "outbound", "started_at": "2026-05-07 11:00:00", "result": "no_answer", "talk_seconds": "5"},
        {"call_id": "C10", "rep_id": "R1", "lead_id": "L3", "direction": "outbound", "started_at": "2026-04-03 10:00:00", "result": "有効会話", "talk_seconds": "150"},
        # field sales calls a customer: not inside-sales activity, in no KPI (nor the semantic layer)
        {"call_id": "C12", "rep_id": "F1", "lead_id": "", "phone": "03-9999-0001", "direction": "outbound", "started_at": "2026-04-06 10:00:00", "result": "connected", "talk_seconds": "600"},
        {"call_id": "C13", "rep_id": "F1", "lead_id": "", "phone": "03-9999-0001", "direction": "outbound", "started_at": "2026-04-07 10:00:00", "result": "effective", "talk_seconds": "900"},
    ],
    "email_events": [
        {"event_id": "E1", "message_id": "MSG1", "lead_id": "L1", "sender_type": "rep", "rep_id": "R1", "event_type": "sent", "occurred_at": "2026-04-01 09:30:00"},
        {"event_id": "E2", "message_id": "MSG1", "lead_id": "L1", "sender_type": "rep", "rep_id": "R1", "event_type": "delivered", "occurred_at": "2026-04-01 09:30:05"},
        # opened and clicked the next day: still counts for the message sent on 1 April
        {"event_id": "E3", "message_id": "MSG1", "lead_id": "L1", "sender_type": "rep", "rep_id": "R1", "event_type": "open", "occurred_at": "2026-04-02 10:00:00"},
        {"event_id": "E4", "message_id": "MSG1", "lead_id": "L1", "sender_type": "rep", "rep_id": "R1", "event_type": "click", "occurred_at": "2026-04-02 10:01:00"},
        {"event_id": "E5", "message_id": "MSG2", "lead_id": "L2", "sender_type": "rep", "rep_id": "R2", "event_type": "sent", "occurred_at": "2026-04-01 12:00:00"},
        {"event_id": "E6", "message_id": "MSG2", "lead_id": "L2", "sender_type": "rep", "rep_id": "R2", "event_type": "bounce", "occurred_at": "2026-04-01 12:01:00"},
        {"event_id": "E7", "message_id": "MSG3", "lead_id": "L1", "campaign_id": "CMP1", "sender_type": "marketing", "event_type": "sent", "occurred_at": "2026-04-01 07:00:00"},
        {"event_id": "E8", "message_id": "MSG3", "lead_id": "L1", "campaign_id": "CMP1", "sender_type": "marketing", "event_type": "open", "occurred_at": "2026-04-01 08:00:00"},
        # no lead_id: resolved to L6 by its address
        {"event_id": "E11", "message_id": "MSG5", "email": "L6@Example.JP", "campaign_id": "CMP1", "sender_type": "marketing", "event_type": "sent", "occurred_at": "2026-04-02 07:00:00"},
        {"event_id": "E9", "message_id": "MSG4", "lead_id": "L6", "sender_type": "rep", "rep_id": "R2", "event_type": "sent", "occurred_at": "2026-04-03 09:10:00"},
        {"event_id": "E10", "message_id": "MSG4", "lead_id": "L6", "sender_type": "rep", "rep_id": "R2", "event_type": "reply", "occurred_at": "2026-04-03 12:00:00"},
    ],
    "meetings": [
        {"meeting_id": "M1", "lead_id": "L1", "set_by_rep_id": "R1", "fs_rep_id": "F1", "agreed_at": "2026-04-01 10:05:00",
         "date_confirmed_at": "2026-04-01 11:00:00", "scheduled_for": "2026-04-08 14:00:00", "status": "held",
         "bant_budget": "true", "bant_authority": "はい", "bant_need": "○", "bant_timing": "1", "handoff_score": "4"},
        {"meeting_id": "M2", "lead_id": "L2", "set_by_rep_id": "R2", "fs_rep_id": "F1", "agreed_at": "2026-04-02 10:07:00",
         "date_confirmed_at": "", "scheduled_for": "2026-04-10 14:00:00", "status": "cancelled",
         "bant_budget": "false", "bant_authority": "true", "bant_need": "true", "bant_timing": "true", "handoff_score": ""},
        {"meeting_id": "M3", "lead_id": "L3", "set_by_rep_id": "R1", "fs_rep_id": "F1", "agreed_at": "2026-04-02 11:04:00",
         "date_confirmed_at": "2026-04-02 12:00:00", "scheduled_for": "2026-04-09 10:00:00", "status": "held",
         "bant_budget": "×", "bant_authority": "true", "bant_need": "true", "bant_timing": "true", "handoff_score": "2"},
        # deleted in the CRM: kept and flagged, counts nowhere
        {"meeting_id": "M4", "lead_id": "L5", "set_by_rep_id": "R2", "fs_rep_id": "F1", "agreed_at": "2026-04-03 11:00:00",
         "date_confirmed_at": "2026-04-03 11:00:00", "status": "held", "bant_budget": "true", "bant_authority": "true",
         "bant_need": "true", "bant_timing": "true", "handoff_score": "5", "is_deleted": "true"},
        # set by field sales, booked for after the as-of day: the organisation's meeting, no rep's
        {"meeting_id": "M5", "lead_id": "L7", "set_by_rep_id": "F1", "fs_rep_id": "F1", "agreed_at": "2026-05-01 15:00:00",
         "scheduled_for": "2026-05-12 14:00:00", "status": "scheduled"},
    ],
    "opportunities": [
        {"opportunity_id": "O1", "lead_id": "L1", "account_id": "A1", "meeting_id": "M1", "owner_rep_id": "F1",
         "created_at": "2026-04-09 10:00:00", "stage": "closed_won", "amount": "1,000,000", "currency": "JPY",
         "closed_at": "2026-04-20 10:00:00", "is_won": "true", "updated_at": "2026-04-20 10:00:00"},
        {"opportunity_id": "O2", "lead_id": "L2", "account_id": "A2", "meeting_id": "", "owner_rep_id": "F1",
         "created_at": "2026-04-05 10:00:00", "stage": "失注", "amount": "500000", "currency": "JPY",
         "closed_at": "2026-04-15 10:00:00", "is_won": "false", "updated_at": "2026-04-15 10:00:00"},
        {"opportunity_id": "O3", "lead_id": "", "account_id": "A2", "meeting_id": "", "owner_rep_id": "F1",
         "created_at": "2026-04-10 10:00:00", "stage": "proposal", "amount": "2000000", "currency": "JPY",
         "updated_at": "2026-04-14 10:00:00"},
        {"opportunity_id": "O4", "lead_id": "L5", "account_id": "A2", "meeting_id": "M4", "owner_rep_id": "F1",
         "created_at": "2026-04-04 10:00:00", "stage": "closed_won", "amount": "5000000", "currency": "JPY",
         "closed_at": "2026-04-10 10:00:00", "is_won": "true", "updated_at": "2026-04-10 10:00:00", "is_deleted": "はい"},
    ],
    "opportunity_stage_history": [
        {"opportunity_id": "O1", "stage": "qualification", "amount": "1000000", "changed_at": "2026-04-09 10:00:00"},
        {"opportunity_id": "O1", "stage": "proposal", "amount": "1000000", "changed_at": "2026-04-12 10:00:00"},
        {"opportunity_id": "O1", "stage": "closed_won", "amount": "1000000", "changed_at": "2026-04-20 10:00:00"},
        {"opportunity_id": "O2", "stage": "qualification", "amount": "500000", "changed_at": "2026-04-05 10:00:00"},
        {"opportunity_id": "O2", "stage": "closed_lost", "amount": "500000", "changed_at": "2026-04-15 10:00:00"},
        {"opportunity_id": "O3", "stage": "qualification", "amount": "1500000", "changed_at": "2026-04-10 10:00:00"},
        {"opportunity_id": "O3", "stage": "proposal", "amount": "2000000", "changed_at": "2026-04-14 10:00:00"},
        {"opportunity_id": "O4", "stage": "proposal", "amount": "5000000", "changed_at": "2026-04-04 10:00:00"},
        {"opportunity_id": "O4", "stage": "closed_won", "amount": "5000000", "changed_at": "2026-04-10 10:00:00"},
    ],
    "targets": [
        {"period_month": "2026-04", "scope_type": "org", "scope_id": "all", "kpi": "revenue", "target_value": "10,000,000"},
        {"period_month": "2026-05", "scope_type": "org", "scope_id": "all", "kpi": "revenue", "target_value": "10,000,000"},
        # lower is better: a cancel rate of 1/3 against 50% attains 150%
        {"period_month": "2026-04", "scope_type": "org", "scope_id": "all", "kpi": "meeting_cancel_rate", "target_value": "0.5"},
        # R1 did nothing in May: 0 dials so far, not NULL
        {"period_month": "2026-05", "scope_type": "rep", "scope_id": "R1", "kpi": "dials", "target_value": "100"},
    ],
}

APRIL, MAY = "2026-04-01", "2026-05-01"
DAY = 86_400

# (month, scope_type, scope_id) -> KPI -> value worked out by hand; None = NULL (zero denominator).
EXPECTED: dict[tuple[str, str, str], dict[str, float | None]] = {
    (APRIL, "org", "all"): {
        "dials": 8,                            # C1 C2 C3 C4 C5 C10 (R1) + C7 C8 (R2); C6 is inbound, C9 is May
        "ring_rate": 6 / 8,                    # all but C5 busy and C7 failed
        "connect_rate": 5 / 8,                 # C1 C2 C4 C10 C8
        "effective_contact_rate": 4 / 8,       # C2 C4 C10 C8
        "effective_contacts": 4,
        "avg_talk_seconds": (100 + 300 + 200 + 150 + 400) / 5,
        "emails_sent": 3,                      # MSG1 MSG2 MSG4; MSG3 is a campaign e-mail
        "open_rate": 1 / 3, "click_rate": 1 / 3, "reply_rate": 1 / 3, "bounce_rate": 1 / 3,
        "list_consumption_rate": 5 / 5,        # L1 L2 L3 L6, and L5 by C11 in May (resolved by phone); L4 deleted
        "follow_up_rate": 4 / 5,               # each within a business day, but L5 (touched a month late)
        "touches_to_meeting": (3 + 3 + 2) / 3, # L1: C1 MSG1 C2 · L2: C7 MSG2 C8 · L3: C3 C4
        "meetings_set": 3,
        "meeting_conversion_rate": 3 / 4,
        "valid_meetings": 1,                   # M1; M3 held but L3 never reached sal; M2 cancelled
        "bant_rate": 1 / 3,                    # M1 only has all four
        "appointment_confirm_rate": 2 / 3,     # M1 M3
        "meeting_cancel_rate": 1 / 3,          # M2
        "handoff_quality": (4 + 2) / 2,
        "sal_to_sql_rate": 1 / 2,              # SAL: L1 (8 Apr), L2 (5 Apr via O2); only L1 reached sql (lost ≠ sql)
        "win_rate": 1 / 2,                     # O1 won, O2 lost
        "cohort_win_rate": 1 / 3,              # O1 O2 O3 created in April
        "is_sourced_won_amount": 1_000_000,
        "avg_deal_size": 1_000_000,
        "post_handoff_win_rate": 1.0,          # O1 is the only IS-sourced closed opportunity
        "pipeline_amount": 2_000_000,          # O3 at its proposal amount on 30 April
        "pipeline_coverage": 0.0,              # nothing open when April began
        "lead_response_minutes": 10.0,         # inbound L1 3 min (C1), L6 10 min (MSG4), L3 30 min (C3)
        "lead_response_minutes_mean": (3 + 10 + 30) / 3,
        "sla_5min_rate": 1 / 3,                # L1
        "lead_to_meeting_days": 184 * 60 / DAY,  # L1 65 min, L3 184 min, L2 1 day 7 min: the median
        "hot_leads": 4,                        # L1 L3 (mql status), L5 (score 85), L6 (pricing page); L2 only passed mql
    },
    (APRIL, "rep", "R1"): {
        "dials": 6, "ring_rate": 5 / 6, "connect_rate": 4 / 6, "effective_contact_rate": 3 / 6,
        "effective_contacts": 3, "avg_talk_seconds": 750 / 4,
        "emails_sent": 1, "open_rate": 1.0, "click_rate": 1.0, "reply_rate": 0.0, "bounce_rate": 0.0,
        "list_consumption_rate": 1.0, "follow_up_rate": 1.0, "touches_to_meeting": (3 + 2) / 2,
        "meetings_set": 2, "meeting_conversion_rate": 2 / 3, "valid_meetings": 1, "bant_rate": 1 / 2,
        "appointment_confirm_rate": 1.0, "meeting_cancel_rate": 0.0, "handoff_quality": 3.0,
        "sal_to_sql_rate": 1.0, "win_rate": 1.0, "cohort_win_rate": 1.0, "is_sourced_won_amount": 1_000_000,
        "avg_deal_size": 1_000_000, "post_handoff_win_rate": 1.0,
        "pipeline_amount": 0,                  # O3 has no meeting: org scope only
        "pipeline_coverage": None,             # no revenue target for a rep
        "lead_response_minutes": (3 + 30) / 2, "lead_response_minutes_mean": (3 + 30) / 2, "sla_5min_rate": 1 / 2,
        "lead_to_meeting_days": (65 + 184) / 2 * 60 / DAY, "hot_leads": 2,
    },
    (APRIL, "team", "大阪BDR"): {
        "dials": 2, "ring_rate": 1 / 2, "connect_rate": 1 / 2, "effective_contact_rate": 1 / 2,
        "effective_contacts": 1, "avg_talk_seconds": 400.0,
        "emails_sent": 2, "open_rate": 0.0, "click_rate": 0.0, "reply_rate": 1 / 2, "bounce_rate": 1 / 2,
        "list_consumption_rate": 3 / 3, "follow_up_rate": 2 / 3, "touches_to_meeting": 3.0,
        "meetings_set": 1, "meeting_conversion_rate": 1.0, "valid_meetings": 0, "bant_rate": 0.0,
        "appointment_confirm_rate": 0.0, "meeting_cancel_rate": 1.0, "handoff_quality": None,
        "sal_to_sql_rate": 0.0,                # L2 is R2's SAL (she set its first meeting) and was lost
        "win_rate": None, "cohort_win_rate": None,  # O2 has no meeting: org scope only
        "is_sourced_won_amount": 0, "avg_deal_size": None, "post_handoff_win_rate": None,
        "lead_response_minutes": 10.0, "lead_response_minutes_mean": 10.0, "sla_5min_rate": 0.0,
        "lead_to_meeting_days": (DAY + 7 * 60) / DAY, "hot_leads": 2,  # L5 L6
    },
    (MAY, "org", "all"): {
        "dials": 2, "connect_rate": 0.0, "avg_talk_seconds": None, "emails_sent": 0, "open_rate": None,  # C9 C11
        # M5 and L7: credit no IS rep holds (set by field sales; owned by no one), at org scope only
        "meetings_set": 1, "meeting_conversion_rate": None, "valid_meetings": 0, "bant_rate": 0.0, "meeting_cancel_rate": 0.0,
        "touches_to_meeting": 0.0,             # L7's first meeting, with no touch before it
        "list_consumption_rate": 0.0, "follow_up_rate": 0.0,  # L7, never touched
        "pipeline_amount": 2_000_000,          # O3 still open on the as-of day, 7 May
        "pipeline_coverage": 0.2,              # 2,000,000 open when May began ÷ 10,000,000
    },
}

# (activity_date, rep_id) -> kpi_daily values
EXPECTED_DAILY = {
    ("2026-04-01", "R1"): {"dials": 2, "emails_sent": 1, "meetings_set": 1},
    ("2026-04-02", "R1"): {"dials": 3, "connected_calls": 1, "meetings_set": 1},  # C3 belongs to 2 April JST
    ("2026-04-03", "R1"): {"dials": 1, "effective_contacts": 1},
    ("2026-04-01", "R2"): {"dials": 1, "emails_sent": 1, "emails_bounced": 1, "bounce_rate": 1.0},
}

# stage -> (leads that entered it in April, median days in stage, stuck now) at org scope
EXPECTED_STAGE_DAYS = {
    # L1 1 Apr 10:05 → 8 Apr 15:00; L2 2 Apr 10:07 → 5 Apr 10:00; L3 2 Apr 11:04 → as-of end (8 May 00:00)
    "qualified": (3, (7 * DAY + 4 * 3600 + 55 * 60) / DAY, 1),
}

# how activity without a known lead_id found its lead
EXPECTED_RESOLUTION = {
    ("fct_call", "call_id", "C11"): ("L5", "phone"),
    ("fct_call", "call_id", "C5"): (None, "unresolved"),
    ("fct_call", "call_id", "C1"): ("L1", "given"),
    ("fct_email_message", "message_id", "MSG5"): ("L6", "email"),
}

# channel -> (leads created in April, leads that reached sal)
EXPECTED_CHANNEL_SAL = {"web_form": (1, 1), "outbound_list": (2, 1), "document_download": (1, 0), "webinar": (1, 0)}


def write(folder: Path, rows_by_entity: dict[str, list[dict[str, str]]] = ROWS) -> Path:
    """The exports as template CSVs in `folder`: every contract column, empty where a row is silent."""
    contract = load_contract()
    folder.mkdir(parents=True, exist_ok=True)
    for entity, rows in rows_by_entity.items():
        columns = [column.name for column in contract[entity].columns]
        with (folder / f"{entity}.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=columns)
            writer.writeheader()
            writer.writerows({column: row.get(column, "") for column in columns} for row in rows)
    return folder
