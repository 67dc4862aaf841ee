"""TMF630 conventions on a test-only resource: representation, fields, paging, filtering, sorting, PATCH, errors."""

import pytest

from crm.api.merge_patch import merge_patch

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
URL = "/tmf-api/testOrganisation/v4/orgUnit"


def assert_tmf_error(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "reason", "message", "status", "@type"}
    assert body["@type"] == "Error" and body["status"] == str(status)
    return body


def test_representation_has_id_href_and_type(api, units):
    response = api.get(f"{URL}/{units[0].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(units[0].pk)
    assert body["href"] == f"http://testserver{URL}/{units[0].pk}"
    assert body["@type"] == "OrgUnit" and body["@baseType"] == "Organization"
    listed = api.get(URL).json()
    assert listed[0]["href"] == f"http://testserver{URL}/{listed[0]['id']}"


def test_fields_selection_keeps_id_href_and_type(api, units):
    body = api.get(URL, {"fields": "name,kind"}).json()
    assert set(body[0]) == {"id", "href", "@type", "name", "kind"}
    single = api.get(f"{URL}/{units[0].pk}", {"fields": "code"}).json()
    assert set(single) == {"id", "href", "@type", "code"}


def test_paging_headers_default_page_and_cap(api, units, settings):
    settings.TMF_API = {**settings.TMF_API, "DEFAULT_PAGE_SIZE": 3, "MAX_PAGE_SIZE": 3}
    response = api.get(URL)
    assert response.status_code == 200
    assert response["X-Total-Count"] == "4" and response["X-Result-Count"] == "3"
    page2 = api.get(URL, {"offset": 3, "limit": 2})
    assert [u["code"] for u in page2.json()] == ["B2"] and page2["X-Result-Count"] == "1"
    capped = api.get(URL, {"limit": 1000})
    assert capped["X-Result-Count"] == "3"
    assert api.get(URL, {"offset": 99})["X-Result-Count"] == "0"


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"offset": "-1"}])
def test_bad_paging_is_a_400(api, units, params):
    body = assert_tmf_error(api.get(URL, params), 400)
    assert next(iter(params)) in body["message"]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [u["code"] for u in response.json()]


def test_attribute_filters_plain_dotted_and_or(api, units, hefei, wuhu):
    assert codes(api.get(URL, {"kind": "own_hall"})) == ["A1", "B1"]
    assert codes(api.get(URL, {"region.id": wuhu.pk})) == ["B1", "B2"]
    assert codes(api.get(URL, {"region.name": "合肥"})) == ["A1", "A2"]
    assert codes(api.get(URL + "?kind=agent_outlet&kind=field_crew")) == ["A2", "B2"]
    assert codes(api.get(URL, {"kind": "agent_outlet,field_crew"})) == ["A2", "B2"]
    assert codes(api.get(URL, {"kind": "agent_outlet;own_hall"})) == ["A1", "A2", "B1"]
    assert codes(api.get(URL, {"status": "false"})) == ["B2"]
    assert codes(api.get(URL, {"kind": "own_hall", "region.id": hefei.pk})) == ["A1"]


def test_comparison_suffixes(api, units):
    ids = sorted(u.pk for u in units)
    assert codes(api.get(URL, {"id.gt": ids[1]})) == ["B1", "B2"]
    assert codes(api.get(URL, {"id.gte": ids[1]})) == ["A2", "B1", "B2"]
    assert codes(api.get(URL, {"id.lt": ids[1]})) == ["A1"]
    assert codes(api.get(URL, {"id.lte": ids[1]})) == ["A1", "A2"]


def test_sort_ascending_descending_and_multiple(api, units):
    assert codes(api.get(URL, {"sort": "-code"})) == ["B2", "B1", "A2", "A1"]
    assert codes(api.get(URL, {"sort": "kind,-code"})) == ["A2", "B2", "B1", "A1"]


@pytest.mark.parametrize(
    "params,named", [({"colour": "red"}, "colour"), ({"id.gt": "x"}, "id.gt"), ({"sort": "secret"}, "sort")]
)
def test_unknown_attribute_or_bad_value_is_a_400_naming_it(api, units, params, named):
    body = assert_tmf_error(api.get(URL, params), 400)
    assert named in body["message"]


def test_list_query_count_is_bounded(api, units, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api.get(URL).status_code == 200


def test_create_returns_201_with_the_representation(api, hefei):
    response = api.post(
        URL, {"code": "N1", "name": "新厅", "kind": "own_hall", "region": {"id": str(hefei.pk)}}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == {"id": str(hefei.pk), "name": "合肥"}


def test_create_with_bad_input_lists_the_fields(api):
    body = assert_tmf_error(api.post(URL, {"code": "N1", "kind": "castle"}, format="json"), 400)
    assert "name" in body["message"] and "kind" in body["message"]


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
def test_patch_merges_both_content_types(api, units, content_type):
    response = api.patch(f"{URL}/{units[0].pk}", data='{"name": "改名厅"}', content_type=content_type)
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "改名厅" and response.json()["kind"] == "own_hall"  # untouched attribute kept


def test_patch_null_removes_the_attribute(api, units):
    response = api.patch(f"{URL}/{units[0].pk}", data='{"name": null}', content_type="application/merge-patch+json")
    body = assert_tmf_error(response, 400)
    assert "name" in body["message"]


def test_patch_with_another_content_type_is_415(api, units):
    assert_tmf_error(api.patch(f"{URL}/{units[0].pk}", data="name=x", content_type="text/plain"), 415)


def test_merge_patch_rfc7386():
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "list": [1, 2]}
    patch = {"a": "z", "c": {"f": None, "h": 1}, "list": [3], "new": {"x": None}}
    assert merge_patch(target, patch) == {"a": "z", "c": {"d": "e", "h": 1}, "list": [3], "new": {}}
    assert merge_patch({"a": 1}, ["whole"]) == ["whole"]
    assert merge_patch("scalar", {"a": None, "b": 2}) == {"b": 2}


def test_errors_are_tmf_bodies(api, units, client):
    assert_tmf_error(api.get(f"{URL}/999999"), 404)
    assert_tmf_error(api.get("/tmf-api/nowhere/v4/thing"), 404)
    assert_tmf_error(api.put(f"{URL}/{units[0].pk}", {}, format="json"), 405)
    assert_tmf_error(client.get(URL), 401)


def test_unexpected_exception_is_a_tmf_500(token_for, units):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('customer:write')}")
    body = assert_tmf_error(client.delete(f"{URL}/{units[0].pk}"), 500)
    assert "boom" not in body["message"]  # internals are logged, not shown


def test_conflict_and_unprocessable_render_as_tmf():
    from rest_framework.test import APIRequestFactory

    from crm.api.exceptions import Conflict, Unprocessable, tmf_exception_handler

    request = APIRequestFactory().get("/tmf-api/x")
    for exc, status in ((Conflict("version 3 is stale"), 409), (Unprocessable("arrears block new lines"), 422)):
        response = tmf_exception_handler(exc, {"request": request})
        assert response.status_code == status
        assert response.data["status"] == str(status) and response.data["@type"] == "Error"
        assert response.data["message"] in ("version 3 is stale", "arrears block new lines")


def test_rate_limit_is_429_with_retry_after(token_for, units, settings):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from crm.api.throttling import ApiClientRateThrottle

    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_client": "2/min"}
    original = ApiClientRateThrottle.THROTTLE_RATES
    ApiClientRateThrottle.THROTTLE_RATES = rates
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('customer:read', client='ratelimited')}")
        assert client.get(URL).status_code == 200
        assert client.get(URL).status_code == 200
        response = client.get(URL)
        assert_tmf_error(response, 429)
        assert int(response["Retry-After"]) > 0
    finally:
        ApiClientRateThrottle.THROTTLE_RATES = original
        cache.clear()
