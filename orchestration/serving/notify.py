"""After each night, one message to a webhook (Slack, Microsoft Teams or any JSON endpoint): whether
the night published or was blocked (and why, with the command to look), the sources gone stale and
the week's anomalies. Never a row's content: counts, rule names, source and KPI names, team names
and rep ids only. A webhook that fails or hangs never fails the night nor holds it past its timeout:
what went wrong is returned for the run log."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# an environment variable that holds the URL (so the secret stays out of iskpi.yml)
ENV_PREFIX = "env:"


@dataclass(frozen=True)
class NightSummary:
    workspace: str
    status: str  # published | blocked | unchanged (nothing new)
    reasons: list[str] = field(default_factory=list)  # why it was blocked: check and rule names with counts
    look: str = ""  # the command that shows the details
    stale_sources: list[str] = field(default_factory=list)  # "miitel calls: latest 2026-05-12, 4 business days old"
    anomalies: list[str] = field(default_factory=list)  # the sheets' sentences

    def text(self) -> str:
        headline = {
            "published": f"iskpi {self.workspace}: last night published the warehouse",
            "blocked": f"iskpi {self.workspace}: last night was BLOCKED, readers keep the warehouse before",
            "unchanged": f"iskpi {self.workspace}: nothing new last night, the warehouse is unchanged",
        }[self.status]
        lines = [headline]
        lines += [f"- {reason}" for reason in self.reasons]
        if self.look:
            lines.append(f"look: {self.look}")
        if self.stale_sources:
            lines.append("stale sources:")
            lines += [f"- {source}" for source in self.stale_sources]
        if self.anomalies:
            lines.append("anomalies:")
            lines += [f"- {anomaly}" for anomaly in self.anomalies]
        return "\n".join(lines)


def resolve_url(setting: str | None) -> str | None:
    """The webhook URL: the setting itself, or the environment variable `env:NAME` names."""
    if not setting:
        return None
    if setting.startswith(ENV_PREFIX):
        return os.environ.get(setting.removeprefix(ENV_PREFIX)) or None
    return setting


def payload_format(url: str, configured: str) -> str:
    if configured != "auto":
        return configured
    host = urlsplit(url).hostname or ""
    if host == "hooks.slack.com":
        return "slack"
    if host.endswith((".webhook.office.com", ".logic.azure.com")):
        return "teams"
    return "json"


def payload(summary: NightSummary, kind: str) -> dict:
    if kind in ("slack", "teams"):  # both take a message's text as `text`
        return {"text": summary.text()}
    return {"workspace": summary.workspace, "status": summary.status, "reasons": summary.reasons, "look": summary.look,
            "stale_sources": summary.stale_sources, "anomalies": summary.anomalies, "text": summary.text()}


def send(summary: NightSummary, url: str, kind: str = "auto", timeout_seconds: float = 10.0) -> str | None:
    """Post the night's message; None when the endpoint took it, else what went wrong (never raised).
    Returns within the timeout however the endpoint behaves: the post runs in a thread of its own,
    which a server that trickles its answer cannot hold past it (a socket timeout bounds each read,
    not the whole)."""
    where = urlsplit(url).hostname  # the URL's path and query may hold the webhook's secret
    outcome: list[str | None] = []
    poster = threading.Thread(target=lambda: outcome.append(_post(summary, url, kind, timeout_seconds, where)), daemon=True)
    poster.start()
    poster.join(timeout_seconds)
    return outcome[0] if outcome else _no_answer(where, timeout_seconds)


def _no_answer(where: str | None, timeout_seconds: float) -> str:
    return f"the notification webhook at {where} did not answer within {timeout_seconds:g} s; the night is not affected"


def _post(summary: NightSummary, url: str, kind: str, timeout_seconds: float, where: str | None) -> str | None:
    body = json.dumps(payload(summary, payload_format(url, kind)), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, body, {"Content-Type": "application/json; charset=utf-8"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as refused:
        return f"the notification webhook at {where} answered {refused.code}; the night is not affected"
    except (OSError, ValueError) as failed:  # refused, unreachable, timed out, a malformed URL
        reason = getattr(failed, "reason", failed)
        if isinstance(reason, TimeoutError):
            return _no_answer(where, timeout_seconds)
        return f"the notification webhook at {where} could not be reached ({reason}); the night is not affected"
    return None
