"""The TMF APIs this CRM serves. Each app registers its API (name, scopes) in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TMFApi:
    name: str  # e.g. "customerManagement", the path segment after /tmf-api/
    title: str
    read_scope: str
    write_scope: str


_apis: dict[str, TMFApi] = {}


def register_api(name: str, *, title: str, read_scope: str, write_scope: str) -> TMFApi:
    api = TMFApi(name=name, title=title, read_scope=read_scope, write_scope=write_scope)
    _apis[name] = api
    return api


def get_api(name: str) -> TMFApi | None:
    return _apis.get(name)


def registered_apis() -> list[TMFApi]:
    return sorted(_apis.values(), key=lambda a: a.name)
