"""The 2-character fast path of name search: the same customers as an infix match, through the bigram index."""

import pytest
from django.db import connection

from customers.models import Customer, Party
from customers.selectors import NameBigrams, customer_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(hefei, wuhu):
    def make(no, name, region, kind="individual"):
        person = kind == "individual"
        party = Party.objects.create(
            kind=kind, name=name, id_number=f"3401011990010100{no[-2:]}" if person else None,
            credit_code=None if person else f"91340100M0001000{no[-2:]}",
        )  # fmt: skip
        customer_class, level = ("public", "basic") if person else ("key_account", "3A")
        return Customer.objects.create(
            customer_no=no, party=party, region=region, customer_class=customer_class, service_level=level
        )

    return {
        "wang": make("C00000000011", "王小明", hefei),
        "xiao": make("C00000000012", "小明", hefei),
        "li": make("C00000000013", "李晓明", hefei),
        "corp": make("C00000000014", "合肥小明科技有限公司", hefei, kind="organization"),
        "wuhu": make("C00000000015", "赵小明", wuhu),
    }


def test_two_characters_find_every_name_containing_them_in_scope(named, make_staff):
    clerk = make_staff("hall_clerk")
    found = {c.customer_no for c in customer_search(clerk, "小明")}
    assert found == {named[k].customer_no for k in ("wang", "xiao", "corp")}  # not 李晓明, not Wuhu's 赵小明
    assert {c.customer_no for c in customer_search(clerk, "王小")} == {named["wang"].customer_no}
    assert customer_search(clerk, "明王") == []


def test_three_characters_still_use_the_infix_match(named, make_staff):
    clerk = make_staff("hall_clerk")
    assert {c.customer_no for c in customer_search(clerk, "小明科")} == {named["corp"].customer_no}


def test_name_bigrams_are_the_distinct_two_character_substrings(named):
    bigrams = Party.objects.filter(pk=named["wang"].party_id).annotate(b=NameBigrams("name")).get().b
    assert sorted(bigrams) == sorted(["王小", "小明"])
    assert Party.objects.annotate(b=NameBigrams("name")).filter(name="小明").get().b == ["小明"]


def test_two_character_search_reads_the_bigram_index(named):
    matching = Party.objects.alias(b=NameBigrams("name")).filter(b__contains=["小明"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show its index choice
        plan = matching.explain()
    assert "party_name_bigram_idx" in plan


def test_three_characters_and_more_find_the_same_customers_in_scope(named, make_staff):
    clerk = make_staff("hall_clerk")
    assert {c.customer_no for c in customer_search(clerk, "小明科技")} == {named["corp"].customer_no}
    assert {c.customer_no for c in customer_search(clerk, "王小明")} == {named["wang"].customer_no}  # not Wuhu's
    assert customer_search(clerk, "赵小明") == []  # Wuhu's customer: out of the Hefei clerk's scope


def test_three_character_search_reads_the_parties_by_name_first(named, make_staff):
    """The parties matching the name are a subquery of their own (its LIMIT keeps the planner from merging it into
    a walk over the customers in id order), read by the name's trigram index."""
    from customers.selectors import NAME_MATCHES_READ, _search_name_condition

    condition = _search_name_condition("小明科技")
    sql = str(Customer.objects.filter(condition).query)
    assert f'FROM "customers_party" U0 WHERE U0."name"::text LIKE %小明科技% LIMIT {NAME_MATCHES_READ})' in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Party.objects.filter(name__contains="小明科技").order_by().values("id")[:NAME_MATCHES_READ].explain()
    assert "trgm" in plan or "party_name" in plan, plan
