"""Analytics pages: offer simulation (proposals, runs, results)."""

from django.urls import path

from . import views_simulation

urlpatterns = [
    path("", views_simulation.proposal_list, name="simulation"),
    path("new/", views_simulation.proposal_create, name="simulation_new"),
    path("<int:pk>/", views_simulation.proposal_detail, name="simulation_proposal"),
    path("runs/<int:pk>/", views_simulation.simulation_result, name="simulation_result"),
]
