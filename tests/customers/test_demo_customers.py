"""seed_demo's customer step: valid identifiers, both classes, accounts and contacts for every customer."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from customers.identity import credit_code_problem, id_number_problem
from customers.models import BillingAccount, ContactMedium, Customer, Party

pytestmark = pytest.mark.django_db


def test_demo_customers_are_complete_and_valid():
    call_command("seed_demo", "--customers", "400", "--seed", "5", stdout=io.StringIO())
    assert Customer.objects.count() == 400 and Party.objects.count() == 400
    classes = dict(Customer.objects.values_list("customer_class").annotate(n=Count("id")))
    assert classes["public"] > classes["key_account"] > 0
    for party in Party.objects.all():
        if party.kind == "individual":
            assert id_number_problem(party.id_number) is None, party.id_number
        else:
            assert credit_code_problem(party.credit_code) is None, party.credit_code
    assert not Customer.objects.filter(accounts__isnull=True).exists()
    assert ContactMedium.objects.filter(kind="phone").values("value").distinct().count() == 400
    key = Customer.objects.filter(customer_class="key_account")
    assert key.filter(account_manager__staff_profile__role="account_manager").count() == key.count()
    assert BillingAccount.objects.filter(arrears_amount__gt=0).exists()
    # Customers live where their contact address is.
    address = ContactMedium.objects.filter(kind="address").select_related("region").first()
    assert address.region.name in address.value
