"""Analytics jobs over the API: list and read their progress (analytics:read), start one (analytics:write)."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.response import Response

from crm.api.serializers import TMFSerializer, iso_or_none
from crm.api.views import TMFReadOnlyViewSet

from ..models import AnalyticsJob, ModelVersion
from ..models.jobs import JobKind
from ..selectors import job_progress, jobs_recent, model_versions
from ..services import jobs
from .common import ANALYTICS_API


class AnalyticsJobSerializer(TMFSerializer):
    class Meta:
        tmf_type = "AnalyticsJob"

    def build(self, job: AnalyticsJob) -> dict:
        progress = job_progress(job)
        return {
            "kind": job.kind,
            "runKey": job.run_key,
            "asOf": job.as_of.isoformat(),
            "status": job.status,
            "parameters": job.params,
            "progress": {
                "done": progress.done,
                "total": progress.total,
                "percent": progress.percent,
                "rowsDone": job.rows_done,
                "etaSeconds": round(progress.eta.total_seconds()) if progress.eta else None,
            },
            "result": {k: v for k, v in job.result.items() if not k.startswith("_")},
            "error": job.error,
            "creationDate": iso_or_none(job.created_at),
            "startDate": iso_or_none(job.started_at),
            "completionDate": iso_or_none(job.finished_at),
        }


class JobStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JobKind.choices)
    asOf = serializers.DateField()
    parameters = serializers.DictField(required=False, default=dict)


class AnalyticsJobViewSet(TMFReadOnlyViewSet):
    """Analytics jobs (分析作业) with their progress; POST starts one (once per kind and cut-off date)."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = AnalyticsJobSerializer
    input_serializer_class = JobStartSerializer  # the POST body, as the OpenAPI schema describes it
    tmf_filters = {"kind": "kind", "status": "status", "asOf": ("as_of", "date")}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return jobs_recent()

    def create(self, request, *args, **kwargs):
        data = JobStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = jobs.job_start(
                kind=data.validated_data["kind"],
                as_of=data.validated_data["asOf"],
                params=data.validated_data["parameters"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except jobs.JobAlreadyRunning as exc:
            raise serializers.ValidationError({"kind": f"A {exc} job is already pending or running."}) from exc
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)


class ModelVersionSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ModelVersion"

    def build(self, row: ModelVersion) -> dict:
        return {
            "kind": row.kind,
            "version": row.version,
            "status": row.status,
            "algorithm": row.algorithm,
            "trainingPeriod": {"startDate": row.train_from.isoformat(), "endDate": row.train_to.isoformat()},
            "features": row.features,
            "parameters": row.params,
            "metrics": row.metrics,
            "trainedDate": iso_or_none(row.trained_at),
            "promotedDate": iso_or_none(row.promoted_at),
        }


class ModelVersionViewSet(TMFReadOnlyViewSet):
    """The model registry (模型版本): every trained version with its quality."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = ModelVersionSerializer
    tmf_filters = {"kind": "kind", "status": "status", "version": ("version", int)}

    def get_queryset(self):
        return model_versions()
