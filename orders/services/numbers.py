"""Service numbers for new lines (号码分配): a free mobile number, a broadband account, a fixed-line number."""

from __future__ import annotations

import secrets

from ..models import Product

MOBILE_PREFIXES = ("133", "153", "173", "177", "180", "181", "189", "199")


def _candidate(kind: str, area_code: str) -> str:
    area = area_code.lstrip("0") or "551"
    if kind == "mobile":
        return f"{secrets.choice(MOBILE_PREFIXES)}{secrets.randbelow(10**8):08d}"
    if kind == "broadband":
        return f"ad0{area}{secrets.randbelow(10**9):09d}"
    if kind == "fixed_line":
        return f"0{area}{6 + secrets.randbelow(3)}{secrets.randbelow(10**7):07d}"
    if kind == "iptv":
        return f"itv0{area}{secrets.randbelow(10**9):09d}"
    if kind == "dia":
        return f"DIA-0{area}-{secrets.randbelow(10**7):07d}"
    return ""


def number_allocate(*, kind: str, region) -> str:
    """A number no live subscription uses (the unique constraint still guards the race between two orders)."""
    if kind == "vas":
        return ""
    for _attempt in range(20):
        number = _candidate(kind, getattr(region, "area_code", "") or "")
        live = Product.objects.filter(service_number=number).exclude(status=Product.Status.TERMINATED)
        if not live.exists():
            return number
    raise RuntimeError("No free number found in 20 tries")
