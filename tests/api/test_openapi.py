"""The OpenAPI schema generates, and the API browser works offline (no external host)."""

import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def test_schema_describes_the_tmf_resources(client, make_staff):
    client.force_login(make_staff("admin"))
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/tmf-api/testOrganisation/v4/orgUnit" in schema["paths"]
    assert "/tmf-api/{api_name}/v4/hub" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/tmf-api/testOrganisation/v4/orgUnit"]["get"]["parameters"]}
    assert {"offset", "limit", "fields", "kind", "region.id", "sort"} <= params


def test_api_docs_page_loads_only_local_assets(client, make_staff):
    client.force_login(make_staff("admin"))
    html = client.get("/api/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in u for u in urls)
    assert not [u for u in urls if u.startswith(("http://", "https://", "//"))]
