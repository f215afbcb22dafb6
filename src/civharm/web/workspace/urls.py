"""The investigators' workspace: sign-in, the incident editor, evidence, grading, history,
the review queues and witness pages, and volunteers' building-dating tasks."""

from django.urls import path

from civharm.web.workspace import dating, editor, files, review_urls, views

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
    path("dating/", dating.next_building, name="dating"),
    path("dating/disputed", dating.disputed, name="dating_disputed"),
    path("dating/<str:code>/evidence/<int:position>", dating.review_image,
         name="dating_review_image"),
    path("dating/<str:code>", dating.task_page, name="dating_task"),
    path("dating/<str:code>/image/<int:position>", dating.task_image, name="dating_image"),
    *review_urls.urlpatterns,
]
