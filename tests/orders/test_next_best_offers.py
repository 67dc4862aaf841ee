"""Next-best offers: rules from the table, fitted to what the customer has and spends, with the reason."""

from decimal import Decimal

from django.utils import translation

from orders.models import NextBestOfferRule, ProductOffering
from orders.selectors import next_best_offers
from orders.services import product_create


def offering(code):
    return ProductOffering.objects.get(code=code)


def rule(code, reason, **kwargs):
    return NextBestOfferRule.objects.create(offering=offering(code), reason=reason, reason_en=f"en:{reason}", **kwargs)


def test_offers_fit_what_the_customer_has_and_spends(people, catalog):
    zhang = people["zhang"]
    product_create(customer=zhang, offering=offering("mob-89"), service_number="18955577777", status="active")
    rule("fuse-169", "手机+宽带融合更省钱", lacks_kind="broadband", priority=90)
    rule("iptv-basic", "看电视", has_kind="broadband", priority=80)  # has no broadband: not offered
    rule("mob-199", "高消费升档", min_monthly_spend=Decimal("80"), priority=70)
    rule("mob-129", "低消费", max_monthly_spend=Decimal("50"), priority=60)  # spends 89: not offered
    rule("mob-89", "已有", priority=100)  # already owned: not offered
    rule("dia-gold-100", "政企专线", priority=95)  # sold to key accounts only
    rule("vas-cloud", "云盘", priority=50)
    rule("vas-crbt", "彩铃", priority=40)

    with translation.override("zh-hans"):
        offers = next_best_offers(zhang)
    assert [o.offering.code for o in offers] == ["fuse-169", "mob-199", "vas-cloud"]  # three, by priority
    assert offers[0].reason == "手机+宽带融合更省钱"
    with translation.override("en"):
        assert next_best_offers(zhang, limit=1)[0].reason == "en:手机+宽带融合更省钱"


def test_no_rule_no_offer(people, catalog):
    assert next_best_offers(people["zhang"]) == []
