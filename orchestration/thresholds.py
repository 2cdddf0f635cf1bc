"""How much bad input a nightly run tolerates (SPEC §3) before it stops publishing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockingThresholds:
    """When bad input stops publishing (SPEC §3): BI then keeps yesterday's warehouse."""

    # share of one file's rows that may break input rules; over it the file is blocked whole
    max_quarantine_share: float = 0.05
    # files of one source table that may be refused whole (unreadable, a required column missing)
    max_rejected_files: int = 0
    # share of one file's calls or e-mails whose lead is unknown and matches no lead's phone or
    # address; outbound teams dial numbers not yet in the CRM, so the default is generous
    max_unresolved_share: float = 0.8
