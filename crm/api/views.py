"""Base viewsets for TMF resources, and the event-subscription hub shared by every API."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .merge_patch import merge_patch
from .models import ApiToken, HubSubscription
from .registry import get_api


class TMFReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and retrieve with TMF paging, fields selection and filtering. Set read_scope, tmf_filters,
    serializer_class (a TMFSerializer) and get_queryset() from a selector that applies the user's scope."""

    read_scope: str | None = None
    write_scope: str | None = None
    tmf_filters: dict = {}


class TMFMergePatchMixin:
    """PATCH with merge semantics for both JSON and merge-patch+json: the current representation is merged with
    the patch (RFC 7386) and validated by ``patch_serializer_class``, then ``perform_patch`` calls a service."""

    patch_serializer_class: type[serializers.Serializer]

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        current = self.patch_serializer_class(instance).data
        merged = merge_patch(dict(current), request.data if isinstance(request.data, dict) else {})
        patch = self.patch_serializer_class(instance, data=merged)
        patch.is_valid(raise_exception=True)
        instance = self.perform_patch(instance, patch.validated_data)
        return Response(self.get_serializer(instance).data)

    def perform_patch(self, instance, validated_data):  # pragma: no cover - each resource implements it
        raise NotImplementedError


class HubInputSerializer(serializers.Serializer):
    callback = serializers.URLField(max_length=500)
    query = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate_callback(self, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("must be an http or https URL")
        return value


class HubSubscriptionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True)

    class Meta:
        model = HubSubscription
        fields = ["id", "callback", "query"]


class _HubBase(APIView):
    def initial(self, request, *args, **kwargs):
        api = get_api(kwargs.get("api_name", ""))
        if api is None:
            raise NotFound(f"No API named {kwargs.get('api_name')!r}")
        self.read_scope = self.write_scope = api.read_scope
        super().initial(request, *args, **kwargs)
        if not isinstance(request.auth, ApiToken):
            # A hub pushes every event of its API, whatever the region: a staff session's scope cannot apply to it.
            raise PermissionDenied("Event subscriptions are for API clients: authenticate with a token.")


class HubView(_HubBase):
    """POST /tmf-api/<apiName>/v4/hub: subscribe a listener to the API's events."""

    @extend_schema(request=HubInputSerializer, responses={201: HubSubscriptionSerializer}, operation_id="hub_create")
    def post(self, request, api_name: str):
        data = HubInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.hub_subscribe(api_name=api_name, owner=request.user, **data.validated_data)
        location = request.build_absolute_uri(reverse("tmf-hub-detail", args=[api_name, subscription.pk]))
        return Response(
            HubSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )


class HubDetailView(_HubBase):
    """GET or DELETE /tmf-api/<apiName>/v4/hub/<id>: a client sees and removes only its own subscriptions."""

    def _subscription(self, request, api_name: str, pk: int) -> HubSubscription:
        return get_object_or_404(HubSubscription, pk=pk, api_name=api_name, owner=request.user)

    @extend_schema(responses={200: HubSubscriptionSerializer}, operation_id="hub_retrieve")
    def get(self, request, api_name: str, pk: int):
        return Response(HubSubscriptionSerializer(self._subscription(request, api_name, pk)).data)

    @extend_schema(responses={204: None}, operation_id="hub_destroy")
    def delete(self, request, api_name: str, pk: int):
        services.hub_unsubscribe(subscription=self._subscription(request, api_name, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
