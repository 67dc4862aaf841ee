"""TMF629 customer, TMF632 individual/organization, TMF666 billingAccount, TMF683 partyInteraction."""

import json

import pytest
from rest_framework.test import APIClient

from crm.accounts.roles import Role
from crm.api.models import Event
from customers.models import BillingAccount, Customer, Party, PartyInteraction

pytestmark = pytest.mark.django_db
CUSTOMER = "/tmf-api/customerManagement/v4/customer"
INDIVIDUAL = "/tmf-api/party/v4/individual"
ORGANIZATION = "/tmf-api/party/v4/organization"
ACCOUNT = "/tmf-api/accountManagement/v4/billingAccount"
INTERACTION = "/tmf-api/partyInteraction/v4/partyInteraction"
NEW_ID = "340104199001012477"  # a valid ID-card number


def chars(resource) -> dict:
    return {c["name"]: c["value"] for c in resource["characteristic"]}


def test_customer_list_get_filter_and_page(api, people):
    response = api.get(CUSTOMER, {"limit": 2, "sort": "id"})
    assert response.status_code == 200 and response["X-Total-Count"] == "3" and len(response.json()) == 2
    corp = api.get(f"{CUSTOMER}/{people['corp'].pk}").json()
    assert corp["@type"] == "Customer" and corp["name"] == "合肥华信科技有限公司"
    assert corp["engagedParty"]["@referredType"] == "Organization"
    assert chars(corp)["customerClass"] == "key_account" and chars(corp)["serviceLevel"] == "3A"
    assert corp["account"][0]["name"] == "A00000000003"
    keyed = api.get(CUSTOMER, {"characteristic.customerClass": "key_account"}).json()
    assert [c["id"] for c in keyed] == [str(people["corp"].pk)]
    assert api.get(CUSTOMER, {"characteristic.region": "340200"}).json()[0]["name"] == "张伟"


def test_personal_data_is_masked_in_every_response(api, people):
    bodies = [
        api.get(CUSTOMER).content,
        api.get(INDIVIDUAL).content,
        api.get(f"{INDIVIDUAL}/{people['zhang'].party_id}").content,
    ]
    for body in bodies:
        text = body.decode()
        assert "11010519491231002X" not in text and "18955512345" not in text
    person = json.loads(bodies[2])
    assert person["individualIdentification"][0]["identificationId"] == "1101**********002X"
    assert person["contactMedium"][0]["characteristic"]["phoneNumber"] == "189****2345"


def test_list_query_count_does_not_grow_with_rows(api, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert len(api.get(CUSTOMER).json()) == 3


def test_a_hefei_session_sees_only_hefei(people, make_staff, hefei):
    client = APIClient()
    client.force_login(make_staff(Role.ACCOUNT_MANAGER, region=hefei))
    names = {c["name"] for c in client.get(CUSTOMER).json()}
    assert names == {"张伟明", "合肥华信科技有限公司"}
    assert client.get(f"{CUSTOMER}/{people['zhangw'].pk}").status_code == 404
    assert client.get(f"{INDIVIDUAL}/{people['zhangw'].party_id}").status_code == 404
    assert client.get(f"{ACCOUNT}/{people['zhangw'].accounts.get().pk}").status_code == 404


def test_create_an_individual_then_a_customer_then_an_account(api, hefei):
    person = api.post(INDIVIDUAL, {
        "fullName": "李新民", "gender": "male", "birthDate": "1990-01-01",
        "individualIdentification": [{"identificationType": "idCard", "identificationId": NEW_ID}],
        "contactMedium": [
            {"mediumType": "mobile", "preferred": True, "characteristic": {"phoneNumber": "18900001111"}}
        ],
    }, format="json")  # fmt: skip
    assert person.status_code == 201, person.content
    assert Party.objects.get(pk=person.json()["id"]).id_number == NEW_ID
    customer = api.post(CUSTOMER, {
        "name": "李新民", "engagedParty": {"id": person.json()["id"]},
        "characteristic": [{"name": "region", "value": "340100"}],
    }, format="json")  # fmt: skip
    assert customer.status_code == 201, customer.content
    body = customer.json()
    assert body["status"] == "active" and chars(body)["serviceLevel"] == "basic"
    assert chars(body)["customerNumber"] == f"C{int(body['id']):011d}"
    account = api.post(ACCOUNT, {
        "name": "A90000000001", "relatedParty": [{"id": body["id"], "role": "customer"}],
        "creditLimit": {"unit": "CNY", "value": 200}, "defaultPaymentMethod": {"id": "bank_debit"},
        "billStructure": {"cycleSpecification": {"billingDateShift": 10}},
    }, format="json")  # fmt: skip
    assert account.status_code == 201, account.content
    assert BillingAccount.objects.get(account_no="A90000000001").bill_cycle_day == 10


def test_create_errors_are_tmf_errors(api, people):
    missing = api.post(INDIVIDUAL, {"fullName": "无证件"}, format="json")
    assert missing.status_code == 400 and missing.json()["@type"] == "Error"
    assert "individualIdentification" in missing.json()["message"]
    bad_digit = api.post(INDIVIDUAL, {"fullName": "错号", "individualIdentification": [
        {"identificationType": "idCard", "identificationId": "340104199001011235"}]}, format="json")  # fmt: skip
    assert bad_digit.status_code == 400 and "individualIdentification" in bad_digit.json()["message"]
    duplicate = api.post(INDIVIDUAL, {"fullName": "重复", "individualIdentification": [
        {"identificationType": "idCard", "identificationId": "11010519491231002X"}]}, format="json")  # fmt: skip
    assert duplicate.status_code == 409
    no_name = api.post(CUSTOMER, {"engagedParty": {"id": "1"}}, format="json")
    assert no_name.status_code == 400 and "name" in no_name.json()["message"]
    dup_account = api.post(ACCOUNT, {"name": "A00000000001", "relatedParty": [{"id": str(people["zhang"].pk)}]},
                           format="json")  # fmt: skip
    assert dup_account.status_code == 409
    assert Party.objects.count() == 3 and BillingAccount.objects.count() == 3  # nothing half-written


def test_patch_customer_lifecycle_and_opt_outs(api, people):
    url = f"{CUSTOMER}/{people['zhang'].pk}"
    response = api.patch(url, {"characteristic": [{"name": "marketingOptOut", "value": ["sms"]}]}, format="json")
    assert response.status_code == 200 and chars(response.json())["marketingOptOut"] == ["sms"]
    assert api.patch(url, {"status": "suspended"}, format="json").json()["status"] == "suspended"
    assert api.patch(url, {"status": "churned"}, format="json").status_code == 200
    refused = api.patch(url, {"status": "active"}, format="json")
    assert refused.status_code == 422 and "churned" in refused.json()["message"]
    assert Customer.objects.get(pk=people["zhang"].pk).status == "churned"
    level = api.patch(url, {"characteristic": [{"name": "serviceLevel", "value": "diamond"}]}, format="json")
    assert level.status_code == 400  # levels are pinned by a manager, not over the API


def test_patch_billing_account_and_its_lifecycle(api, people):
    account = people["zhang"].accounts.get()
    url = f"{ACCOUNT}/{account.pk}"
    response = api.patch(url, {"creditLimit": {"unit": "CNY", "value": 500}}, format="json")
    assert response.status_code == 200 and response.json()["creditLimit"]["value"] == 500.0
    assert api.patch(url, {"state": "closed"}, format="json").status_code == 200
    assert api.patch(url, {"state": "active"}, format="json").status_code == 422
    assert api.patch(url, {"creditLimit": {"value": -1}}, format="json").status_code == 400


def test_party_interaction_create_list_and_complete(api, people):
    created = api.post(INTERACTION, {
        "relatedParty": [{"id": str(people["zhang"].pk), "role": "customer"}], "channel": [{"id": "hotline"}],
        "direction": "inbound", "reason": "宽带报障", "status": "open", "interactionType": "fault_report",
    }, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    listed = api.get(INTERACTION, {"relatedParty.id": people["zhang"].pk, "channel.id": "hotline"}).json()
    assert [i["reason"] for i in listed] == ["宽带报障"]
    url = f"{INTERACTION}/{created.json()['id']}"
    assert api.patch(url, {"status": "completed"}, format="json").json()["status"] == "completed"
    assert api.patch(url, {"status": "open"}, format="json").status_code == 422
    bad_channel = api.post(INTERACTION, {"relatedParty": [{"id": str(people["zhang"].pk)}], "channel": [{"id": "fax"}],
                                         "direction": "inbound"}, format="json")  # fmt: skip
    assert bad_channel.status_code == 400 and PartyInteraction.objects.count() == 1


def test_writes_need_the_write_scope(token_for, people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('customer:read')}")
    assert client.get(CUSTOMER).status_code == 200
    assert client.patch(f"{CUSTOMER}/{people['zhang'].pk}", {"status": "suspended"}, format="json").status_code == 403


def test_create_change_and_state_events_reach_a_listener(api, people, listener, django_capture_on_commit_callbacks):
    api.post("/tmf-api/customerManagement/v4/hub", {"callback": listener.url}, format="json")
    url = f"{CUSTOMER}/{people['zhang'].pk}"
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(url, {"characteristic": [{"name": "segment", "value": "家庭融合"}]}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(url, {"status": "suspended"}, format="json")
    assert [e["eventType"] for e in listener.received] == [
        "CustomerAttributeValueChangeEvent",
        "CustomerStateChangeEvent",
    ]
    assert listener.received[1]["event"]["customer"]["status"] == "suspended"
    assert "18955512345" not in json.dumps(listener.received, ensure_ascii=False)
    types = set(Event.objects.values_list("event_type", flat=True))
    assert {"CustomerAttributeValueChangeEvent", "CustomerStateChangeEvent"} <= types
