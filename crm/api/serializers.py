"""The TMF representation: server-set id, href (absolute) and @type on every resource; `fields=` selection."""

from __future__ import annotations

from rest_framework import serializers

ALWAYS = ("id", "href", "@type")


class TMFSerializer(serializers.Serializer):
    """Base for TMF resources. Set Meta.tmf_type (and optionally tmf_base_type, tmf_schema_location)
    and the view's ``basename`` so href can be reversed."""

    def build(self, instance) -> dict:
        """The resource's own attributes as a plain dict (override instead of declaring fields when simpler)."""
        return {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data.update(self.build(instance))
        meta = getattr(self, "Meta", None)
        out = {"id": str(instance.pk), "href": self._href(instance)}
        out.update(data)
        out["@type"] = getattr(meta, "tmf_type", type(instance).__name__)
        for attr, key in (("tmf_base_type", "@baseType"), ("tmf_schema_location", "@schemaLocation")):
            if getattr(meta, attr, None):
                out[key] = getattr(meta, attr)
        return self._select_fields(out)

    def _href(self, instance) -> str:
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None or view is None:
            return ""
        base = request.build_absolute_uri(request.path)
        if getattr(view, "action", None) == "list" or not base.rstrip("/").endswith(str(instance.pk)):
            return f"{base.rstrip('/')}/{instance.pk}"
        return base

    def _select_fields(self, data: dict) -> dict:
        request = self.context.get("request")
        wanted = request.query_params.get("fields") if request is not None else None
        if not wanted or (self.parent is not None and not isinstance(self.parent, serializers.ListSerializer)):
            return data
        names = {name.strip() for name in wanted.split(",") if name.strip()}
        return {k: v for k, v in data.items() if k in names or k in ALWAYS}


def iso_or_none(value) -> str | None:
    """A date or time as TMF writes it (ISO 8601), or null."""
    return value.isoformat() if value else None
