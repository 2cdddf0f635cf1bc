"""One small export per shipped source format, written from the documented headers
(../shared/reference/vendor_formats.md, Appendix A and §1–6) with the quirks of §0, and what it
must give: the canonical rows, worked out by hand, and the KPIs of the one rep each format's
activity belongs to (March 2026, JST).

Every format has its own rep, so one nightly run over all of them keeps each format's numbers
apart: a format's KPIs are its rep's row of kpi_monthly, and its campaigns' rows of kpi_campaign.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

MARCH = "2026-03-01"


def _epoch_ms(text: str) -> str:
    return str(int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000))


REPS = """rep_id,rep_name,department,team,role,email
R_SF,佐藤 一郎,is,SF,sdr,sf.rep@example.jp
F_SF,高田 守,fs,FS,fs,sf.fs@example.jp
R_HS,鈴木 二郎,is,HS,sdr,hs.rep@example.jp
R_TW,田中 三郎,is,TW,sdr,tw.rep@example.jp
R_ZM,伊藤 四郎,is,ZM,sdr,zm.rep@example.jp
R_AC,相川 次郎,is,AC,sdr,ac.rep@example.jp
R_MI,三井 五郎,is,MI,sdr,mi.rep@example.jp
R_KT,木村 六郎,is,KT,sdr,kt.rep@example.jp
R_SR,森 花子,is,SR,sdr,sr.rep@example.jp
"""

# the team's CRM for the systems that hold no leads (telephony, marketing automation): the calls find
# their leads by number, the marketing e-mails by address (loaded with every format at once)
LEADS = """lead_id,company_name,email,phone,channel,lead_type,owner_rep_id,created_at,status
TL-TW1,顧客TW1,,+81322220001,リスト,outbound,R_TW,2026-03-01 09:00,new
TL-TW2,顧客TW2,,+81322220002,リスト,outbound,R_TW,2026-03-01 09:00,new
TL-TW5,顧客TW5,,+81322220005,リスト,outbound,R_TW,2026-03-01 09:00,new
TL-TW9,顧客TW9,,+81322220009,Webフォーム,inbound,R_TW,2026-03-01 09:00,new
TL-ZM1,顧客A,,+81333330001,リスト,outbound,R_ZM,2026-03-01 09:00,new
TL-ZM2,顧客B,,+81333330002,リスト,outbound,R_ZM,2026-03-01 09:00,new
TL-ZM3,顧客C,,+81333330003,リスト,outbound,R_ZM,2026-03-01 09:00,new
TL-AC1,顧客AC1,,+81344440001,リスト,outbound,R_AC,2026-03-01 09:00,new
TL-AC2,顧客AC2,,+81344440002,リスト,outbound,R_AC,2026-03-01 09:00,new
TL-MI1,顧客MI1,,03-5555-0001,リスト,outbound,R_MI,2026-03-01 09:00,new
TL-MI2,顧客MI2,,03-5555-0002,リスト,outbound,R_MI,2026-03-01 09:00,new
TL-MI3,顧客MI3,,03-5555-0003,Webフォーム,inbound,R_MI,2026-03-01 09:00,new
TL-MK1,マーケ1,mk1@example.jp,,Webフォーム,inbound,,2026-03-01 09:00,new
TL-MK2,マーケ2,mk2@example.jp,,Webフォーム,inbound,,2026-03-01 09:00,new
TL-AE1,エンゲージ株式会社,ae1@example.jp,,Webフォーム,inbound,,2026-03-01 09:00,new
"""

# what has no e-mail: a Twilio client identity and caller id, a Zoom user id
REP_IDENTITIES = """source,user,rep_id,note
twilio,client:tanaka,R_TW,softphone identity
zoom_phone,zm-user-001,R_ZM,Zoom user id
"""

# format -> file (in inbox/<format>/) -> (text, encoding)
FILES: dict[str, dict[str, tuple[str, str]]] = {
    "salesforce": {
        "sf_user.csv": ("""_fivetran_deleted,_fivetran_synced,id,email,name,username,is_active,user_type
false,2026-03-31 18:00:00,005SF0000001,SF.Rep@Example.jp,佐藤 一郎,sf.rep@example.jp.org,true,Standard
false,2026-03-31 18:00:00,005SF0000002,sf.fs@example.jp,高田 守,sf.fs@example.jp.org,true,Standard
""", "utf-8"),
        # a BOM before the header; TRUE/FALSE in capitals; milliseconds on one timestamp; a queue owner
        "sf_lead.csv": ("\ufeff" + """id,company,name,email,phone,lead_source,status,owner_id,created_date,system_modstamp,is_deleted,is_converted,converted_account_id,converted_contact_id,converted_opportunity_id,_fivetran_active
00QSF0000001,株式会社テスト,山田 太郎,yamada@test.example.jp,03-1234-0001,Webフォーム,Closed - Converted,005SF0000001,2026-03-02 00:00:00,2026-03-20 01:00:00,FALSE,TRUE,,003SF0000001,006SF0000001,TRUE
00QSF0000002,(株)サンプル,佐々木 花,,,リスト,Open - Not Contacted,00GQUEUE0001,2026-03-02 01:00:00.829,2026-03-02 01:00:00.829,FALSE,FALSE,,,,TRUE
00QSF0000003,消した会社,削除 済,,,Webフォーム,Open - Not Contacted,005SF0000001,2026-03-03 00:00:00,2026-03-04 00:00:00,TRUE,FALSE,,,,TRUE
""", "utf-8"),
        # the converted contact, and a contact created directly (no lead): its call carries the contact's number
        "sf_contact.csv": ("""id,_fivetran_synced,account_id,email,phone,mobile_phone,name,is_deleted,is_email_bounced,has_opted_out_of_email
003SF0000001,2026-03-31 18:00:00,001SF1,yamada@test.example.jp,03-1234-0001,,山田 太郎,false,false,false
003SF0000009,2026-03-31 18:00:00,001SF1,kato@test.example.jp,(03)1234-0009,,加藤 九,false,false,false
""", "utf-8"),
        "sf_lead_history.csv": ("""id,lead_id,field,old_value,new_value,created_date,created_by_id,is_deleted
017SF1,00QSF0000001,created,,,2026-03-02 00:00:00,005SF0000001,false
017SF2,00QSF0000001,Status,Open - Not Contacted,Working - Contacted,2026-03-02 03:00:00,005SF0000001,false
017SF3,00QSF0000001,Owner,00GQUEUE0001,005SF0000001,2026-03-02 00:30:00,005SF0000001,false
017SF4,00QSF0000001,Status,Working - Contacted,Closed - Converted,2026-03-10 01:00:00,005SF0000001,false
""", "utf-8"),
        # API names ("original names" in the EL tool), not snake_case
        "Task.csv": ("""Id,WhoId,WhatId,OwnerId,Subject,TaskSubtype,CallType,CallDisposition,CallDurationInSeconds,ActivityDate,CompletedDateTime,CreatedDate,IsDeleted
00TSF1,00QSF0000002,,005SF0000001,Call,Call,Outbound,不在,0,2026-03-02 00:00:00,2026-03-02 02:00:00,2026-03-02 02:00:00,false
00TSF2,003SF0000001,006SF0000001,005SF0000001,Call,Call,Outbound,アポ獲得,300,2026-03-02 00:00:00,2026-03-02 03:00:00,2026-03-02 03:00:00,false
00TSF3,,,005SF0000001,Call,Call,Internal,connected,60,2026-03-02 00:00:00,2026-03-02 04:30:00,2026-03-02 04:30:00,false
00TSF4,00QSF0000001,,005SF0000001,資料送付,Task,,,,2026-03-02 00:00:00,,2026-03-02 05:00:00,false
00TSF5,00QSF0000001,,005SF0000001,Email: ご案内,Email,,,,2026-03-02 00:00:00,2026-03-02 04:00:00,2026-03-02 04:00:00,false
00TSF6,00QSF0000002,,005SF0000001,Call,Call,Outbound,connected,30,2026-03-02 00:00:00,2026-03-02 06:00:00,2026-03-02 06:00:00,true
00TSF7,003SF0000009,,005SF0000001,Call,Call,Outbound,留守電,5,2026-03-02 00:00:00,2026-03-02 07:00:00,2026-03-02 07:00:00,false
""", "utf-8"),
        # a group event's child row repeats its parent
        "sf_event.csv": ("""id,who_id,what_id,owner_id,created_by_id,type,event_subtype,show_as,start_date_time,created_date,is_child,is_deleted,no_show_c,first_meeting_held_c
00USF1,003SF0000001,006SF0000001,005SF0000002,005SF0000001,Meeting,Event,Busy,2026-03-09 05:00:00,2026-03-02 03:05:00,FALSE,FALSE,FALSE,TRUE
00USF2,003SF0000001,006SF0000001,005SF0000002,005SF0000001,Meeting,Event,Busy,2026-03-09 05:00:00,2026-03-02 03:05:00,TRUE,FALSE,FALSE,TRUE
""", "utf-8"),
        # history mode: an old version (inactive) and the live one; probability 1000 (a seed's bad value, not read)
        "sf_opportunity.csv": ("""_fivetran_active,_fivetran_start,_fivetran_end,id,account_id,amount,close_date,created_date,forecast_category,is_closed,is_won,owner_id,stage_name,probability,system_modstamp,is_deleted
false,2026-03-10 01:00:00,2026-03-20 00:59:59,006SF0000001,,1000000,2026-03-31 00:00:00,2026-03-10 01:00:00,Pipeline,false,false,005SF0000002,Prospecting,10,2026-03-10 01:00:00,false
true,2026-03-20 01:00:00,9999-12-31 23:59:59,006SF0000001,,1000000,2026-03-20 00:00:00,2026-03-10 01:00:00,Closed,true,true,005SF0000002,Closed Won,1000,2026-03-20 01:00:00,false
""", "utf-8"),
        # the field history names the field by its API name; a CloseDate change is no stage change
        "sf_opportunity_field_history.csv": ("""id,opportunity_id,field,old_value,new_value,created_date,created_by_id,is_deleted
017F1,006SF0000001,CloseDate,2026-03-31,2026-03-25,2026-03-15 01:00:00,005SF0000002,false
017F2,006SF0000001,StageName,Prospecting,Closed Won,2026-03-20 01:00:00,005SF0000002,false
""", "utf-8"),
        # first_responded_date is a date; a status the team added is left out
        "sf_campaign_member.csv": ("""id,campaign_id,lead_id,contact_id,status,has_responded,first_responded_date,created_date,is_deleted
00vSF1,701SF1,00QSF0000002,,Responded,true,2026-03-04,2026-03-03 00:00:00,false
00vSF2,701SF1,,003SF0000001,Attended,true,2026-03-05,2026-03-03 00:00:00,false
00vSF3,701SF1,00QSF0000003,,Sent,false,,2026-03-03 00:00:00,false
00vSF4,701SF1,00QSF0000002,,資料DL済,true,2026-03-06,2026-03-03 00:00:00,false
""", "utf-8"),
        "sf_opportunity_history.csv": ("""id,opportunity_id,stage_name,amount,close_date,created_date,is_deleted
008SF1,006SF0000001,Prospecting,1000000,2026-03-31,2026-03-10 01:00:00,false
008SF2,006SF0000001,Prospecting,1000000,2026-03-25,2026-03-15 01:00:00,false
008SF3,006SF0000001,Closed Won,1000000,2026-03-20,2026-03-20 01:00:00,false
""", "utf-8"),
    },
    "hubspot": {
        "owner.csv": ("""owner_id,_fivetran_synced,created_at,portal_id,type,updated_at,email,first_name,last_name,active_user_id
101,2026-03-31 18:00:00,2025-01-01 00:00:00,4727653,PERSON,2025-01-01 00:00:00,hs.rep@example.jp,二郎,鈴木,9001
""", "utf-8"),
        # one contact's create date in epoch milliseconds (API style), one as the EL tool writes it
        "contact.csv": ("""_fivetran_deleted,_fivetran_synced,property_email,id,property_company,property_firstname,property_lastname,property_phone,property_createdate,property_hubspot_owner_id,property_lifecyclestage,property_hs_lead_status,property_hs_analytics_source,property_lastmodifieddate
FALSE,2026-03-31 18:00:00,hs1@example.jp,501,株式会社ハブ,一,青木,03-2222-0001,""" + _epoch_ms("2026-03-03T01:00:00") + """,101,marketingqualifiedlead,CONNECTED,ORGANIC_SEARCH,2026-03-05 00:00:00
FALSE,2026-03-31 18:00:00,hs2@example.jp,502,ハブ商事,二,青木,,2026-03-03 02:00:00.264,101,lead,,OFFLINE,2026-03-03 02:00:00
""", "utf-8"),
        "contact_property_history.csv": ("""contact_id,timestamp,_fivetran_synced,source,name,value,source_id
501,2026-03-03 01:00:00.000,2026-03-31 18:00:00,CRM_UI,lifecyclestage,marketingqualifiedlead,x
501,2026-03-03 03:00:00.000,2026-03-31 18:00:00,CRM_UI,hs_lead_status,CONNECTED,x
501,2026-03-03 03:00:00.000,2026-03-31 18:00:00,CRM_UI,jobtitle,部長,x
""", "utf-8"),
        "engagement_contact.csv": ("""contact_id,engagement_id,engagement_type,type_id,_fivetran_synced,category
501,9001,CALL,194,2026-03-31 18:00:00,HUBSPOT_DEFINED
501,9002,CALL,194,2026-03-31 18:00:00,HUBSPOT_DEFINED
502,9003,CALL,194,2026-03-31 18:00:00,HUBSPOT_DEFINED
501,9101,EMAIL,198,2026-03-31 18:00:00,HUBSPOT_DEFINED
501,9102,INCOMING_EMAIL,198,2026-03-31 18:00:00,HUBSPOT_DEFINED
""", "utf-8"),
        # durations in milliseconds; a call without a disposition falls back on its status; one still ringing
        "engagement_call.csv": ("""engagement_id,_fivetran_deleted,_fivetran_synced,property_hs_createdate,property_hs_timestamp,type,property_hubspot_owner_id,property_hs_call_disposition,property_hs_call_status,property_hs_call_direction,property_hs_call_duration,property_hs_call_to_number
9001,false,2026-03-31 18:00:00,2026-03-03 03:00:00,2026-03-03 03:00:00,CALL,101,f240bbac-87c9-4f6e-bf70-924b57d47db7,COMPLETED,OUTBOUND,90000,03-2222-0001
9002,false,2026-03-31 18:00:00,2026-03-03 04:00:00,2026-03-03 04:00:00,CALL,101,,BUSY,OUTBOUND,0,03-2222-0001
9003,false,2026-03-31 18:00:00,2026-03-03 05:00:00,""" + _epoch_ms("2026-03-03T05:00:00") + """,CALL,101,73a0d17f-1163-4015-bdd5-ec830791da20,COMPLETED,OUTBOUND,12000,
9004,false,2026-03-31 18:00:00,2026-03-03 06:00:00,2026-03-03 06:00:00,CALL,101,,RINGING,OUTBOUND,,03-2222-0001
""", "utf-8"),
        "engagement_email.csv": ("""engagement_id,_fivetran_deleted,_fivetran_synced,property_hs_all_owner_ids,property_hs_createdate,property_hs_email_subject,property_hs_email_direction,property_hs_email_thread_id,property_hs_timestamp,property_hubspot_owner_id,type
9101,false,2026-03-31 18:00:00,101,2026-03-03 04:30:00,ご提案,EMAIL,th-1,2026-03-03 04:30:00,101,EMAIL
9102,false,2026-03-31 18:00:00,101,2026-03-03 08:00:00,Re: ご提案,INCOMING_EMAIL,th-1,2026-03-03 08:00:00,101,INCOMING_EMAIL
""", "utf-8"),
        "deal_pipeline_stage.csv": ("""_fivetran_deleted,_fivetran_synced,active,closed_won,is_closed,display_order,probability,stage_id,label,pipeline_id,created_at,updated_at
FALSE,2026-03-31 18:00:00,TRUE,TRUE,TRUE,6,1.0,122178099,受注 (新規),default,2025-01-01 00:00:00,2025-01-01 00:00:00
""", "utf-8"),
        "deal.csv": ("""deal_id,is_deleted,deal_pipeline_id,deal_pipeline_stage_id,owner_id,portal_id,property_dealname,property_amount,property_closedate,property_createdate
7001,false,default,122178099,101,4727653,ハブ案件,250000.5,2026-03-25 02:00:00,2026-03-10 02:00:00
7002,false,default,presentationscheduled,101,4727653,ハブ案件2,400000,,2026-03-11 02:00:00
""", "utf-8"),
        "deal_contact.csv": ("""contact_id,deal_id,_fivetran_synced,type_id,category
501,7001,2026-03-31 18:00:00,3,HUBSPOT_DEFINED
""", "utf-8"),
        # an hour without its leading zero (the seed's own quirk)
        "deal_stage.csv": ("""_fivetran_start,deal_id,_fivetran_active,_fivetran_end,_fivetran_synced,date_entered,source,source_id,value
2026-03-10 2:00:00,7001,FALSE,2026-03-25 1:59:59,2026-03-31 18:00:00,2026-03-10 2:00:00,CRM_UI,x,appointmentscheduled
2026-03-25 2:00:00,7001,TRUE,2050-01-01 00:00:00,2026-03-31 18:00:00,2026-03-25 2:00:00,CRM_UI,x,122178099
2026-03-11 2:00:00,7002,TRUE,2050-01-01 00:00:00,2026-03-31 18:00:00,2026-03-11 2:00:00,CRM_UI,x,presentationscheduled
""", "utf-8"),
        "email_event.csv": ("""id,_fivetran_synced,app_id,caused_by_created,caused_by_id,created,email_campaign_id,obsoleted_by_created,obsoleted_by_id,portal_id,sent_by_created,sent_by_id,type,filtered_event,recipient
ev-1,2026-03-31 18:00:00,1,,,2026-03-04 00:00:00,HS-CMP,,,4727653,,,SENT,false,hs1@example.jp
ev-2,2026-03-31 18:00:00,1,,,2026-03-04 00:00:01,HS-CMP,,,4727653,2026-03-04 00:00:00,ev-1,PROCESSED,false,hs1@example.jp
ev-3,2026-03-31 18:00:00,1,,,2026-03-04 01:00:00,HS-CMP,,,4727653,2026-03-04 00:00:00,ev-1,OPEN,false,hs1@example.jp
ev-4,2026-03-31 18:00:00,1,,,2026-03-04 02:00:00,HS-CMP,,,4727653,2026-03-04 00:00:00,ev-1,STATUSCHANGE,false,hs1@example.jp
ev-5,2026-03-31 18:00:00,1,,,2026-03-04 00:00:00,HS-CMP,,,4727653,,,SENT,false,hs2@example.jp
ev-6,2026-03-31 18:00:00,1,,,2026-03-04 03:00:00,HS-CMP,,,4727653,2026-03-04 00:00:00,ev-5,OPEN,true,hs2@example.jp
""", "utf-8"),
        "email_event_status_change.csv": ("""id,_fivetran_synced,bounced,portal_subscription_status,requested_by,source,subscriptions
ev-4,2026-03-31 18:00:00,,UNSUBSCRIBED,hs1@example.jp,SOURCE_RECIPIENT,[]
""", "utf-8"),
    },
    "marketo": {
        "marketo_lead.csv": ("""id,created_at,updated_at,email,first_name,last_name
3001,2026-03-01 00:00:00.000,2026-03-01 00:00:00.000,mk1@example.jp,一,前田
3002,2026-03-01 00:00:00.000,2026-03-01 00:00:00.000,mk2@example.jp,二,前田
""", "utf-8"),
        # BOMs glued to the first header, as in Marketo's seeds; two timestamp styles
        "marketo_activity_send_email.csv": ("\ufeff" + """activity_date,activity_type_id,campaign_id,campaign_run_id,choice_number,id,lead_id,primary_attribute_value,primary_attribute_value_id,step_id,action_result
2026-03-05 00:00:00.000,6,MK-CMP,11,0,40001,3001,3月のご案内,801,1,succeeded
2026-03-05 00:00:00.000,6,MK-CMP,11,0,40002,3002,3月のご案内,801,1,succeeded
2026-03-05 00:00:00.000,6,MK-CMP,11,0,40003,3002,3月のご案内,802,1,skipped
""", "utf-8"),
        "marketo_activity_open_email.csv": ("\ufeff" + """activity_date,activity_type_id,campaign_id,campaign_run_id,choice_number,id,lead_id,primary_attribute_value,primary_attribute_value_id,step_id,device,is_mobile_device,platform,user_agent
2026-03-05 01:00:00 UTC,10,MK-CMP,11,0,40004,3001,3月のご案内,801,1,iPhone,true,iOS,x
""", "utf-8"),
        "marketo_activity_email_bounced.csv": ("""activity_date,activity_type_id,campaign_id,campaign_run_id,category,choice_number,details,email,id,lead_id,primary_attribute_value,primary_attribute_value_id,step_id,subcategory
2026-03-05 00:01:00.000,8,MK-CMP,11,1,0,550 unknown user,mk2@example.jp,40005,3002,3月のご案内,801,1,1001
""", "utf-8"),
        "marketo_activity_fill_out_form.csv": ("""activity_date,activity_type_id,campaign_id,id,lead_id,primary_attribute_value,primary_attribute_value_id
2026-03-06 00:00:00.000,2,MK-CMP,40006,3001,資料請求フォーム,55
""", "utf-8"),
    },
    "account_engagement": {
        "pardot_prospect.csv": ("""id,email,phone,company,crm_lead_fid,crm_contact_fid,score,grade,created_at,updated_at,_fivetran_deleted
6001,ae1@example.jp,,エンゲージ株式会社,,,50,C-,2026-03-01 00:00:00 UTC,2026-03-01 00:00:00 UTC,false
""", "utf-8"),
        "pardot_visitor_activity.csv": ("""id,prospect_id,visitor_id,campaign_id,type,type_name,created_at,details,email_id,list_email_id,form_id
7001,6001,1,AE-CMP,6,Email,2026-03-06 00:00:00 UTC,3月ニュース,,900,
7002,6001,1,AE-CMP,11,Email,2026-03-06 01:00:00 UTC,3月ニュース,,900,
7003,6001,1,AE-CMP,1,Email,2026-03-06 01:01:00 UTC,https://example.jp/news,,900,
7004,6001,1,AE-CMP,14,Email,2026-03-06 02:00:00 UTC,spam,,900,
7005,6001,1,AE-CMP,4,Form,2026-03-06 03:00:00 UTC,お問い合わせ,,,31
7006,6001,1,AE-CMP,24,Webinar,2026-03-07 03:00:00 UTC,3月ウェビナー,,,
""", "utf-8"),
    },
    "twilio": {
        # legs: CA01 a softphone call (parent from the rep's client, child dialling the prospect);
        # CA03 an inbound call (the prospect's parent, a child ringing the rep); CA05 an
        # outbound-api call with no child, answered by a machine; CA06 still ringing; CA07 on
        # 30 February (a seed's bad date), quarantined; CA09 the rep's client reaching the app with no
        # <Dial> (no child leg: no dial); CA10 completed after 0 s (answered by nobody: no_answer);
        # CA11/CA12 one client calling another (internal: no dial, not quarantined)
        "twilio_call.csv": ("""id,parent_call_id,account_id,from,to,direction,status,duration,start_time,end_time,answered_by,price,price_unit
CA01,,AC1,client:tanaka,+81322220001,inbound,completed,95,2026-03-09 01:00:00.000000 UTC,2026-03-09 01:01:35.000000 UTC,,,USD
CA02,CA01,AC1,+815012340000,+81322220001,outbound-dial,completed,80,2026-03-09 01:00:10.000000 UTC,2026-03-09 01:01:30.000000 UTC,human,-0.0158,USD
CA03,,AC1,+81322220009,+815012340000,inbound,completed,40,"Mon, 09 Mar 2026 02:00:00 +0000",,,,USD
CA04,CA03,AC1,+815012340000,client:tanaka,outbound-dial,completed,35,"Mon, 09 Mar 2026 02:00:05 +0000",,,,USD
CA05,,AC1,client:tanaka,+81322220002,outbound-api,completed,20,2026-03-09 03:00:00.000000 UTC,,machine_end_beep,,USD
CA06,,AC1,client:tanaka,+81322220003,outbound-api,ringing,,2026-03-09 04:00:00.000000 UTC,,,,USD
CA07,,AC1,client:tanaka,+81322220004,outbound-api,no-answer,0,2026-02-30 17:23:13.000000 UTC,,,,USD
CA08,,AC1,client:tanaka,+81322220005,outbound-api,busy,0,2026-03-09 05:00:00.000000 UTC,,,,USD
CA09,,AC1,client:tanaka,+815012340000,inbound,completed,2,2026-03-09 06:00:00.000000 UTC,,,,USD
CA10,,AC1,client:tanaka,+81322220001,outbound-api,completed,0,2026-03-09 06:10:00.000000 UTC,,,,USD
CA11,,AC1,client:tanaka,+815012340000,inbound,completed,30,2026-03-09 06:20:00.000000 UTC,,,,USD
CA12,CA11,AC1,client:tanaka,client:suzuki,outbound-dial,completed,28,2026-03-09 06:20:02.000000 UTC,,,,USD
""", "utf-8"),
    },
    "zoom_phone": {
        "call_logs.csv": ("""id,call_id,caller_number,caller_name,callee_number,callee_name,direction,duration,result,date_time,user_id
z1,700001,+815055550000,伊藤 四郎,+81333330001,顧客A,outbound,125,Call connected,2026-03-10T01:00:00Z,zm-user-001
z2,700002,+815055550000,伊藤 四郎,+81333330002,顧客B,outbound,0,No Answer,2026-03-10T02:00:00Z,zm-user-001
z3,700003,+815055550000,伊藤 四郎,+81333330003,顧客C,outbound,15,Voicemail,2026-03-10T03:00:00Z,zm-user-001
""", "utf-8"),
    },
    "aircall": {
        "aircall_export.csv": ("""line,datetime (tz offset incl.),number timezone,datetime (utc),country_code,direction,from,to,answered,missed_call_reason,user,duration (total),duration (in call),voicemail,recording,comments,tags,call quality,team,call direction - type,call start time,call end time,aircall number,customer number,in-call duration,call id,call type,waiting time,time to answer,time in ivr
東京,2026-03-11 10:00:00 +09:00,Asia/Tokyo,2026-03-11 01:00:00,JP,outbound,+81344440000,+81344440001,Yes,,相川次郎,70,61,,,,,,IS,Outbound,10:00:00,10:01:10,+81344440000,+81344440001,01:01,A1,Outbound,00:00:09,00:00:09,00:00:00
東京,2026-03-11 11:00:00 +09:00,Asia/Tokyo,2026-03-11 02:00:00,JP,outbound,+81344440000,+81344440002,No,,相川 次郎,25,0,,,,,,IS,Outbound,11:00:00,11:00:25,+81344440000,+81344440002,00:00,A2,Outbound,00:00:25,,00:00:00
東京,2026-03-11 12:00:00 +09:00,Asia/Tokyo,2026-03-11 03:00:00,JP,inbound,+81344440003,+81344440000,No,agents_did_not_answer,[No associated user],30,0,,,,,,IS,Inbound - Missed,12:00:00,12:00:30,+81344440000,+81344440003,00:00,A3,Missed,00:00:30,,00:00:10
""", "utf-8"),
    },
    "miitel": {
        # CP932, as a period download may be; one dial forwarded to a colleague (two legs), an IVR prompt before an inbound call
        "miitel_flow.csv": ("""Parent sequence ID,Sequence ID,Previous sequence ID,Call type,Start time,User email,Phone number,Talk duration,Result
M-1,101,,outbound,2026/03/12 10:00,mi.rep@example.jp,03-5555-0001,00:04:00,担当者接続
M-1,102,101,forward,2026/03/12 10:04,mi.rep@example.jp,03-5555-0001,00:02:00,アポ獲得
M-2,103,,outbound,2026/03/12 11:00,mi.rep@example.jp,03-5555-0002,00:00:00,不在
M-3,104,,play,2026/03/12 12:00,mi.rep@example.jp,03-5555-0003,00:00:00,
M-3,105,104,incoming,2026/03/12 12:00,mi.rep@example.jp,03-5555-0003,00:01:30,担当者接続
""", "cp932"),
    },
    "kintone": {
        # field names, CP932; a record with two rows in its call table: the `*` marks its first line
        "リード管理_20260331.csv": ("""*,レコード番号,会社名,担当者名,メールアドレス,電話番号,流入経路,ステータス,リード担当,作成日時,更新日時,架電履歴,架電日時,架電者,架電結果,通話秒数
*,KT-1,株式会社キン,小林 一,kt1@example.jp,03-6666-0001,資料請求,接触,kt.rep@example.jp,2026-03-13 09:00,2026-03-13 15:00,1,2026-03-13 10:00,kt.rep@example.jp,不在,0
,KT-1,株式会社キン,小林 一,kt1@example.jp,03-6666-0001,資料請求,接触,kt.rep@example.jp,2026-03-13 09:00,2026-03-13 15:00,2,2026-03-13 14:00,kt.rep@example.jp,有効会話,240
*,KT-2,キン商事,小林 二,,03-6666-0002,展示会,新規,kt.rep@example.jp,2026-03-13 09:30,2026-03-13 09:30,,,,,
""", "cp932"),
    },
    "salesforce_report": {
        # every value quoted, Japanese labels, footer lines that are no records
        "report1773000000000.csv": ("""\"リード ID\",\"会社名\",\"氏名\",\"メール\",\"電話\",\"リードソース\",\"リード状況\",\"リード所有者\",\"作成日\",\"最終更新日\"
\"00QSR0000001\",\"株式会社レポート\",\"森田 一\",\"sr1@example.jp\",\"03-7777-0001\",\"Webフォーム\",\"Working - Contacted\",\"森 花子\",\"2026/03/16 9:05\",\"2026/03/16 11:00\"
\"00QSR0000002\",\"レポート商事\",\"森田 二\",\"\",\"\",\"リスト\",\"Open - Not Contacted\",\"森 花子\",\"2026/03/16 10:00\",\"2026/03/16 10:00\"
\"\"
\"合計\"
\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"
\"Confidential Information - Do Not Distribute\"
\"Generated By: 森 花子  2026/03/31 9:00\"
""", "utf-8"),
        "report1773000000001.csv": ("""\"活動 ID\",\"割り当て先\",\"リード ID\",\"電話\",\"通話種別\",\"コール結果\",\"通話時間 (秒)\",\"完了日時\"
\"00TSR1\",\"森 花子\",\"00QSR0000001\",\"03-7777-0001\",\"発信\",\"担当者接続\",\"180\",\"2026/03/16 9:30\"
\"00TSR2\",\"森 花子\",\"00QSR0000002\",\"\",\"発信\",\"話し中\",\"0\",\"2026/03/16 10:30\"
\"\"
\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"
""", "utf-8"),
    },
}

# format -> entity -> the canonical rows (the columns named, as raw.<entity> holds them; times UTC)
EXPECTED_ROWS: dict[str, dict[str, list[dict[str, object]]]] = {
    "salesforce": {
        "leads": [
            # the queue owns 00QSF0000002: no rep; the deleted lead is kept, flagged
            {"lead_id": "00QSF0000001", "owner_rep_id": "R_SF", "lead_type": "inbound", "status": "Closed - Converted", "created_at": "2026-03-02 00:00:00"},
            {"lead_id": "00QSF0000002", "owner_rep_id": None, "lead_type": "outbound", "status": "Open - Not Contacted", "created_at": "2026-03-02 01:00:00.829"},
            {"lead_id": "00QSF0000003", "owner_rep_id": "R_SF", "lead_type": "inbound", "status": "Open - Not Contacted", "created_at": "2026-03-03 00:00:00"},
        ],
        "lead_status_history": [
            {"lead_id": "00QSF0000001", "status": "Working - Contacted", "changed_at": "2026-03-02 03:00:00", "changed_by_rep_id": "R_SF"},
            {"lead_id": "00QSF0000001", "status": "Closed - Converted", "changed_at": "2026-03-10 01:00:00", "changed_by_rep_id": "R_SF"},
        ],
        # the contact's call finds its lead through the lead's converted_contact_id
        "calls": [
            {"call_id": "00TSF1", "rep_id": "R_SF", "lead_id": "00QSF0000002", "phone": None, "direction": "outbound", "result": "不在", "talk_seconds": 0, "started_at": "2026-03-02 02:00:00"},
            {"call_id": "00TSF2", "rep_id": "R_SF", "lead_id": "00QSF0000001", "phone": "+81312340001", "direction": "outbound", "result": "アポ獲得", "talk_seconds": 300, "started_at": "2026-03-02 03:00:00"},
            {"call_id": "00TSF7", "rep_id": "R_SF", "lead_id": None, "phone": "+81312340009", "direction": "outbound", "result": "留守電", "talk_seconds": 5, "started_at": "2026-03-02 07:00:00"},
        ],
        "email_events": [
            {"event_id": "00TSF5", "message_id": "00TSF5", "lead_id": "00QSF0000001", "sender_type": "rep", "rep_id": "R_SF", "event_type": "sent", "occurred_at": "2026-03-02 04:00:00"},
        ],
        "meetings": [
            {"meeting_id": "00USF1", "lead_id": "00QSF0000001", "set_by_rep_id": "R_SF", "fs_rep_id": "F_SF", "status": "held", "agreed_at": "2026-03-02 03:05:00", "scheduled_for": "2026-03-09 05:00:00"},
        ],
        # the live version only; closed on its close date, at the start of that day in Tokyo
        "opportunities": [
            {"opportunity_id": "006SF0000001", "lead_id": "00QSF0000001", "meeting_id": "00USF1", "owner_rep_id": "F_SF", "stage": "Closed Won",
             "amount": 1000000, "is_won": True, "closed_at": "2026-03-19 15:00:00", "expected_close_date": "2026-03-20"},
        ],
        # OpportunityHistory's three rows, and the field history's stage change (the same instant as its last)
        "opportunity_stage_history": [
            {"opportunity_id": "006SF0000001", "stage": "Prospecting", "changed_at": "2026-03-10 01:00:00"},
            {"opportunity_id": "006SF0000001", "stage": "Prospecting", "changed_at": "2026-03-15 01:00:00"},
            {"opportunity_id": "006SF0000001", "stage": "Closed Won", "changed_at": "2026-03-20 01:00:00"},
            {"opportunity_id": "006SF0000001", "stage": "Closed Won", "changed_at": "2026-03-20 01:00:00"},
        ],
        # responses on their day (Tokyo); the contact's response belongs to its converted lead
        "ma_activities": [
            {"activity_id": "00vSF1", "lead_id": "00QSF0000002", "activity_type": "form_fill", "detail": "701SF1", "occurred_at": "2026-03-03 15:00:00"},
            {"activity_id": "00vSF2", "lead_id": "00QSF0000001", "activity_type": "webinar_attend", "detail": "701SF1", "occurred_at": "2026-03-04 15:00:00"},
        ],
    },
    "hubspot": {
        "leads": [
            {"lead_id": "501", "owner_rep_id": "R_HS", "status": "contacted", "channel": "ORGANIC_SEARCH", "created_at": "2026-03-03 01:00:00"},
            {"lead_id": "502", "owner_rep_id": "R_HS", "status": "new", "channel": "OFFLINE", "created_at": "2026-03-03 02:00:00.264"},
        ],
        "lead_status_history": [
            {"lead_id": "501", "status": "mql", "changed_at": "2026-03-03 01:00:00"},
            {"lead_id": "501", "status": "contacted", "changed_at": "2026-03-03 03:00:00"},
        ],
        # 90,000 ms = 90 s; no disposition: BUSY; the ringing call is not over
        "calls": [
            {"call_id": "9001", "rep_id": "R_HS", "lead_id": "501", "result": "connected", "talk_seconds": 90, "started_at": "2026-03-03 03:00:00"},
            {"call_id": "9002", "rep_id": "R_HS", "lead_id": "501", "result": "busy", "talk_seconds": 0, "started_at": "2026-03-03 04:00:00"},
            {"call_id": "9003", "rep_id": "R_HS", "lead_id": "502", "result": "no_answer", "talk_seconds": 12, "started_at": "2026-03-03 05:00:00"},
        ],
        "email_events": [
            {"event_id": "9101", "message_id": "th-1", "sender_type": "rep", "rep_id": "R_HS", "event_type": "sent", "lead_id": "501"},
            {"event_id": "9102", "message_id": "th-1", "sender_type": "rep", "rep_id": "R_HS", "event_type": "reply", "lead_id": "501"},
            {"event_id": "ev-1", "message_id": "ev-1", "sender_type": "marketing", "event_type": "sent", "email": "hs1@example.jp"},
            {"event_id": "ev-3", "message_id": "ev-1", "sender_type": "marketing", "event_type": "open", "email": "hs1@example.jp"},
            {"event_id": "ev-4", "message_id": "ev-1", "sender_type": "marketing", "event_type": "unsubscribe", "email": "hs1@example.jp"},
            {"event_id": "ev-5", "message_id": "ev-5", "sender_type": "marketing", "event_type": "sent", "email": "hs2@example.jp"},
        ],
        # a portal stage known closed-won by its flags; a default stage id
        "opportunities": [
            {"opportunity_id": "7001", "lead_id": "501", "owner_rep_id": "R_HS", "stage": "closed_won", "is_won": True, "amount": 250000.5, "closed_at": "2026-03-25 02:00:00"},
            {"opportunity_id": "7002", "lead_id": None, "owner_rep_id": "R_HS", "stage": "proposal", "is_won": False, "amount": 400000, "closed_at": None},
        ],
        "opportunity_stage_history": [
            {"opportunity_id": "7001", "stage": "qualification", "changed_at": "2026-03-10 02:00:00"},
            {"opportunity_id": "7001", "stage": "closed_won", "changed_at": "2026-03-25 02:00:00"},
            {"opportunity_id": "7002", "stage": "proposal", "changed_at": "2026-03-11 02:00:00"},
        ],
    },
    "marketo": {
        # the skipped send was never sent; messages are lead:asset:campaign run
        "email_events": [
            {"event_id": "40001", "message_id": "3001:801:11", "email": "mk1@example.jp", "event_type": "sent", "campaign_id": "MK-CMP", "occurred_at": "2026-03-05 00:00:00"},
            {"event_id": "40002", "message_id": "3002:801:11", "email": "mk2@example.jp", "event_type": "sent", "campaign_id": "MK-CMP", "occurred_at": "2026-03-05 00:00:00"},
            {"event_id": "40004", "message_id": "3001:801:11", "email": "mk1@example.jp", "event_type": "open", "campaign_id": "MK-CMP", "occurred_at": "2026-03-05 01:00:00"},
            {"event_id": "40005", "message_id": "3002:801:11", "email": "mk2@example.jp", "event_type": "bounce", "campaign_id": "MK-CMP", "occurred_at": "2026-03-05 00:01:00"},
        ],
        "ma_activities": [
            {"activity_id": "40006", "email": "mk1@example.jp", "activity_type": "form_fill", "detail": "資料請求フォーム", "occurred_at": "2026-03-06 00:00:00"},
        ],
    },
    "account_engagement": {
        # a spam complaint (14) is neither
        "email_events": [
            {"event_id": "7001", "message_id": "900:6001", "email": "ae1@example.jp", "event_type": "sent", "campaign_id": "AE-CMP", "occurred_at": "2026-03-06 00:00:00"},
            {"event_id": "7002", "message_id": "900:6001", "email": "ae1@example.jp", "event_type": "open", "campaign_id": "AE-CMP", "occurred_at": "2026-03-06 01:00:00"},
            {"event_id": "7003", "message_id": "900:6001", "email": "ae1@example.jp", "event_type": "click", "campaign_id": "AE-CMP", "occurred_at": "2026-03-06 01:01:00"},
        ],
        "ma_activities": [
            {"activity_id": "7005", "email": "ae1@example.jp", "activity_type": "form_fill", "occurred_at": "2026-03-06 03:00:00"},
            {"activity_id": "7006", "email": "ae1@example.jp", "activity_type": "webinar_attend", "occurred_at": "2026-03-07 03:00:00"},
        ],
    },
    "twilio": {
        # one call per parent; the customer-facing leg's status and duration; RFC 2822 times too
        "calls": [
            {"call_id": "CA01", "rep_id": "R_TW", "phone": "+81322220001", "direction": "outbound", "result": "connected", "talk_seconds": 80, "started_at": "2026-03-09 01:00:00"},
            {"call_id": "CA03", "rep_id": "R_TW", "phone": "+81322220009", "direction": "inbound", "result": "connected", "talk_seconds": 40, "started_at": "2026-03-09 02:00:00"},
            {"call_id": "CA05", "rep_id": "R_TW", "phone": "+81322220002", "direction": "outbound", "result": "voicemail", "talk_seconds": 20, "started_at": "2026-03-09 03:00:00"},
            {"call_id": "CA08", "rep_id": "R_TW", "phone": "+81322220005", "direction": "outbound", "result": "busy", "talk_seconds": 0, "started_at": "2026-03-09 05:00:00"},
            {"call_id": "CA10", "rep_id": "R_TW", "phone": "+81322220001", "direction": "outbound", "result": "no_answer", "talk_seconds": 0, "started_at": "2026-03-09 06:10:00"},
        ],
    },
    "zoom_phone": {
        "calls": [
            {"call_id": "700001", "rep_id": "R_ZM", "phone": "+81333330001", "result": "connected", "talk_seconds": 125, "started_at": "2026-03-10 01:00:00"},
            {"call_id": "700002", "rep_id": "R_ZM", "phone": "+81333330002", "result": "no_answer", "talk_seconds": 0, "started_at": "2026-03-10 02:00:00"},
            {"call_id": "700003", "rep_id": "R_ZM", "phone": "+81333330003", "result": "voicemail", "talk_seconds": 15, "started_at": "2026-03-10 03:00:00"},
        ],
    },
    "aircall": {
        # the user is a name (spaces or not); the call no agent took is nobody's
        "calls": [
            {"call_id": "A1", "rep_id": "R_AC", "phone": "+81344440001", "result": "connected", "talk_seconds": 61, "started_at": "2026-03-11 01:00:00"},
            {"call_id": "A2", "rep_id": "R_AC", "phone": "+81344440002", "result": "no_answer", "talk_seconds": 0, "started_at": "2026-03-11 02:00:00"},
        ],
    },
    "miitel": {
        # M-1's forward is the same call: the longest leg's talk, the last leg's result
        "calls": [
            {"call_id": "M-1", "rep_id": "R_MI", "direction": "outbound", "result": "アポ獲得", "talk_seconds": 240, "started_at": "2026-03-12 01:00:00"},
            {"call_id": "M-2", "rep_id": "R_MI", "direction": "outbound", "result": "不在", "talk_seconds": 0, "started_at": "2026-03-12 02:00:00"},
            {"call_id": "M-3", "rep_id": "R_MI", "direction": "inbound", "result": "担当者接続", "talk_seconds": 90, "started_at": "2026-03-12 03:00:00"},
        ],
    },
    "kintone": {
        "leads": [
            {"lead_id": "KT-1", "owner_rep_id": "R_KT", "status": "接触", "lead_type": "inbound", "created_at": "2026-03-13 00:00:00"},
            {"lead_id": "KT-2", "owner_rep_id": "R_KT", "status": "新規", "lead_type": "inbound", "created_at": "2026-03-13 00:30:00"},
        ],
        "calls": [
            {"call_id": "KT-1-1", "rep_id": "R_KT", "lead_id": "KT-1", "result": "不在", "talk_seconds": 0, "started_at": "2026-03-13 01:00:00"},
            {"call_id": "KT-1-2", "rep_id": "R_KT", "lead_id": "KT-1", "result": "有効会話", "talk_seconds": 240, "started_at": "2026-03-13 05:00:00"},
        ],
    },
    "salesforce_report": {
        "leads": [
            {"lead_id": "00QSR0000001", "owner_rep_id": "R_SR", "status": "Working - Contacted", "lead_type": "inbound", "created_at": "2026-03-16 00:05:00"},
            {"lead_id": "00QSR0000002", "owner_rep_id": "R_SR", "status": "Open - Not Contacted", "lead_type": "outbound", "created_at": "2026-03-16 01:00:00"},
        ],
        "calls": [
            {"call_id": "00TSR1", "rep_id": "R_SR", "lead_id": "00QSR0000001", "result": "担当者接続", "talk_seconds": 180, "started_at": "2026-03-16 00:30:00"},
            {"call_id": "00TSR2", "rep_id": "R_SR", "lead_id": "00QSR0000002", "result": "話し中", "talk_seconds": 0, "started_at": "2026-03-16 01:30:00"},
        ],
    },
}

# rep -> kpi_monthly (March 2026) values worked out from the rows above
EXPECTED_KPIS: dict[str, dict[str, float]] = {
    # 00TSF1 不在 (rang), 00TSF2 アポ獲得 (appointment), 00TSF7 留守電 (rang); the internal and the deleted call are no dials
    "R_SF": {"dials": 3, "ring_rate": 3 / 3, "connect_rate": 1 / 3, "effective_contacts": 1, "avg_talk_seconds": 300,
             "emails_sent": 1, "meetings_set": 1, "meeting_conversion_rate": 1 / 1, "win_rate": 1 / 1,
             "is_sourced_won_amount": 1_000_000},
    # connected 90 s, busy, no answer; the reply is to the one e-mail sent
    "R_HS": {"dials": 3, "ring_rate": 2 / 3, "connect_rate": 1 / 3, "avg_talk_seconds": 90, "emails_sent": 1, "reply_rate": 1 / 1},
    # the softphone call (connected, 80 s of the prospect's leg), a voicemail, a busy line, a completed
    # leg of 0 s (rang, not connected); the inbound call, the client leg with no <Dial> and the internal call are no dials
    "R_TW": {"dials": 4, "ring_rate": 3 / 4, "connect_rate": 1 / 4, "avg_talk_seconds": 80},
    "R_ZM": {"dials": 3, "ring_rate": 3 / 3, "connect_rate": 1 / 3, "avg_talk_seconds": 125},
    "R_AC": {"dials": 2, "ring_rate": 2 / 2, "connect_rate": 1 / 2, "avg_talk_seconds": 61},
    # M-1 appointment (240 s), M-2 不在; M-3 is inbound
    "R_MI": {"dials": 2, "connect_rate": 1 / 2, "effective_contacts": 1, "avg_talk_seconds": 240},
    "R_KT": {"dials": 2, "connect_rate": 1 / 2, "effective_contacts": 1, "avg_talk_seconds": 240},
    "R_SR": {"dials": 2, "ring_rate": 1 / 2, "connect_rate": 1 / 2, "avg_talk_seconds": 180},
}

# rep -> local day -> dials in kpi_daily
EXPECTED_DAILY_DIALS: dict[str, dict[str, int]] = {
    "R_SF": {"2026-03-02": 3}, "R_HS": {"2026-03-03": 3}, "R_TW": {"2026-03-09": 4}, "R_ZM": {"2026-03-10": 3},
    "R_AC": {"2026-03-11": 2}, "R_MI": {"2026-03-12": 2}, "R_KT": {"2026-03-13": 2}, "R_SR": {"2026-03-16": 2},
}

# campaign -> kpi_campaign values
EXPECTED_CAMPAIGNS: dict[str, dict[str, float]] = {
    # two messages (ev-1 to hs1, ev-5 to hs2); ev-1 opened; ev-5's open is filtered out by HubSpot
    "HS-CMP": {"emails_sent": 2, "emails_opened": 1, "open_rate": 1 / 2},
    # two sent (the skipped one was not), one opened, one bounced
    "MK-CMP": {"emails_sent": 2, "emails_opened": 1, "emails_bounced": 1, "bounce_rate": 1 / 2},
    "AE-CMP": {"emails_sent": 1, "emails_opened": 1, "emails_clicked": 1, "click_rate": 1 / 1},
}


def write(inbox: Path, formats: list[str] | None = None) -> Path:
    """The fixtures' files in inbox/<format>/, and the reps in the template at the top; with every
    format, also the template leads the telephony and marketing exports resolve to."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "reps.csv").write_text(REPS, encoding="utf-8")
    if formats is None:
        (inbox / "leads.csv").write_text(LEADS, encoding="utf-8")
    for source_format, files in FILES.items():
        if formats is not None and source_format not in formats:
            continue
        for name, (text, encoding) in files.items():
            path = inbox / source_format / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode(encoding) if not text.startswith("\ufeff") else codecs.BOM_UTF8 + text[1:].encode(encoding)
            path.write_bytes(data)
    return inbox
