"""Demo customers: individuals and organisations with valid identifiers, contacts, customers and accounts.

Written with COPY in one pass per table so a million customers generate in minutes.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from crm.accounts.models import Area, Grid, Region
from crm.demo.engine import SeedContext, demo_step
from crm.demo.names import chinese_name

from .identity import make_credit_code, make_id_number
from .models import AccountVisit, BillingAccount, CommunicationPlan, ContactMedium, Customer, KeyAccountContract, Party

# China Telecom mobile number prefixes (号段).
MOBILE_PREFIXES = ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199")
# How many customers a region has, relative to the others (Hefei largest).
REGION_WEIGHT = {"340100": 9, "341200": 6, "340800": 5, "341300": 5, "341500": 5, "340300": 4, "341100": 4,
                 "340200": 4, "341600": 4, "341800": 3, "340400": 3, "340500": 3, "340600": 2, "340700": 2,
                 "341000": 2, "341700": 2}  # fmt: skip
PUBLIC_LEVELS = (("diamond", 2), ("gold", 8), ("silver", 20), ("basic", 70))
KEY_LEVELS = (
    ("1A", 2),
    ("2A", 4),
    ("3A", 8),
    ("4A", 12),
    ("5A", 14),
    ("1B", 4),
    ("2B", 8),
    ("3B", 12),
    ("4B", 16),
    ("5B", 20),
)
INDUSTRIES = (
    "政府机关",
    "教育",
    "医疗卫生",
    "金融",
    "制造业",
    "批发零售",
    "交通物流",
    "建筑地产",
    "信息技术",
    "酒店餐饮",
)
ORG_WORDS = ("华信", "皖江", "徽商", "江淮", "新兴", "恒通", "长丰", "瑞达", "天成", "鼎盛", "安泰", "国源")
ORG_SUFFIX = (
    "科技有限公司",
    "贸易有限公司",
    "实业有限公司",
    "建设集团有限公司",
    "物流有限公司",
    "医院",
    "中学",
    "分行",
)
STREETS = ("长江路", "人民路", "解放路", "胜利路", "和平路", "建设路", "光明路", "文化路", "中山路", "淮河路", "黄山路")
KEY_ACCOUNT_SHARE = 0.05
PAYMENT_METHODS = ("cash", "bank_debit", "prepaid", "online")
# Most customers accept marketing; some have said no to SMS or calls (营销免打扰).
OPT_OUTS = ([],) * 8 + (["sms"], ["outbound_call"], ["sms", "outbound_call"])
CHUNK = 50_000  # customers generated and written per round, so memory stays flat at a million


def _cumulative(choices):
    values, weights = zip(*choices, strict=True)
    return values, list(itertools.accumulate(weights))


PUBLIC_LEVEL_DRAW, KEY_LEVEL_DRAW = _cumulative(PUBLIC_LEVELS), _cumulative(KEY_LEVELS)


def _weighted(rng, draw):
    values, cumulative = draw
    return rng.choices(values, cum_weights=cumulative, k=1)[0]


@dataclass
class _Chunk:
    parties: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    customers: list = field(default_factory=list)
    accounts: list = field(default_factory=list)


class _CustomerGenerator:
    """Draws one customer at a time from the seeded generator; the organisation data is loaded once."""

    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.rng = ctx.rng("customers")
        self.regions = list(Region.objects.order_by("code"))
        self.region_cum_weights = list(itertools.accumulate(REGION_WEIGHT.get(r.code, 2) for r in self.regions))
        self.today = ctx.today
        self.areas_by_region: dict[int, list[Area]] = {}
        for area in Area.objects.order_by("code"):
            self.areas_by_region.setdefault(area.region_id, []).append(area)
        self.grids_by_area: dict[int, list[int]] = {}
        for grid_id, area_id in Grid.objects.order_by("code").values_list("id", "area_id"):
            self.grids_by_area.setdefault(area_id, []).append(grid_id)
        self.managers_by_region: dict[int, list[int]] = {}
        managers = get_user_model().objects.filter(staff_profile__role="account_manager").order_by("id")
        for user_id, region_id in managers.values_list("id", "staff_profile__region_id"):
            self.managers_by_region.setdefault(region_id, []).append(user_id)
        self.used_id_slots: dict[str, int] = {}  # area code + birth date -> sequence numbers used

    def individual(self, party_id: int, area: Area) -> tuple:
        rng = self.rng
        gender = "male" if rng.random() < 0.51 else "female"
        while True:  # a free sequence number for this area and birth date keeps ID numbers unique
            birth = datetime.date(1945, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
            slot = f"{area.code}{birth:%Y%m%d}"
            sequence = self.used_id_slots.get(slot, 0)
            if sequence < 500:
                self.used_id_slots[slot] = sequence + 1
                break
        id_number = make_id_number(rng, area.code, birth, gender, sequence)
        return (party_id, "individual", chinese_name(rng), id_number, birth, gender, None, "", self.ctx.now)

    def organization(self, party_id: int, region: Region, area: Area, serial: int) -> tuple:
        rng = self.rng
        name = f"{region.name}{rng.choice(ORG_WORDS)}{rng.choice(ORG_SUFFIX)}"
        code = make_credit_code(rng, area.code, serial)
        return (party_id, "organization", name, None, None, "", code, rng.choice(INDUSTRIES), self.ctx.now)

    def add(self, chunk: _Chunk, i: int, party_id: int, customer_id: int) -> None:
        rng, now = self.rng, self.ctx.now
        region = rng.choices(self.regions, cum_weights=self.region_cum_weights, k=1)[0]
        area = rng.choice(self.areas_by_region[region.id])
        grids = self.grids_by_area.get(area.id)
        grid_id = rng.choice(grids) if grids else None
        is_key = rng.random() < KEY_ACCOUNT_SHARE
        chunk.parties.append(
            self.organization(party_id, region, area, i) if is_key else self.individual(party_id, area)
        )
        prefix = MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)]
        phone = f"{prefix}{(i // len(MOBILE_PREFIXES) * 7919 + 1234567) % 10**8:08d}"  # unique: 7919 is prime to 10^8
        address = f"安徽省{region.name}市{area.name}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        chunk.contacts.append((party_id, "phone", phone, region.id, area.id, grid_id, True))
        chunk.contacts.append((party_id, "address", address, region.id, area.id, grid_id, False))
        level = _weighted(rng, KEY_LEVEL_DRAW if is_key else PUBLIC_LEVEL_DRAW)
        managers = self.managers_by_region.get(region.id)
        manager = rng.choice(managers) if is_key and managers else None
        status = "active" if rng.random() < 0.93 else rng.choice(("suspended", "churned", "prospect"))
        customer_class = "key_account" if is_key else "public"
        since = None if status == "prospect" else self.today - datetime.timedelta(days=rng.randrange(15 * 365))
        opt_outs = rng.choice(OPT_OUTS)
        chunk.customers.append(
            (customer_id, f"C{customer_id:011d}", party_id, customer_class, status, region.id, area.id, grid_id,
             manager, level, False, "", rng.randint(300, 850), None, None, [], "", False, opt_outs, since, now)
        )  # fmt: skip
        for _ in range(rng.randint(1, 3) if is_key else 1):
            owes = rng.random() < 0.1
            chunk.accounts.append(
                (customer_id, rng.choice(PAYMENT_METHODS), rng.choice((1, 1, 1, 10, 20)),
                 decimal.Decimal(rng.randint(-200, 800)), decimal.Decimal(rng.choice((0, 100, 200, 500))),
                 decimal.Decimal(rng.randint(1, 500) if owes else 0))
            )  # fmt: skip


@demo_step(order=20, name="customers")
def seed_customers(ctx: SeedContext) -> None:
    if ctx.customers <= 0:
        return
    generator = _CustomerGenerator(ctx)
    accounts = contacts = 0
    for start in range(0, ctx.customers, CHUNK):
        size = min(CHUNK, ctx.customers - start)
        party_ids, customer_ids = ctx.reserve_ids(Party, size), ctx.reserve_ids(Customer, size)
        chunk = _Chunk()
        for offset in range(size):
            generator.add(chunk, start + offset, party_ids[offset], customer_ids[offset])
        _write_chunk(ctx, chunk)
        accounts += len(chunk.accounts)
        contacts += len(chunk.contacts)
    ctx.log(f"  {ctx.customers} customers, {accounts} billing accounts, {contacts} contact media")


def _write_chunk(ctx: SeedContext, chunk: _Chunk) -> None:
    ctx.copy_rows(
        Party, ["id", "kind", "name", "id_number", "birth_date", "gender", "credit_code", "industry", "created_at"],
        chunk.parties,
    )  # fmt: skip
    ctx.copy_rows(
        ContactMedium, ["party_id", "kind", "value", "region_id", "area_id", "grid_id", "is_preferred"], chunk.contacts
    )
    ctx.copy_rows(
        Customer,
        ["id", "customer_no", "party_id", "customer_class", "status", "region_id", "area_id", "grid_id",
         "account_manager_id", "service_level", "service_level_pinned", "service_level_pin_reason", "credit_rating",
         "value_score", "churn_risk", "churn_reasons", "segment", "fraud_flag", "marketing_opt_outs", "since",
         "created_at"],
        chunk.customers,
    )  # fmt: skip
    account_ids = ctx.reserve_ids(BillingAccount, len(chunk.accounts))
    ctx.copy_rows(
        BillingAccount,
        ["id", "account_no", "customer_id", "payment_method", "bill_cycle_day", "balance", "credit_limit",
         "arrears_amount", "status", "created_at"],
        (
            (aid, f"A{aid:011d}", cid, method, cycle, balance, limit, arrears, "active", ctx.now)
            for aid, (cid, method, cycle, balance, limit, arrears) in zip(account_ids, chunk.accounts, strict=True)
        ),
    )  # fmt: skip


CONTRACT_TITLES = (
    "互联网专线服务合同",
    "政企融合业务协议",
    "云网一体化服务合同",
    "固定电话及宽带接入协议",
    "天翼云主机服务合同",
)
VISIT_PURPOSES = ("季度走访", "续约洽谈", "专线故障回访", "新业务推介", "满意度调查", "账单核对")
CONTACT_PEOPLE = ("王主任", "李经理", "张处长", "陈总", "刘科长", "信息中心赵工")
VISIT_SUMMARY = "客户对专线质量总体满意，关注续约价格。"
PLAN_TOPICS = ("月度业务沟通", "季度服务报告", "年度合同回顾", "网络运行质量通报")


@demo_step(order=25, name="key-accounts")
def seed_key_accounts(ctx: SeedContext) -> None:
    """Contracts, visit records and communication plans for the key accounts that have an account manager."""
    rng = ctx.rng("key-accounts")
    today = ctx.today
    key_accounts = (
        Customer.objects.filter(customer_class="key_account", account_manager__isnull=False)
        .exclude(status="prospect")
        .order_by("id")
        .values_list("id", "service_level", "account_manager_id")
    )
    contracts, visits, plans = [], [], []
    for customer_id, level, manager_id in key_accounts.iterator(chunk_size=10_000):
        for n in range(rng.randint(1, 2)):
            start = today - datetime.timedelta(days=rng.randrange(30, 3 * 365))
            end = start + datetime.timedelta(days=365 * rng.choice((1, 2, 3)))
            status = "active" if end >= today else "expired"
            contracts.append(
                (f"HT{customer_id:010d}{n}", customer_id, rng.choice(CONTRACT_TITLES), start, end,
                 decimal.Decimal(rng.randrange(20, 2000) * 1000), level, status, 60, manager_id, ctx.now)
            )  # fmt: skip
        for _ in range(rng.randint(0, 4)):
            when = ctx.now - datetime.timedelta(days=rng.randrange(1, 365), hours=rng.randrange(9))
            visits.append(
                (customer_id, manager_id, rng.choice(("on_site", "on_site", "phone", "meeting")), when,
                 rng.choice(CONTACT_PEOPLE), rng.choice(VISIT_PURPOSES), VISIT_SUMMARY, "", None)
            )  # fmt: skip
        plans.append(
            (customer_id, manager_id, rng.choice(PLAN_TOPICS), rng.choice(("field", "outbound_call")),
             rng.choice(("monthly", "quarterly")), today + datetime.timedelta(days=rng.randrange(-10, 90)), True, "")
        )  # fmt: skip
    ctx.copy_rows(
        KeyAccountContract,
        ["contract_no", "customer_id", "title", "start_date", "end_date", "value", "sla_level", "status",
         "remind_days_before_end", "signed_by_id", "created_at"],
        contracts,
    )  # fmt: skip
    ctx.copy_rows(
        AccountVisit,
        [
            "customer_id",
            "visitor_id",
            "kind",
            "visited_at",
            "contact_person",
            "purpose",
            "summary",
            "next_steps",
            "next_visit_on",
        ],
        visits,
    )
    ctx.copy_rows(
        CommunicationPlan,
        ["customer_id", "owner_id", "topic", "channel", "frequency", "next_due_on", "is_active", "notes"],
        plans,
    )
    ctx.log(f"  {len(contracts)} contracts, {len(visits)} visit records, {len(plans)} communication plans")
