"""A TMF resource registered only in tests, to exercise the conventions: teams and outlets (OrgUnit)."""

from __future__ import annotations

from django.db import transaction
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from crm.accounts.models import OrgUnit, Region
from crm.accounts.selectors import org_units_visible_to
from crm.api.registry import register_api
from crm.api.serializers import TMFSerializer
from crm.api.services import event_publish
from crm.api.views import TMFMergePatchMixin, TMFReadOnlyViewSet

API = register_api(
    "testOrganisation", title="Test organisation", read_scope="customer:read", write_scope="customer:write"
)


class OrgUnitSerializer(TMFSerializer):
    name = serializers.CharField()
    code = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    characteristic = serializers.SerializerMethodField()

    class Meta:
        tmf_type = "OrgUnit"
        tmf_base_type = "Organization"

    def get_status(self, obj) -> str:
        return "active" if obj.is_active else "inactive"

    def get_region(self, obj) -> dict | None:
        return {"id": str(obj.region_id), "name": obj.region.name} if obj.region_id else None

    def get_characteristic(self, obj) -> dict:
        return {"kind": obj.kind, "grid": obj.grid_id}


class OrgUnitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=128)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    region = serializers.DictField(required=False)


class OrgUnitPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)


@transaction.atomic
def org_unit_create(*, code: str, name: str, kind: str, region_id: int | None) -> OrgUnit:
    unit = OrgUnit.objects.create(code=code, name=name, kind=kind, region=Region.objects.filter(pk=region_id).first())
    event_publish(
        api_name=API.name,
        event_type="OrgUnitCreateEvent",
        resource_name="orgUnit",
        resource={"id": str(unit.pk), "kind": kind},
    )
    return unit


class OrgUnitViewSet(TMFMergePatchMixin, mixins.CreateModelMixin, TMFReadOnlyViewSet):
    read_scope = API.read_scope
    write_scope = API.write_scope
    serializer_class = OrgUnitSerializer
    patch_serializer_class = OrgUnitPatchSerializer
    tmf_filters = {
        "name": "name",
        "code": "code",
        "kind": "kind",
        "region.id": ("region_id", int),
        "region.name": "region__name",
        "id": ("id", int),
        "status": ("is_active", "bool"),
    }

    def get_queryset(self):
        return org_units_visible_to(self.request.user).order_by("code")

    def create(self, request, *args, **kwargs):
        data = OrgUnitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = data.validated_data.get("region") or {}
        unit = org_unit_create(
            code=data.validated_data["code"],
            name=data.validated_data["name"],
            kind=data.validated_data["kind"],
            region_id=int(region["id"]) if region.get("id") else None,
        )
        return Response(self.get_serializer(unit).data, status=status.HTTP_201_CREATED)

    def perform_patch(self, instance, validated_data):
        instance.name = validated_data["name"]
        instance.kind = validated_data["kind"]
        instance.save()
        return instance

    def destroy(self, request, *args, **kwargs):  # only to show that an unexpected error is still a TMF body
        raise RuntimeError("boom")
