"""The database itself refuses customers that break the model's invariants."""

import pytest
from django.db import IntegrityError, transaction

from customers.models import BillingAccount, Customer, Party

pytestmark = pytest.mark.django_db


def person(id_number="11010519491231002X", **kw) -> Party:
    return Party.objects.create(kind="individual", name="张三", id_number=id_number, **kw)


def refused(**kwargs):
    create = kwargs.pop("create")
    with pytest.raises(IntegrityError), transaction.atomic():
        create(**kwargs)


def test_an_id_number_belongs_to_one_person():
    person()
    refused(create=person)
    assert Party.objects.count() == 1


def test_a_party_carries_the_identifier_of_its_kind():
    refused(create=Party.objects.create, kind="individual", name="无证件")
    refused(create=Party.objects.create, kind="organization", name="某公司", id_number="440524188001010014")
    Party.objects.create(kind="organization", name="某公司", credit_code="91350100M000100Y43")
    refused(create=Party.objects.create, kind="organization", name="重复", credit_code="91350100M000100Y43")
    assert list(Party.objects.values_list("name", flat=True)) == ["某公司"]


def test_customer_level_must_fit_its_class(hefei):
    party = person()
    refused(create=Customer.objects.create, customer_no="C1", party=party, customer_class="public", region=hefei,
            service_level="1A")  # fmt: skip
    refused(create=Customer.objects.create, customer_no="C2", party=party, customer_class="key_account", region=hefei,
            service_level="gold")  # fmt: skip
    Customer.objects.create(customer_no="C3", party=party, customer_class="public", region=hefei, service_level="gold")
    assert list(Customer.objects.values_list("customer_no", flat=True)) == ["C3"]


def test_a_pinned_level_needs_a_reason_and_churn_risk_is_a_probability(hefei):
    party = person()
    refused(create=Customer.objects.create, customer_no="C4", party=party, customer_class="public", region=hefei,
            service_level_pinned=True)  # fmt: skip
    refused(create=Customer.objects.create, customer_no="C5", party=party, customer_class="public", region=hefei,
            churn_risk=2)  # fmt: skip
    assert not Customer.objects.exists()


def test_account_limits(hefei):
    customer = Customer.objects.create(customer_no="C6", party=person(), customer_class="public", region=hefei)
    refused(create=BillingAccount.objects.create, account_no="A1", customer=customer, credit_limit=-1)
    refused(create=BillingAccount.objects.create, account_no="A2", customer=customer, arrears_amount=-5)
    refused(create=BillingAccount.objects.create, account_no="A3", customer=customer, bill_cycle_day=31)
    BillingAccount.objects.create(account_no="A4", customer=customer, balance=-20)  # a negative balance is allowed
    assert list(BillingAccount.objects.values_list("account_no", flat=True)) == ["A4"]
