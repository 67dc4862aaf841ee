"""Portal privacy page: marketing consent per channel (persisted as opt-outs, on the timeline and audited), the log
of who at the operator accessed my data (region and role, never a name; only my entries, paged) and the audited
download of my personal data (mine only)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from customers import services as customer_services
from customers.models import ContactMedium, Customer, Party, PartyInteraction
from customers.selectors import marketing_contact_allowed

pytestmark = pytest.mark.django_db
PRIVACY = "/portal/privacy/"


def test_privacy_needs_a_portal_login(client, lines):
    response = client.get(PRIVACY)
    assert response.status_code == 302 and "/portal/login/" in response["Location"]
    assert client.post("/portal/privacy/download/").status_code == 302


def test_consent_changes_persist_per_channel_on_the_timeline_and_in_the_audit_log(portal_client, people):
    client = portal_client("zhang")
    page = client.get(PRIVACY).content.decode()
    assert 'data-testid="consent-sms"' in page and "checked" in page  # nothing opted out yet: every box ticked

    # when: the customer keeps only e-mail and app notifications
    response = client.post("/portal/privacy/consent/", {"allowed": ["email", "app_push"]})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")

    zhang = Customer.objects.get(pk=people["zhang"].pk)
    assert zhang.marketing_opt_outs == ["outbound_call", "portal", "sms"]
    assert Customer.objects.get(pk=people["zhangw"].pk).marketing_opt_outs == []  # nobody else's changes
    assert marketing_contact_allowed(zhang, "email")
    assert not marketing_contact_allowed(zhang, "sms")
    timeline = PartyInteraction.objects.get(customer=zhang, interaction_type="consent")
    assert timeline.channel == PartyInteraction.Channel.PORTAL and "sms" in timeline.reason
    audited = AuditEntry.objects.get(object_type="customers.customer", object_id=str(zhang.pk), action="update")
    assert audited.changes["marketing_opt_outs"] == [[], ["outbound_call", "portal", "sms"]]
    assert audited.channel == AuditEntry.Channel.PORTAL

    page = client.get(PRIVACY + "?saved=1").content.decode()
    assert 'data-testid="consent-saved"' in page
    assert 'value="email" id="consent-email"' in page
    sms_box = page.split('id="consent-sms"')[1].split(">")[0]
    assert "checked" not in sms_box

    # the home page's offers respect the portal channel now
    assert 'data-testid="offers"' not in client.get("/portal/").content.decode()

    # saving the same choice again changes nothing and adds no timeline entry
    client.post("/portal/privacy/consent/", {"allowed": ["email", "app_push"]})
    assert PartyInteraction.objects.filter(customer=zhang, interaction_type="consent").count() == 1

    # an unknown channel is refused, nothing changes
    response = client.post("/portal/privacy/consent/", {"allowed": ["pigeon"]})
    assert response.status_code == 200
    assert Customer.objects.get(pk=zhang.pk).marketing_opt_outs == ["outbound_call", "portal", "sms"]


def test_access_log_shows_region_and_role_of_staff_but_no_names_and_only_my_entries(
    portal_client, people, make_staff, wuhu
):
    zhang, other = people["zhang"], people["zhangw"]
    clerk = make_staff(Role.HALL_CLERK, username="clerk_wang_secret")  # Hefei
    manager = make_staff(Role.MANAGER, region=wuhu, username="boss_li_secret")
    analyst = make_staff(Role.MARKETING_ANALYST, username="analyst_zhao_secret")  # province level
    customer_services.personal_data_reveal(customer=zhang, actor=clerk, purpose="办理业务")
    customer_services.personal_data_reveal(customer=other, actor=clerk, purpose="someone else")
    customer_services.cross_region_lookup(actor=manager, query="18955512345", reason="异地办理业务")
    customer_services.cross_region_lookup(actor=manager, query="18955500000", reason="someone else")
    medium = ContactMedium.objects.get(party=zhang.party)
    AuditEntry.objects.create(
        actor=analyst, actor_repr=analyst.username, action="update", object_type="customers.contactmedium",
        object_id=str(medium.pk), channel="ui",
    )  # fmt: skip
    AuditEntry.objects.create(
        actor=analyst, actor_repr=analyst.username, action="update", object_type="customers.party",
        object_id=str(other.party_id), channel="ui",
    )  # fmt: skip

    client = portal_client("zhang")
    page = client.get(PRIVACY).content.decode()

    rows = page.count('data-testid="access-row"')
    assert rows == 3  # the reveal, the lookup that found me, the change to my phone
    assert "View personal data" in page and "Cross-region lookup" in page and "Update" in page
    assert "Hall clerk" in page and "Manager" in page and "Marketing analyst" in page
    assert "合肥" in page or "Hefei" in page
    for secret in ("clerk_wang_secret", "boss_li_secret", "analyst_zhao_secret", "someone else", "办理业务"):
        assert secret not in page
    # the customer's own portal actions (log-in, sign-up) are not staff access
    assert "Log in" not in page.split('data-testid="access-log"')[1]


def test_access_log_is_paged(portal_client, people, make_staff):
    clerk = make_staff(Role.HALL_CLERK)
    for _ in range(23):
        customer_services.personal_data_reveal(customer=people["zhang"], actor=clerk)
    client = portal_client("zhang")
    first = client.get(PRIVACY).content.decode()
    assert first.count('data-testid="access-row"') == 20 and 'data-testid="pager"' in first
    second = client.get(PRIVACY + "?page=2").content.decode()
    assert second.count('data-testid="access-row"') == 3


def test_download_contains_only_my_data_and_is_audited(portal_client, people, lines):
    zhang, other = people["zhang"], people["zhangw"]
    customer_services.interaction_record(customer=zhang, channel="hotline", interaction_type="inquiry", reason="mine")
    customer_services.interaction_record(customer=other, channel="hotline", interaction_type="inquiry", reason="theirs")
    client = portal_client("zhang")

    assert client.get("/portal/privacy/download/").status_code == 405  # a download is a POST (it is audited)
    response = client.post("/portal/privacy/download/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"] and "C00000000001" in response["Content-Disposition"]
    data = json.loads(response.content)

    assert data["party"]["id"] == zhang.party_id and data["party"]["name"] == "张伟明"
    assert [c["id"] for c in data["customers"]] == [zhang.pk]
    assert {m["value"] for m in data["contact_media"]} == {"18955512345"}
    assert [a["account_no"] for a in data["accounts"]] == ["A00000000001"]
    assert {s["service_number"] for s in data["subscriptions"]} == {"18900000001", "18900000009"}
    assert [i["reason"] for i in data["interactions"]] == ["mine"]
    for section in ("orders", "tickets", "bills", "payments"):
        assert isinstance(data[section], list)
    body = response.content.decode()
    for theirs in ("18955500000", "440524188001010014", "A00000000002", "18900000002", "theirs", '张伟"'):
        assert theirs not in body
    assert not Party.objects.filter(pk=other.party_id, name__in=[data["party"]["name"]]).exists()

    entry = AuditEntry.objects.get(action="export", object_type="customers.customer", object_id=str(zhang.pk))
    assert entry.channel == AuditEntry.Channel.PORTAL and entry.actor_id is None
    assert entry.changes["sections"]["subscriptions"] == 2
    # the customer's own download is not shown as staff access
    assert 'data-testid="access-row"' not in client.get(PRIVACY).content.decode()


def test_download_as_a_zip_has_one_neutralised_csv_per_section_and_is_audited(portal_client, people, lines):
    zhang, other = people["zhang"], people["zhangw"]
    customer_services.interaction_record(
        customer=zhang, channel="hotline", interaction_type="inquiry", reason="=HYPERLINK(1)"
    )
    customer_services.interaction_record(customer=other, channel="hotline", interaction_type="inquiry", reason="theirs")
    client = portal_client("zhang")

    response = client.post("/portal/privacy/download/?format=zip")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-C00000000001-')
    assert response["Content-Disposition"].endswith('.zip"') and "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"party.csv", "customers.csv", "subscriptions.csv", "interactions.csv", "bills.csv"} <= names
    assert "generated_at.csv" not in names and b"C00000000001" in archive.comment

    def rows(name):
        raw = archive.read(name)
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the BOM
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))

    assert [r["name"] for r in rows("party.csv")] == ["张伟明"]
    assert {r["service_number"] for r in rows("subscriptions.csv")} == {"18900000001", "18900000009"}
    assert [r["reason"] for r in rows("interactions.csv")] == ["'=HYPERLINK(1)"]  # not a formula
    everything = b"".join(archive.read(name) for name in names).decode("utf-8")
    for theirs in ("18955500000", "440524188001010014", "A00000000002", "18900000002", "theirs"):
        assert theirs not in everything
    assert not any(
        cell.startswith(("=", "+", "-", "@"))
        for name in names
        for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
        for cell in row
    )

    entry = AuditEntry.objects.get(action="export", object_type="customers.customer", object_id=str(zhang.pk))
    assert entry.channel == AuditEntry.Channel.PORTAL and entry.changes["format"] == "zip"
    assert entry.changes["sections"]["subscriptions"] == 2

    # the page's button sends the format in the form
    assert 'name="format" value="zip"' in client.get(PRIVACY).content.decode()
    assert client.post("/portal/privacy/download/", {"format": "zip"})["Content-Type"] == "application/zip"
    assert client.get("/portal/privacy/download/?format=zip").status_code == 405
