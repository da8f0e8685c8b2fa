from django.urls import path

from casework.audit import views as audit_integrity

app_name = "audit"

urlpatterns = [
    path("integrity/", audit_integrity.integrity, name="integrity"),
]
