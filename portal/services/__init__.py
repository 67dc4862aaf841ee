"""Writes of the self-service portal, by concern: ``accounts`` (sign-up, log-in with lockout, reset), ``codes``
(one-time codes) and ``common`` (the refusal, the audit actor, lookups and throttles). Callers keep using
``from portal import services`` and ``services.<name>``."""

from .accounts import (
    _password_check,
    portal_account_signup,
    portal_login,
    portal_logout_record,
    portal_password_reset,
    reset_code_send,
    signup_code_send,
)
from .codes import (
    CODE_DAILY_MAX,
    CODE_INTERVAL,
    CODE_MAX_ATTEMPTS,
    CODE_TTL,
    SMS_TEXT,
    _code_check,
    _code_send,
    _code_use,
    one_time_codes_purge,
)
from .common import (
    ANONYMOUS,
    LOCK_AFTER_FAILURES,
    LOCK_DURATION,
    PortalActor,
    PortalRefused,
    _identifier_matches,
    _throttle_hit,
    _throttled,
    live_subscription,
    locked_message,
    normalise_number,
    session_hash,
)

__all__ = [
    "ANONYMOUS",
    "CODE_DAILY_MAX",
    "CODE_INTERVAL",
    "CODE_MAX_ATTEMPTS",
    "CODE_TTL",
    "LOCK_AFTER_FAILURES",
    "LOCK_DURATION",
    "SMS_TEXT",
    "PortalActor",
    "PortalRefused",
    "_code_check",
    "_code_send",
    "_code_use",
    "_identifier_matches",
    "_password_check",
    "_throttle_hit",
    "_throttled",
    "live_subscription",
    "locked_message",
    "normalise_number",
    "one_time_codes_purge",
    "portal_account_signup",
    "portal_login",
    "portal_logout_record",
    "portal_password_reset",
    "reset_code_send",
    "session_hash",
    "signup_code_send",
]
