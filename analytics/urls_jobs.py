"""Analytics pages: jobs and the model registry."""

from django.urls import path

from . import views_jobs

urlpatterns = [
    path("", views_jobs.job_list, name="jobs"),
    path("<int:pk>/", views_jobs.job_detail, name="job"),
    path("<int:pk>/resume/", views_jobs.job_resume, name="job_resume"),
    path("models/", views_jobs.model_list, name="models"),
    path("models/<int:pk>/promote/", views_jobs.model_promote, name="model_promote"),
]
