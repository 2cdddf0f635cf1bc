"""The hand-worked team of kpi_fixture, exported the way a team on Salesforce + MiiTel + Account
Engagement would drop it: written here from the vendors' documented headers
(../shared/reference/vendor_formats.md), independently of the formats that read them.

- salesforce/: user, lead, lead_history, opportunity, opportunity_history (UTC, Fivetran style:
  `true`/`false`, ids with their object prefix, a `UTC`-less timestamp, CloseDate a date);
- miitel/: the flow display, one row per leg (an IVR prompt before an inbound call, a forward
  after a dial), local times, talk time as HH:MM:SS;
- account_engagement/: prospect and visitor_activity (type codes, `… UTC` timestamps);
- at the top, in the template: reps (with the e-mails the vendor users resolve by), accounts,
  meetings (BANT and hand-off scores live in the team's sheet), the reps' own e-mails (a sales
  engagement tool's export) and targets.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import kpi_fixture

TOKYO = ZoneInfo("Asia/Tokyo")
EMAILS = {"R1": "r1@example.jp", "R2": "r2@example.jp", "F1": "f1@example.jp"}
# the CRM holds the numbers MiiTel dials; a call finds its lead by them
LEAD_PHONES = {"L1": "03-1111-0001", "L2": "03-1111-0002", "L3": "03-1111-0003"}
# the sheet names the lead by its Salesforce id
LEAD_IDS = {f"L{i}": f"00Q00000000000L{i}" for i in range(1, 8)}
OPPORTUNITY_IDS = {f"O{i}": f"00600000000000O{i}" for i in range(1, 5)}
USER_IDS = {rep: f"00500000000000{rep}" for rep in EMAILS}


def _instant(text: str) -> datetime:
    """A fixture timestamp (JST unless it carries Z) as an aware datetime."""
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=TOKYO)
        except ValueError:
            continue
    raise ValueError(text)


def _utc(text: str) -> str:
    return _instant(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if text else ""


def _local(text: str) -> str:
    return _instant(text).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")


def _hms(seconds: str) -> str:
    s = int(seconds or 0)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _yes(value: str) -> str:
    return "true" if value.strip() in ("true", "はい", "1", "○") else "false"


def _write(path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows({h: row.get(h, "") for h in header} for row in rows)


def _template(folder: Path, entity: str, rows: list[dict[str, str]], name: str | None = None) -> None:
    header = sorted({key for row in rows for key in row})
    _write(folder / f"{name or entity}.csv", header, rows)


def write(folder: Path) -> Path:
    rows = kpi_fixture.ROWS
    lead = {row["lead_id"]: row for row in rows["leads"]}
    converted = {o["lead_id"]: OPPORTUNITY_IDS[o["opportunity_id"]] for o in rows["opportunities"] if o["lead_id"]}

    # --- Salesforce ----------------------------------------------------------------------------
    sf = folder / "salesforce"
    _write(sf / "User.csv", ["_fivetran_deleted", "_fivetran_synced", "id", "name", "email", "username", "is_active", "user_type"], [
        {"_fivetran_deleted": "false", "_fivetran_synced": "2026-05-08 02:00:00", "id": USER_IDS[r["rep_id"]], "name": r["rep_name"],
         "email": EMAILS[r["rep_id"]].upper(), "username": EMAILS[r["rep_id"]] + ".sf", "is_active": "true", "user_type": "Standard"}
        for r in rows["reps"]
    ])
    _write(sf / "leads_20260508.csv", [
        "id", "company", "name", "email", "phone", "lead_source", "status", "owner_id", "created_date", "system_modstamp",
        "is_deleted", "is_converted", "converted_account_id", "converted_contact_id", "converted_opportunity_id", "pi_score_c",
    ], [
        {"id": LEAD_IDS[r["lead_id"]], "company": "テスト", "name": f"担当 {r['lead_id']}", "email": r.get("email", ""),
         "phone": r.get("phone") or LEAD_PHONES.get(r["lead_id"], ""), "lead_source": r["channel"], "status": r["status"],
         "owner_id": USER_IDS.get(r["owner_rep_id"], ""), "created_date": _utc(r["created_at"]), "system_modstamp": _utc(r["updated_at"]),
         "is_deleted": _yes(r.get("is_deleted", "")), "is_converted": "true" if r["lead_id"] in converted else "false",
         "converted_account_id": r["account_id"], "converted_opportunity_id": converted.get(r["lead_id"], ""),
         "pi_score_c": r.get("score", "")}
        for r in rows["leads"]
    ])
    _write(sf / "lead_history.csv", ["id", "lead_id", "field", "old_value", "new_value", "created_date", "created_by_id", "is_deleted"], [
        {"id": f"017H{i:04d}", "lead_id": LEAD_IDS[r["lead_id"]], "field": "Status", "new_value": r["status"],
         "created_date": _utc(r["changed_at"]), "created_by_id": USER_IDS[lead[r["lead_id"]]["owner_rep_id"]], "is_deleted": "false"}
        for i, r in enumerate(rows["lead_status_history"])
    ] + [  # an owner change is no stage change
        {"id": "017H9999", "lead_id": LEAD_IDS["L2"], "field": "Owner", "old_value": USER_IDS["R1"], "new_value": USER_IDS["R2"],
         "created_date": _utc("2026-04-01 10:30:00"), "created_by_id": USER_IDS["R2"], "is_deleted": "false"},
    ])
    _write(sf / "opportunity.csv", [
        "_fivetran_synced", "id", "account_id", "amount", "close_date", "created_date", "forecast_category", "is_closed", "is_deleted",
        "is_won", "owner_id", "stage_name", "currency_iso_code", "system_modstamp", "iskpi_meeting_id_c",
    ], [
        {"_fivetran_synced": "2026-05-08 02:00:00", "id": OPPORTUNITY_IDS[o["opportunity_id"]], "account_id": o["account_id"],
         "amount": o["amount"].replace(",", ""), "close_date": _instant(o["closed_at"]).date().isoformat() if o.get("closed_at") else "",
         "created_date": _utc(o["created_at"]), "forecast_category": "Closed" if o.get("closed_at") else "Pipeline",
         "is_closed": "true" if o.get("closed_at") else "false", "is_deleted": _yes(o.get("is_deleted", "")),
         "is_won": _yes(o.get("is_won", "")), "owner_id": USER_IDS[o["owner_rep_id"]], "stage_name": o["stage"],
         "currency_iso_code": o["currency"], "system_modstamp": _utc(o["updated_at"]), "iskpi_meeting_id_c": o["meeting_id"]}
        for o in rows["opportunities"]
    ])
    _write(sf / "opportunity_history.csv", ["id", "opportunity_id", "stage_name", "amount", "close_date", "created_date", "is_deleted"], [
        {"id": f"008H{i:04d}", "opportunity_id": OPPORTUNITY_IDS[h["opportunity_id"]], "stage_name": h["stage"], "amount": h["amount"],
         "created_date": _utc(h["changed_at"]), "is_deleted": "false"}
        for i, h in enumerate(rows["opportunity_stage_history"])
    ])

    # --- MiiTel: one row per leg ----------------------------------------------------------------
    legs = []
    for call in rows["calls"]:
        phone = call.get("phone") or LEAD_PHONES.get(call["lead_id"], "")
        leg = {"Parent sequence ID": call["call_id"], "Previous sequence ID": "", "Start time": _local(call["started_at"]),
               "User email": EMAILS[call["rep_id"]], "Phone number": phone,
               "Call type": "outbound" if call["direction"] == "outbound" else "incoming",
               "Talk duration": _hms(call["talk_seconds"]), "Result": call["result"]}
        if call["direction"] == "inbound":  # the IVR greets the caller first
            legs.append({**leg, "Call type": "play", "Talk duration": "00:00:00", "Result": ""})
        legs.append(leg)
        if call["call_id"] == "C8":  # transferred to a colleague after the talk: still one dial
            legs.append({**leg, "Call type": "forward", "Start time": _local("2026-04-02 10:07:00"), "Talk duration": "00:01:00"})
    for number, leg in enumerate(legs, start=7001):  # MiiTel numbers every row; a flow's legs follow each other
        leg["Sequence ID"] = str(number)
        if number > 7001 and legs[number - 7002]["Parent sequence ID"] == leg["Parent sequence ID"]:
            leg["Previous sequence ID"] = str(number - 1)
    _write(folder / "miitel" / "応対履歴_202604.csv", [
        "Parent sequence ID", "Sequence ID", "Previous sequence ID", "Call type", "Start time", "User email", "Phone number",
        "Talk duration", "Result",
    ], legs, encoding="cp932")

    # --- Account Engagement ---------------------------------------------------------------------
    ae = folder / "account_engagement"
    prospects = {"L1": "P1", "L2": "P2", "L6": "P6"}
    _write(ae / "prospect.csv", ["id", "email", "phone", "company", "crm_lead_fid", "crm_contact_fid", "score", "_fivetran_deleted"], [
        {"id": p, "email": lead[lead_id].get("email") or f"{lead_id.lower()}@example.jp", "crm_lead_fid": LEAD_IDS[lead_id],
         "crm_contact_fid": "", "_fivetran_deleted": "false"}
        for lead_id, p in prospects.items()
    ])
    marketing = [e for e in rows["email_events"] if e["sender_type"] == "marketing"]
    codes = {"sent": "6", "open": "11", "click": "1", "bounce": "13", "unsubscribe": "12"}
    activity = [
        {"id": e["event_id"], "prospect_id": prospects[e.get("lead_id") or "L6"], "campaign_id": e.get("campaign_id", ""),
         "type": codes[e["event_type"]], "type_name": "Email", "created_at": _utc(e["occurred_at"]) + " UTC",
         "list_email_id": e["message_id"]}
        for e in marketing
    ]
    ma_codes = {"page_visit": ("2", "Visit"), "webinar_register": ("25", "Webinar")}
    activity += [
        {"id": a["activity_id"], "prospect_id": prospects[a["lead_id"]], "type": ma_codes[a["activity_type"]][0],
         "type_name": ma_codes[a["activity_type"]][1], "created_at": _utc(a["occurred_at"]) + " UTC", "details": a.get("detail", "")}
        for a in rows["ma_activities"]
    ]
    # a spam complaint (14) is neither an e-mail event of the contract nor an MA activity
    activity.append({"id": "X1", "prospect_id": "P1", "type": "14", "type_name": "Email", "created_at": "2026-04-03 00:00:00 UTC"})
    _write(ae / "visitor_activity.csv", ["id", "prospect_id", "visitor_id", "campaign_id", "type", "type_name", "created_at",
                                         "details", "email_id", "list_email_id"], activity)

    # --- the team's own sheets, in the template -------------------------------------------------
    _template(folder, "reps", [{**r, "email": EMAILS[r["rep_id"]]} for r in rows["reps"]])
    _template(folder, "accounts", rows["accounts"])
    _template(folder, "meetings", [{**m, "lead_id": LEAD_IDS[m["lead_id"]]} for m in rows["meetings"]])
    _template(folder, "email_events", [{**e, "lead_id": LEAD_IDS[e["lead_id"]]} for e in rows["email_events"] if e["sender_type"] == "rep"],
              name="email_events_sales_tool")
    _template(folder, "targets", rows["targets"])
    return folder


# what each vendor file must give: canonical rows taken, and the source rows read (legs, activities)
EXPECTED_LOADS = {
    ("salesforce/User.csv", "source_links"): (3, 3),
    ("salesforce/leads_20260508.csv", "leads"): (7, 7),
    ("salesforce/leads_20260508.csv [1/2]", "source_links"): (0, 7),  # converted leads' contacts: none here
    ("salesforce/leads_20260508.csv [2/2]", "source_links"): (3, 7),  # and their opportunities
    ("salesforce/lead_history.csv", "lead_status_history"): (11, 12),  # the Owner row is no stage change
    ("salesforce/opportunity.csv", "opportunities"): (4, 4),
    ("salesforce/opportunity_history.csv", "opportunity_stage_history"): (9, 9),
    ("miitel/応対履歴_202604.csv", "calls"): (13, 15),  # C6's IVR prompt and C8's forward are legs
    ("account_engagement/prospect.csv", "source_links"): (3, 3),
    ("account_engagement/visitor_activity.csv", "email_events"): (3, 7),
    ("account_engagement/visitor_activity.csv", "ma_activities"): (3, 7),
}
