"""The investigators' workspace: sign-in, the incident editor, evidence, grading, history,
and the review queues and witness pages."""

from django.urls import path

from civharm.web.workspace import editor, files, review_urls, views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.sign_in, name="login"),
    path("logout", views.sign_out, name="logout"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new", editor.new_incident, name="incident_new"),
    path("incidents/similar", editor.similar, name="incident_similar"),
    path("incidents/<str:code>", views.incident_page, name="incident"),
    path("incidents/<str:code>/edit", editor.edit_incident, name="incident_edit"),
    path("incidents/<str:code>/grade", views.grade, name="incident_grade"),
    path("incidents/<str:code>/evidence", files.upload, name="evidence_upload"),
    path("evidence/<str:sha>", files.evidence_file, name="evidence"),
    *review_urls.urlpatterns,
]
