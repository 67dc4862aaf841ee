"""Hostile input (tests/security/nasty.py) through the staff pages' forms and the API: never a 500, always escaped.

- every form on the staff pages (found by walking the URL configuration, plus the pages of one customer and one
  ticket) is submitted with each nasty text in its text fields and each nasty date in its date fields: the answer
  is a page, a redirect or a 4xx, and the stored or echoed values never come back as live markup;
- the API's create and patch bodies carry each nasty text in their free-text fields, identity numbers with bad
  check digits, and far past/future dates: a 2xx or a clear 4xx with the TMF error body;
- every TMF list filter (and the search boxes) takes each nasty text and date: a 2xx or a 400.
"""

from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from crm.api.services import api_token_create
from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.orders.conftest import catalog, network  # noqa: F401
from tests.portal.conftest import lines, portal_client, sign_up  # noqa: F401

from .nasty import DATES, ID_NUMBERS, SCRIPT, TEXTS

pytestmark = pytest.mark.django_db

# The texts the form walk submits (every one would make it slow; these cover each kind of attack).
FORM_TEXTS = [
    v for k, v in TEXTS if k in ("sql-quote", "html-script", "csv-cmd", "overlong", "nul", "emoji", "rtl-override")
]
FORM_DATES = [v for k, v in DATES if k in ("year-1", "year-99999", "feb-30", "nul")]
TEXT_INPUTS = {"text", "search", "email", "tel", "url", "password", "number", ""}
DATE_INPUTS = {"date", "datetime-local", "month", "week", "time"}
SKIP_PREFIXES = ("/admin/", "/tmf-api/", "/api/", "/i18n/", "/static/", "/portal/", "/healthz", "/readyz")
SKIP_ACTIONS = ("/accounts/logout", "/i18n/", "/accounts/password")


# --- Walking the staff pages' forms -----------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, default value)
    selects: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self._form.fields.append((a["name"], kind, a.get("value", "")))
        elif tag == "textarea":
            self._form.fields.append((a["name"], "textarea", ""))
        elif tag == "select":
            self._select = a["name"]
            self._form.selects.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            self._form.selects[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


def fill(form: Form, text: str, date: str) -> tuple[dict, bool]:
    """The form's data with ``text`` in its text fields and ``date`` in its date fields; False when it has none."""
    data: dict[str, list[str]] = {}
    injected = False
    for name, kind, default in form.fields:
        if kind in TEXT_INPUTS or kind == "textarea":
            value, injected = text, True
        elif kind in DATE_INPUTS:
            value, injected = date, True
        else:
            value = default
        data.setdefault(name, []).append(value)
    for name, options in form.selects.items():
        chosen = next((o for o in options if o), "")
        data.setdefault(name, []).append(chosen)
    return data, injected


def _simple_urls(resolver: URLResolver | None = None, prefix: str = "", skip: tuple = SKIP_PREFIXES) -> list[str]:
    """The URL configuration's paths that take no arguments."""
    out = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route:
            continue
        path = prefix + route.lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            out.extend(_simple_urls(entry, path, skip))
        elif isinstance(entry, URLPattern):
            out.append("/" + path)
    return sorted({u for u in out if not u.startswith(skip)})


PAGES = [*_simple_urls(), "/customers/{customer}/", "/callcenter/tickets/{ticket}/"]
# Pages whose search boxes and forms the walk must find (a guard against a walk that silently submits nothing).
PAGES_WITH_FORMS = {
    "/customers/",
    "/callcenter/tickets/",
    "/orders/",
    "/audit/",
    "/customers/{customer}/",
    "/callcenter/tickets/{ticket}/",
}


@pytest.fixture
def admin_client(client, make_staff):
    client.force_login(make_staff("admin"))
    return client


@pytest.fixture
def objects(people, catalog):  # noqa: F811
    """A customer and a trouble ticket for the object pages."""
    from callcenter.models import TroubleTicket

    customer = people["zhang"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(client_name='nasty', scopes=['all'])[1]}")
    body = {"description": "宽带断线", "ticketType": "fault", "relatedParty": [{"id": str(customer.pk)}]}
    response = api.post("/tmf-api/troubleTicket/v4/troubleTicket", body, format="json")
    assert response.status_code == 201, response.content
    return {"customer": customer.customer_no, "ticket": TroubleTicket.objects.get().ticket_no}


def walk(client, page: str) -> int:
    """Submit every form of ``page`` with the nasty texts and dates; return how many submissions were made."""
    response = client.get(page)
    assert response.status_code < 500, f"GET {page}: {response.status_code}"
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return 0
    submitted = 0
    for form in forms_on(response.content.decode()):
        action = form.action or page
        if action.startswith(SKIP_ACTIONS) or action.startswith(("http:", "https:", "//")):
            continue
        for text, date in zip(FORM_TEXTS, FORM_DATES * 2, strict=False):
            data, injected = fill(form, text, date)
            if not injected:
                break
            answer = (client.post if form.method == "post" else client.get)(action, data)
            submitted += 1
            assert answer.status_code < 500, f"{form.method.upper()} {action} with {text[:40]!r}: {answer.status_code}"
            if answer.status_code == 200 and "html" in answer.get("Content-Type", ""):
                assert SCRIPT not in answer.content.decode(), f"{action} echoed live markup"
    after = client.get(page)
    assert after.status_code < 500
    if "html" in after.get("Content-Type", ""):
        assert SCRIPT not in after.content.decode(), f"{page} renders a stored value unescaped"
    return submitted


@pytest.mark.parametrize("page", PAGES)
def test_every_form_on_the_page_survives_hostile_input(page, request, admin_client, record_property):
    template = page
    if "{" in page:
        page = page.format(**request.getfixturevalue("objects"))
    submitted = walk(admin_client, page)
    record_property("forms_submitted", submitted)
    if template in PAGES_WITH_FORMS:
        assert submitted, f"no form found on {page}: the walk would prove nothing there"


# The front-line roles' own pages (their forms differ from what an administrator is shown).
ROLE_PAGES = [
    ("call_agent", "/callcenter/"),
    ("call_agent", "/callcenter/tickets/{ticket}/"),
    ("call_agent", "/customers/{customer}/"),
    ("hall_clerk", "/orders/new/"),
    ("hall_clerk", "/billing/payments/"),
    ("hall_clerk", "/customers/{customer}/"),
    ("dispatcher", "/orders/dispatch/"),
    ("field_technician", "/orders/field/"),
    ("account_manager", "/customers/portfolio/"),
    ("account_manager", "/customers/{customer}/"),
]


@pytest.mark.parametrize(("role", "page"), ROLE_PAGES)
def test_front_line_forms_survive_hostile_input(role, page, client, make_staff, objects, record_property):
    client.force_login(make_staff(role))
    submitted = walk(client, page.format(**objects))
    record_property("forms_submitted", submitted)
    assert submitted, f"no form with a text field on {page} for {role}: the walk would prove nothing there"


@pytest.fixture
def broadband_order(people, network):  # noqa: F811
    """A broadband order taken through the API (its work order goes to the Hefei crew)."""
    from orders.models import ProductOffering, WorkOrder

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(client_name='orders', scopes=['all'])[1]}")
    body = {
        "category": "new",
        "relatedParty": [{"id": str(people["zhang"].pk), "role": "customer"}],
        "productOrderItem": [{
            "id": "1", "action": "add",
            "productOffering": {"id": str(ProductOffering.objects.get(code="bb-500").pk)},
            "product": {"place": [{"id": str(network.address.pk), "role": "installationAddress"}]},
        }],
    }  # fmt: skip
    response = api.post("/tmf-api/productOrderingManagement/v4/productOrder", body, format="json")
    assert response.status_code == 201, response.content[:500]
    work_order = WorkOrder.objects.filter(order_id=int(response.json()["id"])).first()
    return SimpleNamespace(api=api, id=response.json()["id"], work_order=work_order, network=network)


@pytest.mark.parametrize(("role", "page"), [("dispatcher", "/orders/work-orders/{wo}/"), ("admin", "/orders/")])
def test_work_order_forms_survive_hostile_input(role, page, client, make_staff, broadband_order, record_property):
    assert broadband_order.work_order is not None
    client.force_login(broadband_order.network.dispatcher if role == "dispatcher" else make_staff(role))
    submitted = walk(client, page.format(wo=broadband_order.work_order.wo_no))
    record_property("forms_submitted", submitted)
    assert submitted


def test_order_notes_take_hostile_text(broadband_order):
    path = f"/tmf-api/productOrderingManagement/v4/productOrder/{broadband_order.id}"
    for _name, text in TEXTS:
        _assert_clear(broadband_order.api.patch(path, {"note": [{"text": text}]}, format="json"))
    page = broadband_order.api.get(path)
    assert page.status_code == 200 and page["Content-Type"].startswith("application/json")


PORTAL_PAGES = [u for u in _simple_urls(skip=()) if u.startswith("/portal/") and "logout" not in u]
# The portal pages a signed-in customer gets a form with free text on (the others are lists, links or choices).
PORTAL_PAGES_WITH_FORMS = {
    "/portal/orders/install/", "/portal/pay/", "/portal/reset/", "/portal/signup/", "/portal/signup/contact/",
    "/portal/help/", "/portal/tickets/new/", "/portal/usage/",
}  # fmt: skip


@pytest.mark.parametrize("page", PORTAL_PAGES)
def test_portal_forms_survive_hostile_input(page, portal_client, record_property):  # noqa: F811
    from django.core.cache import cache

    cache.clear()  # the portal's log-in and code throttles live in the cache
    client = portal_client("zhang")
    submitted = walk(client, page)
    record_property("forms_submitted", submitted)
    cache.clear()
    if page in PORTAL_PAGES_WITH_FORMS:
        assert submitted, f"no form with a text field on {page}: the walk would prove nothing there"
    else:
        assert client.get(page).status_code < 500


def test_the_portal_walk_covers_the_pages_with_forms():
    assert set(PORTAL_PAGES) >= PORTAL_PAGES_WITH_FORMS


def test_the_form_walk_finds_the_staff_pages_and_their_forms():
    """The walk is only as good as what it finds: the main lists and search boxes are among the pages."""
    assert {"/customers/", "/callcenter/tickets/", "/orders/"} <= set(PAGES)
    markup = (
        '<form method="post" action="/x"><input name="q"><textarea name="note"></textarea>'
        '<select name="s"><option value="">-</option><option value="a">A</option></select></form>'
    )
    found = forms_on(markup)
    data, injected = fill(found[0], "T", "D")
    assert injected and data == {"q": ["T"], "note": ["T"], "s": ["a"]}


# --- API bodies ------------------------------------------------------------------------------------------------


@pytest.fixture
def api(db) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(client_name='nasty', scopes=['all'])[1]}")
    return client


def _individual(text: str, id_number: str = "11010519491231002X", birth: str = "1949-12-31") -> dict:
    return {
        "fullName": text,
        "birthDate": birth,
        "individualIdentification": [{"identificationType": "idCard", "identificationId": id_number}],
        "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": text}},
            {"mediumType": "postalAddress", "characteristic": {"street1": text, "city": text}},
        ],
    }


def _assert_clear(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        body = response.json()
        assert body["@type"] == "Error" and body["message"], body


@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[n for n, _v in TEXTS])
def test_api_bodies_take_hostile_text(name, text, api, people):  # noqa: F811
    customer = people["zhang"]
    party_ref = [{"id": str(customer.pk), "role": "customer"}]
    requests = [
        ("post", "/tmf-api/party/v4/individual", _individual(text)),
        ("patch", f"/tmf-api/party/v4/individual/{customer.party_id}", {"fullName": text}),
        ("patch", f"/tmf-api/customerManagement/v4/customer/{customer.pk}", {"statusReason": text}),
        ("post", "/tmf-api/troubleTicket/v4/troubleTicket",
         {"description": text, "ticketType": "fault", "relatedParty": party_ref}),
        ("post", "/tmf-api/partyInteraction/v4/partyInteraction",
         {"relatedParty": party_ref, "channel": [{"id": "hotline", "name": text}], "direction": "inbound",
          "reason": text, "description": text, "interactionDate": {"startDateTime": text}}),
        ("post", "/tmf-api/troubleTicket/v4/incomingCall",
         {"callId": text, "callingNumber": text, "calledNumber": text}),
        ("post", "/tmf-api/party/v4/organization", {"tradingName": text, "name": text}),
    ]  # fmt: skip
    for method, path, body in requests:
        response = getattr(api, method)(path, body, format="json")
        _assert_clear(response)
        if response.status_code in (200, 201):  # stored: the text comes back as JSON data, never as a page
            assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("name", "id_number"), ID_NUMBERS, ids=[n for n, _v in ID_NUMBERS])
def test_api_refuses_identity_numbers_with_bad_check_digits(name, id_number, api, db):
    response = api.post("/tmf-api/party/v4/individual", _individual("李雷", id_number=id_number), format="json")
    assert response.status_code == 400, response.content
    assert "individualIdentification" in response.json()["message"]


@pytest.mark.parametrize(("name", "day"), DATES, ids=[n for n, _v in DATES])
def test_api_bodies_take_far_dates(name, day, api, people):  # noqa: F811
    response = api.post("/tmf-api/party/v4/individual", _individual("李雷", birth=day), format="json")
    _assert_clear(response)
    if name not in ("year-1", "year-9999"):
        assert response.status_code == 400, response.content


# --- API filters and search boxes -------------------------------------------------------------------------------


def _list_operations() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    out = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        out.append((path, [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]))
    return out


LISTS = _list_operations()


FILTER_VALUES = [v for _k, v in TEXTS if len(v) < 5000] + [v for _k, v in DATES]


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[p for p, _q in LISTS])
def test_api_filters_take_hostile_values(path, params, api):
    """Each query parameter gets three of the nasty values (rotating, so the list as a whole gets them all) and each
    filter a nasty comparison; every answer is a 2xx or a 400 with the TMF error body."""
    assert params, f"{path} declares no query parameters"
    filters = [p for p in params if p not in ("offset", "limit", "after", "fields", "sort")]
    sent = 0
    for i, name in enumerate(params):
        for k in range(3):
            _assert_clear(api.get(path, {name: FILTER_VALUES[(3 * i + k) % len(FILTER_VALUES)]}))
            sent += 1
    for i, name in enumerate(filters):
        _assert_clear(api.get(path, {f"{name}.gte": FILTER_VALUES[-1 - i % len(DATES)]}))
        sent += 1
    assert sent >= 3 * len(params)


def test_overlong_filter_values_are_answered(api):
    response = api.get("/tmf-api/customerManagement/v4/customer", {"name": "长" * 10_000})
    _assert_clear(response)


def test_nul_in_a_search_box_is_a_clear_400(admin_client):
    response = admin_client.get("/customers/", {"q": "abc\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_an_api_filter_is_the_tmf_error(api):
    response = api.get("/tmf-api/customerManagement/v4/customer", {"name": "a\x00"})
    assert response.status_code == 400
    assert response.json()["@type"] == "Error" and "NUL" in response.json()["message"]


def test_script_in_a_search_box_is_echoed_escaped(admin_client):
    response = admin_client.get("/customers/", {"q": SCRIPT})
    page = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in page
    assert re.search(r"&lt;script&gt;alert\(&#x27;xss&#x27;\)&lt;/script&gt;", page) or "&lt;script" in page
