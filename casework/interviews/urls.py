from django.urls import path

from casework.interviews import views

app_name = "interviews"
urlpatterns = [
    path("cases/<uuid:pk>/interviews/new/", views.interview_new, name="new"),
    path("follow-ups/", views.follow_ups, name="follow-ups"),
]
