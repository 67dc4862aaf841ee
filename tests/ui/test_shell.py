"""The staff shell: home per role with that role's navigation, login, search in scope, language switch."""

import pytest
from django.urls import reverse

from crm.accounts.models import OrgUnit
from crm.accounts.roles import Role
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db

ROLE_HOME_TEXT = {
    Role.HALL_CLERK: "Customer lookup",
    Role.CALL_AGENT: "Incoming call",
    Role.DISPATCHER: "Work-order queues",
    Role.FIELD_TECHNICIAN: "My work orders today",
    Role.ACCOUNT_MANAGER: "My key accounts",
    Role.MARKETING_ANALYST: "Segments and campaigns",
    Role.MANAGER: "Key figures",
    Role.ADMIN: "API clients and tokens",
}


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_login_page_is_chinese_by_default(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "员工登录" in html and 'lang="zh-hans"' in html


@pytest.mark.parametrize("role", list(ROLE_HOME_TEXT))
def test_each_role_sees_its_home_and_only_its_navigation(english, make_staff, role):
    english.force_login(make_staff(role))
    html = english.get("/").content.decode()
    assert ROLE_HOME_TEXT[role] in html
    assert 'data-nav="home"' in html and 'data-nav="search"' in html
    assert ('data-nav="audit"' in html) == (role in (Role.MANAGER, Role.ADMIN))
    assert ('data-nav="admin"' in html) == (role == Role.ADMIN)
    assert ('data-nav="api-docs"' in html) == (role == Role.ADMIN)


def test_manager_home_has_an_offline_chart(english, make_staff):
    english.force_login(make_staff(Role.MANAGER))
    html = english.get("/").content.decode()
    assert 'id="activity-chart"' in html and "/static/vendor/echarts/echarts.min.js" in html
    assert "https://" not in html.split("<body")[0]  # no asset from the internet


def test_login_and_logout_through_the_forms(client, make_staff):
    make_staff(Role.CALL_AGENT, username="agent7")
    response = client.post(reverse("accounts:login"), {"username": "agent7", "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_form_error(client, make_staff):
    make_staff(Role.CALL_AGENT, username="agent8")
    response = client.post(reverse("accounts:login"), {"username": "agent8", "password": "nope"})
    assert response.status_code == 200 and "用户名和密码不匹配" in response.content.decode()


def test_language_switch_changes_the_page(client, make_staff):
    client.force_login(make_staff(Role.HALL_CLERK))
    assert "客户查询" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "Customer lookup" in html and "客户查询" not in html


def test_search_needs_two_characters_and_respects_region(english, make_staff, hefei, wuhu):
    OrgUnit.objects.create(code="HF1", name="合肥长江路营业厅", kind="own_hall", region=hefei)
    OrgUnit.objects.create(code="WH1", name="芜湖长江路营业厅", kind="own_hall", region=wuhu)
    make_staff(Role.HALL_CLERK, region=wuhu, username="wuhu_clerk")
    make_staff(Role.HALL_CLERK, region=hefei, username="hefei_clerk2")
    english.force_login(make_staff(Role.HALL_CLERK, region=hefei))
    assert "at least 2 characters" in english.get(reverse("ui:search"), {"q": "长"}).content.decode()
    html = english.get(reverse("ui:search"), {"q": "长江路"}, HTTP_HX_REQUEST="true").content.decode()
    assert "合肥长江路营业厅" in html and "芜湖长江路营业厅" not in html
    staff_html = english.get(reverse("ui:search"), {"q": "clerk"}).content.decode()
    assert "hefei_clerk2" in staff_html and "wuhu_clerk" not in staff_html


def test_province_manager_search_sees_every_region(english, make_staff, hefei, wuhu):
    OrgUnit.objects.create(code="WH1", name="芜湖长江路营业厅", kind="own_hall", region=wuhu)
    english.force_login(make_staff(Role.MANAGER))
    assert "芜湖长江路营业厅" in english.get(reverse("ui:search"), {"q": "长江路"}).content.decode()


def test_password_change(client, make_staff):
    user = make_staff(Role.DISPATCHER)
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": STAFF_PASSWORD, "new_password1": "Brand-new-pass-42", "new_password2": "Brand-new-pass-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-42")


def test_forbidden_page_is_a_proper_page(english, make_staff):
    english.force_login(make_staff(Role.HALL_CLERK))
    response = english.get(reverse("audit:list"))
    assert response.status_code == 403 and "Not allowed" in response.content.decode()
