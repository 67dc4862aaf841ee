"""Billing feeds API (``/tmf-api/billingFeed/v1/``): billing pushes batches, and reads back each batch's report.

``POST …/{bills|payments|balances|usage}`` takes ``{"batchId": "…", "records": […]}`` as JSON, or a CSV body
(``Content-Type: text/csv``) with ``?batchId=…``; at most MAX_ROWS rows and MAX_BYTES per request (bigger files go
by file drop: ``manage.py billing_import``). 201 with the batch report; 200 with the first report and
``"duplicate": true`` when the batch was sent before; 409 when the batch id was used with other content; 400 for a
missing batch id, an unreadable body or too many rows. ``GET …/batch``, ``…/batch/{id}`` and
``…/batch/{id}/rejection`` need ``billing:feed`` or ``billing:read``.
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import json

import orjson
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.exceptions import Conflict
from crm.api.models import ApiToken
from crm.api.permissions import HasScope, request_scopes
from crm.api.serializers import TMFSerializer, iso_or_none
from crm.api.views import TMFReadOnlyViewSet

from ..models import FeedBatch, FeedRejection
from ..services.feeds import FEED_API, FeedConflict, FeedInputError, csv_records, feed_batch_load

MAX_ROWS = 200_000
MAX_BYTES = 64 * 1024 * 1024
REPORT_REJECTIONS = 100
READ_SCOPES = frozenset({FEED_API.read_scope, FEED_API.write_scope})


class FeedScope(HasScope):
    """Writes need billing:feed; the reports are readable with billing:feed or billing:read."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and request.user and request.user.is_authenticated:
            if READ_SCOPES & request_scopes(request):
                return True
            self.message = f"This operation needs the scope '{FEED_API.read_scope}' or '{FEED_API.write_scope}'."
            return False
        return super().has_permission(request, view)


class _RawBody:
    def __init__(self, body_format: str, raw: bytes):
        self.body_format, self.raw = body_format, raw


class _BoundedParser(BaseParser):
    """Reads the body as bytes, refusing more than MAX_BYTES (the feed is parsed by the view, not by DRF)."""

    body_format = "json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > MAX_BYTES:
            raise exceptions.ParseError(f"The body is larger than {MAX_BYTES // 2**20} MB; send the file by file drop.")
        raw = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BYTES:
            raise exceptions.ParseError(f"The body is larger than {MAX_BYTES // 2**20} MB; send the file by file drop.")
        return _RawBody(self.body_format, raw)


class FeedJSONParser(_BoundedParser):
    media_type = "application/json"
    body_format = "json"


class FeedCSVParser(_BoundedParser):
    media_type = "text/csv"
    body_format = "csv"


# --- Representations ---------------------------------------------------------------------------------------------


def _batch_href(request, pk: int, suffix: str = "") -> str:
    return request.build_absolute_uri(reverse("tmf-billing-feed-batch-detail", args=[pk])) + suffix


def rejection_resource(rejection: FeedRejection) -> dict:
    return {"row": rejection.row_no, "key": rejection.record_key, "field": rejection.field, "code": rejection.code,
            "reason": rejection.reason}  # fmt: skip


class FeedBatchSerializer(TMFSerializer):
    """A batch's report; the detail also carries its first rejections (``rejection``) and where to page them."""

    class Meta:
        tmf_type = "FeedBatch"

    def build(self, batch: FeedBatch) -> dict:
        request = self.context["request"]
        out = {
            "kind": batch.kind,
            "batchId": batch.client_batch_id,
            "sender": batch.sender,
            "status": batch.status,
            "format": batch.body_format,
            "fileName": batch.file_name,
            "contentSha256": batch.content_sha256,
            "counts": {
                "received": batch.rows_received,
                "loaded": batch.rows_loaded,
                "duplicate": batch.rows_duplicate,
                "rejected": batch.rows_rejected,
            },
            "receivedAt": iso_or_none(batch.received_at),
            "validatedAt": iso_or_none(batch.validated_at),
            "loadedAt": iso_or_none(batch.loaded_at),
            "durationMs": batch.duration_ms,
            "error": batch.error,
            "rejectionHref": _batch_href(request, batch.pk, "/rejection"),
        }
        if self.context.get("with_rejections"):
            first = batch.rejections.order_by("row_no", "id")[:REPORT_REJECTIONS]
            out["rejection"] = [rejection_resource(r) for r in first]
        return out

    def _href(self, instance) -> str:
        return _batch_href(self.context["request"], instance.pk)


class FeedRejectionSerializer(TMFSerializer):
    class Meta:
        tmf_type = "FeedRejection"

    def build(self, rejection: FeedRejection) -> dict:
        return rejection_resource(rejection)

    def _href(self, instance) -> str:
        return ""


class FeedInputSerializer(serializers.Serializer):
    """The JSON body (documentation only: the view reads the body itself, row by row)."""

    batchId = serializers.CharField(max_length=100)
    records = serializers.ListField(child=serializers.DictField(), max_length=MAX_ROWS)


# --- Views --------------------------------------------------------------------------------------------------------


def _sender(request) -> str:
    if isinstance(request.auth, ApiToken):
        return request.auth.client.name
    return request.user.get_username()


def _read_body(request, kind: str) -> tuple[str, list, str]:
    """The batch id, the records and the body's SHA-256 from a JSON or CSV body; 400 when they cannot be read."""
    body = request.data
    if not isinstance(body, _RawBody):
        raise exceptions.ParseError("Send the batch as application/json or text/csv.")
    sha = hashlib.sha256(body.raw).hexdigest()
    if body.body_format == "csv":
        batch_id = request.query_params.get("batchId", "")
        try:
            text = codecs.decode(body.raw, "utf-8-sig")
            records = []
            for record in csv_records(text, kind=kind):
                records.append(record)
                if len(records) > MAX_ROWS:
                    break
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError("The CSV body is not UTF-8 text.") from exc
        except FeedInputError as exc:
            raise exceptions.ParseError(str(exc)) from exc
    else:
        collecting = gc.isenabled()
        gc.disable()  # 200,000 records are millions of objects: collection passes while parsing cost seconds
        try:
            data = orjson.loads(body.raw)
        except orjson.JSONDecodeError:
            # orjson refuses some bodies the standard parser reads (integers beyond 64 bits, NaN): the standard
            # parser decides, and its message is the one reported
            try:
                data = json.loads(body.raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc
        finally:
            if collecting:
                gc.enable()
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            raise exceptions.ParseError('The body must be an object {"batchId": "...", "records": [...]}.')
        batch_id, records = data.get("batchId") or request.query_params.get("batchId", ""), data["records"]
    if not isinstance(batch_id, str) or not batch_id.strip() or len(batch_id.strip()) > 100:
        raise exceptions.ValidationError({"batchId": "a batch id of 1 to 100 characters is required"})
    if len(records) > MAX_ROWS:
        raise exceptions.ValidationError(
            {"records": f"at most {MAX_ROWS} rows per request; send bigger batches by file drop"}
        )
    return batch_id.strip(), records, sha


class FeedUploadView(APIView):
    """POST a batch of one feed kind (see the module docstring)."""

    read_scope = None
    write_scope = FEED_API.write_scope
    permission_classes = [FeedScope]
    parser_classes = [FeedJSONParser, FeedCSVParser]

    @extend_schema(
        request={"application/json": FeedInputSerializer, "text/csv": OpenApiTypes.STR},
        parameters=[OpenApiParameter("batchId", str, description="the batch id of a CSV body")],
        responses={
            201: FeedBatchSerializer,
            200: OpenApiResponse(FeedBatchSerializer, description="sent before: the first report, duplicate true"),
            409: OpenApiResponse(description="the batch id was used with other content"),
        },
        operation_id="billingFeed_create",
    )
    def post(self, request, kind: str):
        batch_id, records, sha = _read_body(request, kind)
        try:
            batch, created = feed_batch_load(
                sender=_sender(request), kind=kind, client_batch_id=batch_id, records=records,
                body_format=request.data.body_format, content_sha256=sha, submitted_by=request.user,
            )  # fmt: skip
        except FeedConflict as exc:
            raise Conflict(str(exc), code="batchConflict") from exc
        if batch.status == FeedBatch.Status.FAILED:
            raise exceptions.APIException(f"Batch {batch.pk} failed: {batch.error}")
        context = {"request": request, "view": self, "with_rejections": True}
        report = FeedBatchSerializer(batch, context=context).data
        report["duplicate"] = not created
        headers = {"Location": report["href"]}
        return Response(report, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers=headers)


class FeedBatchViewSet(TMFReadOnlyViewSet):
    """Feed batches, newest first, with their reports; ``…/rejection`` pages through a batch's rejected rows."""

    read_scope = FEED_API.read_scope
    write_scope = None
    permission_classes = [FeedScope]
    serializer_class = FeedBatchSerializer
    tmf_filters = {
        "id": ("id", int),
        "kind": "kind",
        "status": "status",
        "sender": "sender",
        "batchId": "client_batch_id",
        "receivedAt": ("received_at", "datetime"),
    }

    def get_queryset(self):
        return FeedBatch.objects.order_by("-received_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "with_rejections": self.action == "retrieve"}

    @extend_schema(responses={200: FeedRejectionSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="rejection")
    def rejection(self, request, pk=None):
        batch = self.get_object()
        page = self.paginate_queryset(batch.rejections.order_by("row_no", "id"))
        return self.get_paginated_response(FeedRejectionSerializer(page, many=True, context={"request": request}).data)
