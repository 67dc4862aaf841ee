"""Log records carry the request id and actor, with personal data masked; the JSON formatter writes one object per
line."""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from crm import context


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id
        record.actor = ctx.actor_repr
        record.channel = ctx.channel
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(actor)s %(channel)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        super().__init__(*args, **kwargs)


# An 18-digit resident ID number (the last character may be X) and a mainland mobile number (optionally +86),
# not inside a longer run of digits.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_personal_data(text: str) -> str:
    """ID numbers and mobile numbers in a text, masked: 3401**********123X, 138****5678."""
    text = _ID_NUMBER.sub(r"\1**********\2", text)
    return _MOBILE.sub(r"\1****\2", text)


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own error report
        return
    record.msg, record.args = mask_personal_data(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)


def install_record_masking() -> None:
    """Mask personal data in every log record as it is created, whatever handler writes it later: a Celery worker
    replaces the root logger's handlers with its own, the record factory stays. Installing twice is a no-op."""
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_personal_data", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _mask_record(record)
        return record

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class PersonalDataFilter(logging.Filter):
    """Masks ID and mobile numbers in every log line (message, its arguments and a traceback) before it is written.

    Attached to the handlers (records propagated from every logger pass through it); configuring it also installs
    the record factory that masks records at creation, for handlers configured elsewhere (Celery's).
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        install_record_masking()

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True
