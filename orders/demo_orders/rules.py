"""Demo ordering rules (step ``ordering-rules``): next-best-offer rules and the outlets' commission rules, by code."""

from __future__ import annotations

import datetime
from decimal import Decimal

from crm.demo.engine import SeedContext, demo_step

from ..models import CommissionRule, NextBestOfferRule, OrderType, ProductOffering

# offering code, customer class, segment, min / max monthly spend, has kind, lacks kind, reason, reason (en), priority
NBO_RULES = [
    ("fuse-169", "public", "", None, None, "mobile", "broadband", "手机+宽带融合更省钱",
     "Mobile and broadband together cost less", 90),
    ("dia-gold-100", "key_account", "", None, None, "dia", "", "专线升级金牌服务，故障2小时修复",
     "Upgrade the dedicated line to gold: faults repaired within 2 hours", 85),
    ("iptv-basic", "", "", None, None, "broadband", "iptv", "已有宽带，加20元看天翼高清",
     "You have broadband: IPTV for 20 yuan a month more", 70),
    ("vas-data-10g", "", "data_heavy", None, None, "mobile", "", "流量用得多，10GB流量包比超出计费划算",
     "Heavy data use: a 10 GB pack costs less than paying per MB", 65),
    ("mob-199", "public", "", "150", None, "mobile", "", "月消费较高，199元套餐流量通话更充足",
     "High monthly spend: the 199 plan gives more data and minutes", 60),
    ("bb-1000", "public", "", "100", None, "broadband", "", "千兆宽带，居家办公、追剧不卡顿",
     "Gigabit broadband for working from home and streaming", 50),
    ("fuse-229", "public", "", "150", None, "broadband", "", "融合229含千兆宽带和固话，全家通信一步到位",
     "Fused 229: gigabit broadband and a fixed line for the whole family", 40),
    ("fix-basic", "key_account", "", None, None, "", "fixed_line", "加装固话，对外服务号码更正规",
     "A fixed line gives the business a proper public number", 35),
    ("mob-129", "key_account", "", None, None, "mobile", "", "员工手机升级129元套餐，集团统一付费",
     "Staff mobiles on the 129 plan, paid centrally by the company", 30),
    ("vas-cloud", "", "", None, None, "mobile", "", "天翼云盘1T，照片视频自动备份",
     "1 TB cloud storage backs up photos and videos automatically", 25),
    ("vas-clip", "", "", None, None, "fixed_line", "", "固话来电显示，陌生来电早知道",
     "Caller ID on the fixed line: know who is calling", 20),
    ("vas-crbt", "public", "", None, "80", "mobile", "", "个性彩铃，每月5元",
     "Your own ringback tone for 5 yuan a month", 15),
]  # fmt: skip
COMMISSION_FROM = datetime.date(2024, 1, 1)
FUSED_BUNDLES = ("fuse-129", "fuse-169", "fuse-229")
# order type, product kind (blank: any), offering codes (none: any), partner hall, agent outlet (yuan)
COMMISSIONS = [
    (OrderType.NEW, "broadband", (), "80", "60"),
    (OrderType.NEW, "mobile", (), "50", "40"),
    (OrderType.NEW, "", FUSED_BUNDLES, "150", "120"),  # an offering's own rule beats the kind rules
    (OrderType.VAS_ADD, "", (), "5", "3"),
    (OrderType.CHANGE, "", (), "10", "8"),
]
OUTLET_KINDS = ("partner_hall", "agent_outlet")


@demo_step(order=36, name="ordering-rules")
def seed_ordering_rules(ctx: SeedContext) -> None:
    """Next-best-offer and commission rules for the demo catalog (idempotent by their natural keys)."""
    offerings = {o.code: o for o in ProductOffering.objects.all()}
    nbo = 0
    for code, klass, segment, low, high, has, lacks, reason, reason_en, priority in NBO_RULES:
        if code not in offerings:
            continue
        _rule, created = NextBestOfferRule.objects.get_or_create(
            offering=offerings[code], reason=reason,
            defaults={"customer_class": klass, "segment": segment, "has_kind": has, "lacks_kind": lacks,
                      "min_monthly_spend": Decimal(low) if low else None,
                      "max_monthly_spend": Decimal(high) if high else None, "reason_en": reason_en,
                      "priority": priority},
        )  # fmt: skip
        nbo += created
    commissions = 0
    for order_type, kind, codes, *amounts in COMMISSIONS:
        for outlet_kind, amount in zip(OUTLET_KINDS, amounts, strict=True):
            for offering in [offerings[c] for c in codes if c in offerings] if codes else [None]:
                _rule, created = CommissionRule.objects.get_or_create(
                    outlet_kind=outlet_kind, order_type=order_type, offering=offering, spec_kind=kind,
                    valid_from=COMMISSION_FROM, defaults={"amount": Decimal(amount)},
                )  # fmt: skip
                commissions += created
    ctx.log(f"  {nbo} next-best-offer rules, {commissions} commission rules")
