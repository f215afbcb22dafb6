"""Routes of the review queues and the witness pages (included by the workspace's urls)."""

from django.urls import path

from civharm.web.workspace import reviews, witnesses

urlpatterns = [
    path("review/victims", reviews.victim_queue, name="review_victims"),
    path("review/victims/<int:pair_id>", reviews.victim_pair, name="review_victim_pair"),
    path("review/incidents", reviews.incident_queue, name="review_incidents"),
    path("review/incidents/<int:suggestion_id>", reviews.incident_pair,
         name="review_incident_pair"),
    path("witnesses", witnesses.witness_list, name="witnesses"),
    path("witnesses/new", witnesses.witness_new, name="witness_new"),
]
