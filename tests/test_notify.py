"""The night's message to a webhook: the shape each chat takes, the URL kept out of iskpi.yml, and an
endpoint that is dead, refuses or hangs costs the night at most its timeout and never raises."""

from __future__ import annotations

import json
import time

import pytest
import webhook_endpoint

from orchestration.serving.notify import NightSummary, payload, payload_format, resolve_url, send

BLOCKED = NightSummary("team-a", "blocked", ["calls · input_rules: 12 rows broke calls.result.one_of"], "iskpi run",
                       ["miitel calls: latest record 2026-05-12"], ["東京SDRの接続率が通常の58%に低下"])


@pytest.fixture(scope="module")
def endpoint():
    with webhook_endpoint.listening() as (url, received):
        yield url, received


def test_slack_and_teams_get_text_and_any_other_endpoint_the_fields():
    assert payload_format("https://hooks.slack.com/services/T0/B0/x", "auto") == "slack"
    assert payload_format("https://contoso.webhook.office.com/webhookb2/x", "auto") == "teams"
    assert payload_format("https://example.jp/iskpi", "auto") == "json"
    assert payload_format("https://example.jp/iskpi", "slack") == "slack"
    text = payload(BLOCKED, "slack")["text"]
    assert text.splitlines()[0] == "iskpi team-a: last night was BLOCKED, readers keep the warehouse before"
    assert "look: iskpi run" in text and "- miitel calls: latest record 2026-05-12" in text
    fields = payload(BLOCKED, "json")
    assert fields["status"] == "blocked" and fields["reasons"] == BLOCKED.reasons and fields["text"] == text


def test_the_url_may_come_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("ISKPI_TEST_WEBHOOK", "https://hooks.slack.com/services/secret")
    assert resolve_url("env:ISKPI_TEST_WEBHOOK") == "https://hooks.slack.com/services/secret"
    assert resolve_url("env:ISKPI_TEST_UNSET_WEBHOOK") is None
    assert resolve_url("") is None and resolve_url("https://example.jp/h") == "https://example.jp/h"


def test_a_message_arrives_once_as_utf8_json(endpoint):
    url, received = endpoint
    assert send(BLOCKED, f"{url}/ok", "json", timeout_seconds=5) is None
    assert [body for path, body in received if path == "/ok"] == [json.loads(json.dumps(payload(BLOCKED, "json")))]


def test_a_dead_a_refusing_and_a_hanging_endpoint_cost_at_most_the_timeout_and_never_raise(endpoint):
    base, _ = endpoint
    # the discard port, below the ephemeral range: nothing listens there, and a connection to a free
    # ephemeral port can meet itself (TCP's simultaneous open) and look alive
    dead = "http://127.0.0.1:9/hook"
    problems = {}
    for name, url in (("dead", dead), ("refusing", f"{base}/broken"), ("hanging", f"{base}/hang/secret-token")):
        started = time.monotonic()
        problems[name] = send(BLOCKED, url, "json", timeout_seconds=0.5)
        assert time.monotonic() - started < 1.5, name
    assert "could not be reached" in problems["dead"]
    assert "answered 500" in problems["refusing"]
    assert "did not answer within 0.5 s" in problems["hanging"]
    assert not any("secret-token" in problem for problem in problems.values())  # a URL's path may hold its secret


@pytest.mark.e2e  # a real (failing) run of the nightly job
def test_a_run_the_daemon_started_tells_the_webhook_it_was_blocked(endpoint, tmp_path):
    """Under `dagster dev` the scheduled run has no `iskpi run` around it: the failure sensor sends the message."""
    from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context
    from workspaces import workspace_for

    from orchestration.definitions import build_defs

    url, received = endpoint
    inbox = tmp_path / "inbox"
    inbox.mkdir()  # no reps.csv: nothing can be credited, the night stops
    workspace = workspace_for(tmp_path / "ws" / "iskpi.duckdb", inbox, notify_webhook_url=f"{url}/daemon")
    defs = build_defs(workspace)
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_FAILURE)[0].dagster_event
    sensor = next(s for s in defs.sensors if s.name == "nightly_message_on_failure")
    context = build_run_status_sensor_context(sensor.name, failure, instance, result.dagster_run).for_run_failure()
    sensor(context)
    messages = [body for path, body in received if path == "/daemon"]
    assert [m["status"] for m in messages] == ["blocked"]
    assert result.run_id in messages[0]["look"]
