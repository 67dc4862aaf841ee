"""China's personal and organisation identifiers: check digits, validation and (for demo data) generation.

- Resident ID-card number (居民身份证号码, GB 11643-1999): 6-digit area code, birth date YYYYMMDD,
  3-digit sequence (odd for men, even for women), one check character (0-9 or X).
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-character
  alphabet, the last one a check character.
"""

from __future__ import annotations

import datetime
import random
import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid ID-card number, or None when it is."""
    value = value.strip().upper()
    if not ID_RE.match(value):
        return "must be 17 digits followed by a digit or X"
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "has an impossible birth date"
    if id_check_char(value[:17]) != value[17]:
        return "has a wrong check digit"
    return None


def id_number_birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_number_gender(value: str) -> str:
    return "male" if int(value[16]) % 2 else "female"


def make_id_number(rng: random.Random, area_code: str, birth: datetime.date, gender: str, sequence: int) -> str:
    """An ID-card number with a valid check digit; ``sequence`` (0-499) keeps numbers distinct per area and day."""
    seq = (sequence % 500) * 2 + (1 if gender == "male" else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is."""
    value = value.strip().upper()
    if not USCC_RE.match(value):
        return "must be 18 characters of digits and capital letters (no I, O, S, V, Z)"
    if uscc_check_char(value[:17]) != value[17]:
        return "has a wrong check character"
    return None


def make_credit_code(rng: random.Random, area_code: str, serial: int) -> str:
    """A unified social credit code: registry 9 (market regulator), type 1 (enterprise), area, an org code, check."""
    org = "".join(rng.choice(USCC_ALPHABET) for _ in range(4)) + f"{serial:05d}"[-5:]
    first17 = f"91{area_code}{org[:9]}"
    return first17 + uscc_check_char(first17)
