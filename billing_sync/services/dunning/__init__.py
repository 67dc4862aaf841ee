"""Arrears management (欠费管理): the daily run through the phases, and what a payment does to a case.

The policy is data: ``DunningPhase`` says what happens when an account has been overdue for so many days (reminders,
linked suspension 关联停机, disconnection 拆机 and legal collection), ``DunningRule`` the thresholds, extra grace and
exemptions by customer class and service level (the most specific row wins). Suspension, disconnection and resumption
go through the orders service like any other order. Every step is a ``DunningAction``, an entry on the customer's
timeline and an audit record. ``now`` is a parameter everywhere so tests (and replays) drive the clock."""

from __future__ import annotations

from .policy import DEFAULT_RULE, ZERO, account_products, below_threshold, rule_for, rules_table
from .resume import RESUME_RETRY_DAYS, _close_open_work, case_resolve, dunning_on_payment, dunning_resume, pause_refresh
from .run import CHUNK, DunningReport, dunning_cases_step, dunning_run
from .steps import TIMELINE_CHANNELS, Kind, step_record

__all__ = [
    "CHUNK",
    "DEFAULT_RULE",
    "RESUME_RETRY_DAYS",
    "TIMELINE_CHANNELS",
    "ZERO",
    "DunningReport",
    "Kind",
    "_close_open_work",
    "account_products",
    "below_threshold",
    "case_resolve",
    "dunning_cases_step",
    "dunning_on_payment",
    "dunning_resume",
    "dunning_run",
    "pause_refresh",
    "rule_for",
    "rules_table",
    "step_record",
]
