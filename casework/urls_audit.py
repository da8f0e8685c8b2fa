from django.urls import path

from casework.views import audit_integrity

app_name = "audit"

urlpatterns = [
    path("integrity/", audit_integrity.integrity, name="integrity"),
]
