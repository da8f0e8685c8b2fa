from django.urls import path

from casework.supervision import views as supervision

app_name = "supervision"
urlpatterns = [
    path("", supervision.team_overview, name="team"),
    path("caseload/", supervision.caseload_figures, name="caseload"),
    path("history/", supervision.timeline, name="timeline"),
    path("access/", supervision.access_review, name="access"),
    path("cases/<uuid:pk>/assignment/", supervision.assignment, name="assignment"),
    path("cases/<uuid:pk>/assignment/<uuid:assignment_pk>/revoke/", supervision.revoke, name="revoke"),
    path("cases/<uuid:pk>/history/", supervision.case_history, name="case-history"),
    path("cases/<uuid:pk>/access/", supervision.case_access, name="case-access"),
]
