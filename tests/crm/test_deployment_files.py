"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine), so check what they promise."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("worker-default", "worker-billing", "worker-analytics")
REQUIRED_IN_PRODUCTION = {"CRM_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_stack_with_health_checks():
    services = compose()["services"]
    assert set(services) == {"db", "redis", "web", *WORKERS, "beat"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"].startswith("redis:")
    for name, service in services.items():
        assert "healthcheck" in service, name


def test_crm_services_get_every_value_production_requires_and_wait_for_healthy_dependencies():
    services = compose()["services"]
    for name in ("web", *WORKERS, "beat"):
        service = services[name]
        assert set(service["environment"]) >= REQUIRED_IN_PRODUCTION, name
        assert service["environment"]["CRM_ENV"] == "production"
        assert service["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert "gunicorn crm.wsgi:application" in services["web"]["command"]
    for queue in ("default", "billing", "analytics"):  # one service per queue, scaled by its replica count
        worker = services[f"worker-{queue}"]
        assert f"-Q {queue} " in worker["command"] and "replicas" in worker["deploy"]
    assert services["beat"]["command"].startswith("celery -A crm beat")


def test_compose_database_matches_the_test_defaults():
    # `docker compose up -d db redis` must give what `make test` connects to by default.
    from scripts.check_services import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

    db = compose()["services"]["db"]
    assert db["environment"]["POSTGRES_USER"] == "postgres" and db["environment"]["POSTGRES_DB"] == "crm"
    assert db["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-postgres}"
    assert DEFAULT_DATABASE_URL == "postgres://postgres:postgres@127.0.0.1:5432/crm"
    assert "127.0.0.1:5432:5432" in db["ports"] and DEFAULT_REDIS_URL.startswith("redis://127.0.0.1:6379")


def test_dockerfile_builds_assets_from_npm_and_runs_as_an_unprivileged_user():
    text = (ROOT / "Dockerfile").read_text()
    assert "npm ci" in text and "htmx.min.js" in text and "echarts.min.js" in text
    assert "CRM_ENV=production" in text and "collectstatic" in text
    assert "USER crm" in text


def test_ci_runs_exactly_make_test():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[-1] == "make test"
