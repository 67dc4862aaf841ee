"""Usage of the demo subscriptions: per-subscriber profiles, call-detail records (详单) and monthly totals.

Hot path: one call of ``UsageGenerator.month`` per subscription and month, a few ``random()`` calls and one tuple per
record, so a million customers stay O(rows). Money is counted in fen (integers) and written as text from a table; times
are text too (a day-hour prefix from the month, "MM:SS" from a table, the UTC offset), with no datetime per record."""

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


# "MM:SS" for every second of an hour, so a record's time is three string concatenations.
MINUTE_SECOND = [f"{s // 60:02d}:{s % 60:02d}" for s in range(3600)]
# Most charges are a few yuan: their text, indexed by fen.
FEN_TEXT = [f"{f // 100}.{f % 100:02d}" for f in range(20_000)]


def fen_text(fen: int) -> str:
    return FEN_TEXT[fen] if 0 <= fen < 20_000 else f"{fen // 100}.{fen % 100:02d}"


def _cum(weights) -> list[float]:
    return list(itertools.accumulate(weights))


VOICE_CUM, DATA_CUM, FRAUD_CUM = _cum(VOICE_HOURS), _cum(DATA_HOURS), _cum(FRAUD_HOURS)


@dataclass
class Month:
    """One local calendar month: its days' ordinals, cumulative day weights per profile and, for months with records,
    each day-hour's timestamp text (``stamps[day * 24 + hour]`` is "YYYY-MM-DD HH:", ``offsets`` the UTC offset)."""

    start: datetime.date
    days: int
    end: datetime.date  # exclusive: the first day of the next month
    ordinals: list[int] = field(default_factory=list)
    day_cum: list[list[float]] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)
    offsets: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, start: datetime.date) -> Month:
        following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        month = cls(start=start, days=(following - start).days, end=following)
        dates = [start + datetime.timedelta(days=d) for d in range(month.days)]
        month.ordinals = [d.toordinal() for d in dates]
        month.day_cum = [_cum(w if d.weekday() >= 5 else 1.0 for d in dates) for w in DAY_PROFILES]
        return month

    def prepare_stamps(self) -> None:
        """The local wall-clock hours as text with their offsets (the offset of a DST day can change by hour)."""
        if self.stamps:
            return
        tz = timezone.get_default_timezone()
        for d in range(self.days):
            day = self.start + datetime.timedelta(days=d)
            for hour in range(24):
                self.stamps.append(f"{day:%Y-%m-%d} {hour:02d}:")
                offset = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=tz).strftime("%z")
                self.offsets.append(f"{offset[:3]}:{offset[3:]}")


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
    """Draws profiles and records from one seeded generator; ``totals`` collects the monthly sums per subscription,
    ``daily`` the outbound calls per subscription and local day of the records (UsageDaily)."""

    COLUMNS = ["record_key", "started_at", "account_id", "customer_id", "product_id", "service_number", "usage_type",
               "outgoing", "other_number", "duration_s", "volume_kb", "cell_id", "roaming", "charge"]  # fmt: skip

    def __init__(self, rng: random.Random):
        self.rng = rng
        # (product_id, month start) -> [calls, call seconds, messages, data KB, roaming records, charge in fen]
        self.totals: dict[tuple[int, datetime.date], list[int]] = {}
        # (product_id, day) -> (outbound calls, their seconds), for the days with records
        self.daily: dict[tuple[int, datetime.date], tuple[int, int]] = {}

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

    def month(self, sub: Sub, month: Month, horizon: datetime.date, window: datetime.date) -> list[tuple]:
        """The records of one subscription in one month from ``window`` (the first day with records) on; adds its
        monthly totals: the records' sums, plus an estimate from the profile for the active days before ``window``.
        A list, not a generator: the caller chains the lists in C, one Python ``yield`` per record costs more."""
        d0, d1 = self.active_days(sub, month, horizon)
        if d1 <= d0:
            return []
        total = self.totals.setdefault((sub.product_id, month.start), [0, 0, 0, 0, 0, 0])
        w = min(max((window - month.start).days, d0), d1)
        if w > d0:
            self._estimate(sub, self.expected(sub, month, d0, w), total)
        if d1 <= w:
            return []
        n = self.expected(sub, month, w, d1)
        return (self._fraud if sub.fraud else self._records)(sub, month, w, d1, n, total)

    def _records(self, sub: Sub, month: Month, d0: int, d1: int, n: int, total: list[int]) -> list[tuple]:
        # The hot loop: everything it reads is a local, times and money are text built from tables.
        rng = self.rng
        rnd = rng.random
        bisect_right = bisect.bisect_right
        _count, p_voice, p_sms, mean_kb = KINDS[sub.kind]
        p_voice_sms = p_voice + p_sms
        day_cums = month.day_cum
        voice_days, sms_days, data_days = day_cums[P_BUSINESS if sub.business else P_VOICE], day_cums[P_SMS], \
            day_cums[P_DATA]  # fmt: skip
        last = d1 - 1
        voice_low = voice_days[d0 - 1] if d0 else 0.0
        voice_span = voice_days[last] - voice_low
        sms_low = sms_days[d0 - 1] if d0 else 0.0
        sms_span = sms_days[last] - sms_low
        data_low = data_days[d0 - 1] if d0 else 0.0
        data_span = data_days[last] - data_low
        voice_hours, data_hours = VOICE_CUM, DATA_CUM
        voice_hour_total, data_hour_total = VOICE_CUM[23], DATA_CUM[23]
        stamps, offsets, minute_second, fen_texts = month.stamps, month.offsets, MINUTE_SECOND, FEN_TEXT
        ordinals = month.ordinals
        contacts, contact_cum = sub.contacts, sub.contact_cum
        contact_total = contact_cum[-1] if contact_cum else 0.0
        contact_last = len(contacts) - 1
        cells = sub.cells
        cell0, cell1, cell2 = (cells[0], cells[1], cells[2]) if len(cells) >= 3 else ("", "", "")
        dom, intl = sub.domestic_roaming, sub.domestic_roaming + sub.international_roaming
        rival_from = sub.churn_ordinal - CHURN_LEAD_DAYS
        rivals = sub.rivals
        kb_scale = mean_kb * sub.factor * 4
        key = f"D{sub.product_id}-"
        account_id, customer_id, product_id, number = sub.account_id, sub.customer_id, sub.product_id, sub.number
        serial = sub.serial
        calls = seconds = messages = kb = roamed = charged = 0
        out_calls, out_seconds = [0] * month.days, [0] * month.days  # by day of the month
        rows: list[tuple] = []
        append = rows.append
        for _ in range(n):
            r = rnd()
            if r < p_voice:
                usage_type = "voice"
                day = bisect_right(voice_days, voice_low + rnd() * voice_span, d0, last)
                hour = bisect_right(voice_hours, rnd() * voice_hour_total, 0, 23)
            elif r < p_voice_sms:
                usage_type = "sms"
                day = bisect_right(sms_days, sms_low + rnd() * sms_span, d0, last)
                hour = bisect_right(voice_hours, rnd() * voice_hour_total, 0, 23)
            else:
                usage_type = "data"
                day = bisect_right(data_days, data_low + rnd() * data_span, d0, last)
                hour = bisect_right(data_hours, rnd() * data_hour_total, 0, 23)
            slot = day * 24 + hour
            r = rnd()
            if r >= intl:
                roaming = "none"
                r = rnd()
                cell = cell0 if r < 0.6 else cell1 if r < 0.9 else cell2
            else:
                roamed += 1
                if r < dom:
                    roaming, cell = "domestic", f"R{int(rnd() * 900000) + 100000}"
                else:
                    roaming, cell = "international", "INTL"
            fen = 0
            if usage_type == "data":
                outgoing, other, volume = True, "", int(kb_scale * rnd() * rnd()) + 1
                duration = 60 + int(rnd() * 3500)
                if roaming == "international":
                    fen = min(3000, (volume // 1024 + 1) * 50)
                kb += volume
            else:
                volume = 0
                outgoing = rnd() < (0.6 if usage_type == "voice" else 0.5)
                if rival_from > 0 and rnd() < 0.55 * min(1.0, max(0.0, (ordinals[day] - rival_from) / 120)):
                    other = rivals[int(rnd() * len(rivals))]
                else:
                    other = contacts[bisect_right(contact_cum, rnd() * contact_total, 0, contact_last)]
                if usage_type == "voice":
                    duration = 5 + int(-MEAN_CALL_S * log(1.0 - rnd()))
                    if roaming == "international":
                        fen = 299 * (duration // 60 + 1)
                    elif outgoing:
                        fen = 10 * (duration // 60 + 1)
                    calls += 1
                    seconds += duration
                    if outgoing:
                        out_calls[day] += 1
                        out_seconds[day] += duration
                else:
                    duration = 0
                    if outgoing:
                        fen = 100 if roaming == "international" else 10
                    messages += 1
            charged += fen
            serial += 1
            append((key + str(serial), stamps[slot] + minute_second[int(rnd() * 3600)] + offsets[slot], account_id,
                    customer_id, product_id, number, usage_type, outgoing, other, duration, volume, cell, roaming,
                    fen_texts[fen] if fen < 20_000 else fen_text(fen)))  # fmt: skip
        sub.serial = serial
        if calls:
            self._add_daily(product_id, month, out_calls, out_seconds)
        total[0] += calls
        total[1] += seconds
        total[2] += messages
        total[3] += kb
        total[4] += roamed
        total[5] += charged
        return rows

    def _fraud(self, sub: Sub, month: Month, d0: int, d1: int, n: int, total: list[int]) -> list[tuple]:
        """A SIM box or a stolen line: many short outgoing calls, abroad and to premium numbers, at night, one cell."""
        rng = self.rng
        rnd = rng.random
        day_cum = month.day_cum[P_FLAT]
        low = day_cum[d0 - 1] if d0 else 0.0
        span = day_cum[d1 - 1] - low
        stamps, offsets = month.stamps, month.offsets
        cell = sub.cells[0]
        key = f"D{sub.product_id}-"
        out_calls, out_seconds = [0] * month.days, [0] * month.days
        rows: list[tuple] = []
        for _ in range(n):
            day = bisect.bisect_right(day_cum, low + rnd() * span, d0, d1 - 1)
            slot = day * 24 + bisect.bisect_right(FRAUD_CUM, rnd() * FRAUD_CUM[23], 0, 23)
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
            if outgoing:
                out_calls[day] += 1
                out_seconds[day] += duration
            else:
                fen = 0
            total[0] += 1
            total[1] += duration
            total[5] += fen
            sub.serial += 1
            rows.append((key + str(sub.serial), stamps[slot] + MINUTE_SECOND[int(rnd() * 3600)] + offsets[slot],
                         sub.account_id, sub.customer_id, sub.product_id, sub.number, "voice", outgoing, other,
                         duration, 0, cell, "none", FEN_TEXT[fen]))  # fmt: skip
        self._add_daily(sub.product_id, month, out_calls, out_seconds)
        return rows

    def _add_daily(self, product_id: int, month: Month, out_calls: list[int], out_seconds: list[int]) -> None:
        daily = self.daily
        for d, calls in enumerate(out_calls):
            if calls:
                daily[(product_id, month.start + datetime.timedelta(days=d))] = (calls, out_seconds[d])

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
