from django.urls import path

from casework.views import cases

app_name = "casework"
urlpatterns = [
    path("cases/<uuid:pk>/interviews/new/", cases.interview_new, name="interview-new"),
    path("follow-ups/", cases.follow_ups, name="follow-ups"),
    path("preferences/", cases.preferences, name="preferences"),
    path("exit/", cases.quick_exit, name="quick-exit"),
    path("calendar/", cases.neutral, name="neutral"),
]
