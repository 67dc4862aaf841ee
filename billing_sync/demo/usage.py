"""Usage of the demo subscriptions: per-subscriber profiles, call-detail records (详单) and monthly totals.

Hot path: one call of ``UsageGenerator.month`` per subscription and month, a few ``random()`` calls and one tuple per
record, so a million customers stay O(rows). Money is counted in fen (integers) and written as text."""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
from dataclasses import dataclass, field
from math import log

from django.utils import timezone

# 号段 of the three operators: the subscriber's contacts are a mix, so "calls to competitors" can be measured.
OURS = ("133", "149", "153", "173", "177", "180", "181", "189", "191", "199")
CHINA_MOBILE = ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178",
                "182", "183", "184", "187", "188", "198")  # fmt: skip
CHINA_UNICOM = ("130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186")
COMPETITOR_HOTLINES = ("10086", "10010")
COUNTRY_CODES = ("44", "1", "63", "234", "92", "880", "852", "971", "95", "855")
# Records by hour of day (local): quiet at night, peaks 10–12 and 19–22; data runs later into the evening.
VOICE_HOURS = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 8, 10, 10, 7, 6, 7, 8, 8, 7, 7, 9, 10, 9, 5, 2)
DATA_HOURS = (3, 1.5, 0.8, 0.5, 0.4, 0.6, 1.5, 3, 4, 5, 6, 6, 7, 6, 5, 5, 5, 6, 7, 9, 10, 10, 9, 6)
FRAUD_HOURS = (9, 10, 10, 9, 8, 6, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 6, 8)
# Weight of a Saturday or Sunday against a weekday, by day profile (people; businesses; messages; data; flat).
DAY_PROFILES = (0.9, 0.4, 1.0, 1.35, 1.0)
P_VOICE, P_BUSINESS, P_SMS, P_DATA, P_FLAT = range(5)
# Per kind of subscription: records a month for a medium user, shares of voice and SMS (the rest is data),
# and the mean data volume of a session in KB.
KINDS = {
    "mobile": (30, 0.45, 0.15, 40_000),
    "fixed_line": (12, 1.0, 0.0, 0),
    "broadband": (30, 0.0, 0.0, 1_500_000),
    "iptv": (25, 0.0, 0.0, 2_000_000),
    "dia": (40, 0.0, 0.0, 30_000_000),
}
SEGMENTS = {"light": 0.5, "medium": 1.0, "heavy": 1.8}
PUBLIC_SEGMENTS = (("light", 35), ("medium", 45), ("heavy", 20))
KEY_SEGMENTS = (("light", 10), ("medium", 40), ("heavy", 50))
KEY_FACTOR = 1.3
MEAN_CALL_S = 150
FRAUD_PER_DAY = (30, 60)
CHURN_LEAD_DAYS = 120  # the decline and the drift to competitors start this long before the churn date


def fen_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _cum(weights) -> list[float]:
    return list(itertools.accumulate(weights))


VOICE_CUM, DATA_CUM, FRAUD_CUM = _cum(VOICE_HOURS), _cum(DATA_HOURS), _cum(FRAUD_HOURS)


@dataclass
class Month:
    """One local calendar month: its days as aware datetimes at midnight and cumulative day weights per profile."""

    start: datetime.date
    days: int
    bases: list[datetime.datetime] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)
    day_cum: list[list[float]] = field(default_factory=list)

    @classmethod
    def of(cls, start: datetime.date) -> Month:
        following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        month = cls(start=start, days=(following - start).days)
        tz = timezone.get_default_timezone()
        dates = [start + datetime.timedelta(days=d) for d in range(month.days)]
        month.bases = [datetime.datetime(d.year, d.month, d.day, tzinfo=tz) for d in dates]
        month.ordinals = [d.toordinal() for d in dates]
        month.day_cum = [_cum(w if d.weekday() >= 5 else 1.0 for d in dates) for w in DAY_PROFILES]
        return month

    @property
    def end(self) -> datetime.date:  # exclusive
        return self.start + datetime.timedelta(days=self.days)


@dataclass(slots=True)
class Sub:
    """A subscription with usage and the habits of its user."""

    product_id: int
    account_id: int
    customer_id: int
    number: str
    kind: str
    start: datetime.date
    end: datetime.date  # exclusive: the first day without usage
    factor: float = 1.0
    business: bool = False
    contacts: list[str] = field(default_factory=list)
    contact_cum: list[float] = field(default_factory=list)
    cells: tuple[str, ...] = ()
    domestic_roaming: float = 0.0
    international_roaming: float = 0.0
    churn_ordinal: int = 0  # churners: the day they leave
    rivals: list[str] = field(default_factory=list)  # churners: new contacts on other networks
    fraud: bool = False
    serial: int = 0  # numbers the records: record_key D<product>-<serial>


class UsageGenerator:
    """Draws profiles and records from one seeded generator; ``totals`` collects the monthly sums per subscription."""

    COLUMNS = ["record_key", "started_at", "account_id", "customer_id", "product_id", "service_number", "usage_type",
               "outgoing", "other_number", "duration_s", "volume_kb", "cell_id", "roaming", "charge"]  # fmt: skip

    def __init__(self, rng: random.Random):
        self.rng = rng
        # (product_id, month start) -> [calls, call seconds, messages, data KB, roaming records, charge in fen]
        self.totals: dict[tuple[int, datetime.date], list[int]] = {}

    # --- profiles -------------------------------------------------------------------------------------------------
    def segment(self, key_account: bool) -> float:
        rng = self.rng
        mix = KEY_SEGMENTS if key_account else PUBLIC_SEGMENTS
        name = rng.choices([n for n, _w in mix], weights=[w for _n, w in mix])[0]
        return SEGMENTS[name] * (KEY_FACTOR if key_account else 1.0)

    def number(self, operator: float | None = None) -> str:
        rng = self.rng
        r = rng.random() if operator is None else operator
        prefixes = OURS if r < 0.5 else CHINA_MOBILE if r < 0.85 else CHINA_UNICOM
        return f"{rng.choice(prefixes)}{rng.randrange(10**8):08d}"

    def profile(self, sub: Sub, area_code: str) -> None:
        """Frequent contacts (weighted like real call lists: a few people most of the time), cells and roaming."""
        rng = self.rng
        if sub.kind in ("mobile", "fixed_line"):
            count = rng.randint(6, 20) if sub.kind == "mobile" else rng.randint(3, 10)
            sub.contacts = [self.number() for _ in range(count)]
            sub.contact_cum = _cum(1.0 / (i + 1) ** 1.1 for i in range(count))
        if sub.kind == "mobile":
            sub.cells = tuple(f"{area_code}-{rng.randrange(400):04d}" for _ in range(3))
            r = rng.random()
            if r < 0.13:
                sub.domestic_roaming = rng.uniform(0.03, 0.12)
            elif r < 0.15:
                sub.domestic_roaming, sub.international_roaming = 0.03, rng.uniform(0.02, 0.06)
        if sub.churn_ordinal:
            sub.rivals = [self.number(0.6 + 0.4 * rng.random()) for _ in range(rng.randint(2, 5))]
            sub.rivals.append(rng.choice(COMPETITOR_HOTLINES))

    def fraud_profile(self, sub: Sub, area_code: str) -> None:
        sub.fraud = True
        sub.cells = (f"{area_code}-{self.rng.randrange(400):04d}",)  # a SIM box does not move

    # --- months ---------------------------------------------------------------------------------------------------
    def active_days(self, sub: Sub, month: Month, horizon: datetime.date) -> tuple[int, int]:
        """The day indexes [first, last) of the month with usage (horizon: the first day not generated)."""
        first = max(sub.start, month.start)
        last = min(sub.end, month.end, horizon)
        if last <= first:
            return 0, 0
        return (first - month.start).days, (last - month.start).days

    def decline(self, sub: Sub, month: Month, d0: int, d1: int) -> float:
        """Churners use less and less over the months before they leave."""
        if not sub.churn_ordinal:
            return 1.0
        middle = month.ordinals[(d0 + d1 - 1) // 2]
        progress = min(1.0, max(0.0, (middle - (sub.churn_ordinal - CHURN_LEAD_DAYS)) / CHURN_LEAD_DAYS))
        return 1.0 - 0.7 * progress

    def expected(self, sub: Sub, month: Month, d0: int, d1: int) -> int:
        rng = self.rng
        if sub.fraud:
            return int((d1 - d0) * rng.uniform(*FRAUD_PER_DAY))
        base = KINDS[sub.kind][0] * sub.factor * self.decline(sub, month, d0, d1)
        return int(base * (d1 - d0) / month.days * rng.uniform(0.8, 1.2) + rng.random())

    def month(self, sub: Sub, month: Month, horizon: datetime.date, *, records: bool):
        """Yield the records of one subscription in one month (when ``records``) and add its monthly totals."""
        d0, d1 = self.active_days(sub, month, horizon)
        if d1 <= d0:
            return
        n = self.expected(sub, month, d0, d1)
        total = self.totals.setdefault((sub.product_id, month.start), [0, 0, 0, 0, 0, 0])
        if not records:
            self._estimate(sub, n, total)
            return
        if sub.fraud:
            yield from self._fraud(sub, month, d0, d1, n, total)
            return
        yield from self._records(sub, month, d0, d1, n, total)

    def _records(self, sub: Sub, month: Month, d0: int, d1: int, n: int, total: list[int]):
        rnd = self.rng.random
        bisect_right = bisect.bisect_right
        _count, p_voice, p_sms, mean_kb = KINDS[sub.kind]
        p_voice_sms = p_voice + p_sms
        voice_profile = P_BUSINESS if sub.business else P_VOICE
        contacts, contact_cum = sub.contacts, sub.contact_cum
        contact_total = contact_cum[-1] if contact_cum else 0.0
        cells = sub.cells
        dom, intl = sub.domestic_roaming, sub.domestic_roaming + sub.international_roaming
        rival_from = sub.churn_ordinal - CHURN_LEAD_DAYS
        mean_kb *= sub.factor
        last_hour_cum = 23
        for _ in range(n):
            r = rnd()
            if r < p_voice:
                usage_type, day_cum, hour_cum = "voice", month.day_cum[voice_profile], VOICE_CUM
            elif r < p_voice_sms:
                usage_type, day_cum, hour_cum = "sms", month.day_cum[P_SMS], VOICE_CUM
            else:
                usage_type, day_cum, hour_cum = "data", month.day_cum[P_DATA], DATA_CUM
            low = day_cum[d0 - 1] if d0 else 0.0
            day = bisect_right(day_cum, low + rnd() * (day_cum[d1 - 1] - low), d0, d1 - 1)
            hour = bisect_right(hour_cum, rnd() * hour_cum[last_hour_cum], 0, last_hour_cum)
            started = month.bases[day] + datetime.timedelta(seconds=hour * 3600 + int(rnd() * 3600))
            r = rnd()
            roaming = "none" if r >= intl else "domestic" if r < dom else "international"
            if roaming == "none":
                r = rnd()
                cell = cells[0 if r < 0.6 else 1 if r < 0.9 else 2] if cells else ""
            else:
                cell = "INTL" if roaming == "international" else f"R{int(rnd() * 900000) + 100000}"
                total[4] += 1
            duration = volume = fen = 0
            other = ""
            outgoing = True
            if usage_type == "data":
                duration = 60 + int(rnd() * 3500)
                volume = int(mean_kb * 2 * rnd() * rnd() * 2) + 1
                if roaming == "international":
                    fen = min(3000, (volume // 1024 + 1) * 50)
                total[3] += volume
            else:
                outgoing = rnd() < (0.6 if usage_type == "voice" else 0.5)
                if rival_from > 0 and rnd() < 0.55 * min(1.0, max(0.0, (month.ordinals[day] - rival_from) / 120)):
                    other = sub.rivals[int(rnd() * len(sub.rivals))]
                else:
                    other = contacts[bisect_right(contact_cum, rnd() * contact_total, 0, len(contacts) - 1)]
                if usage_type == "voice":
                    duration = 5 + int(-MEAN_CALL_S * log(1.0 - rnd()))
                    minutes = duration // 60 + 1
                    if roaming == "international":
                        fen = 299 * minutes
                    elif outgoing:
                        fen = 10 * minutes
                    total[0] += 1
                    total[1] += duration
                else:
                    if outgoing:
                        fen = 100 if roaming == "international" else 10
                    total[2] += 1
            total[5] += fen
            sub.serial += 1
            yield (f"D{sub.product_id}-{sub.serial}", started, sub.account_id, sub.customer_id, sub.product_id,
                   sub.number, usage_type, outgoing, other, duration, volume, cell, roaming, fen_text(fen))  # fmt: skip

    def _fraud(self, sub: Sub, month: Month, d0: int, d1: int, n: int, total: list[int]):
        """A SIM box or a stolen line: many short outgoing calls, abroad and to premium numbers, at night, one cell."""
        rng = self.rng
        rnd = rng.random
        day_cum = month.day_cum[P_FLAT]
        cell = sub.cells[0]
        for _ in range(n):
            low = day_cum[d0 - 1] if d0 else 0.0
            day = bisect.bisect_right(day_cum, low + rnd() * (day_cum[d1 - 1] - low), d0, d1 - 1)
            hour = bisect.bisect_right(FRAUD_CUM, rnd() * FRAUD_CUM[23], 0, 23)
            started = month.bases[day] + datetime.timedelta(seconds=hour * 3600 + int(rnd() * 3600))
            duration = 8 + int(rnd() * 80)
            minutes = duration // 60 + 1
            outgoing = rnd() < 0.96
            r = rnd()
            if r < 0.55:
                other, fen = f"00{rng.choice(COUNTRY_CODES)}{rng.randrange(10**9):09d}", 300 * minutes
            elif r < 0.8:
                other, fen = f"1900{rng.randrange(10**7):07d}", 100 * minutes
            else:
                other, fen = self.number(), 10 * minutes
            if not outgoing:
                fen = 0
            total[0] += 1
            total[1] += duration
            total[5] += fen
            sub.serial += 1
            yield (f"D{sub.product_id}-{sub.serial}", started, sub.account_id, sub.customer_id, sub.product_id,
                   sub.number, "voice", outgoing, other, duration, 0, cell, "none", fen_text(fen))  # fmt: skip

    def _estimate(self, sub: Sub, n: int, total: list[int]) -> None:
        """Monthly totals without records (older months of large demos), from the same profile."""
        rng = self.rng
        if sub.fraud:
            total[0] += n
            total[1] += n * 48
            total[5] += int(n * 0.96 * (0.55 * 300 + 0.25 * 100 + 0.2 * 10) * 1.3)
            return
        _count, p_voice, p_sms, mean_kb = KINDS[sub.kind]
        calls, messages = round(n * p_voice), round(n * p_sms)
        sessions = n - calls - messages
        seconds = int(calls * (MEAN_CALL_S + 5) * rng.uniform(0.85, 1.15))
        total[0] += calls
        total[1] += seconds
        total[2] += messages
        total[3] += int(sessions * mean_kb * sub.factor * rng.uniform(0.8, 1.2))
        roaming = sub.domestic_roaming + sub.international_roaming
        total[4] += int(n * roaming + rng.random())
        fen = int(calls * 0.6 * 10 * (MEAN_CALL_S / 60 + 1) + messages * 0.5 * 10)
        if sub.international_roaming:
            fen += int(n * sub.international_roaming * (p_voice * 299 * 3 + (1 - p_voice - p_sms) * 600))
        total[5] += fen
