"""Masking personal data for display (隐私保护): full values only for roles that need them, audited when shown."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """3401********1234: the area's first four digits and the last four stay visible."""
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile number; other numbers keep their first three and last four characters."""
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)
