"""The audit trail's integrity, for supervisors: the result of walking every keyed chain."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.audit.queries import verify_audit
from casework.web.gates import audit_reader_required


@audit_reader_required("audit_integrity")
@require_GET
def integrity(request: HttpRequest) -> HttpResponse:
    # Every chain is walked on every visit (streaming, constant memory, one snapshot): the
    # page reports the audit trail as it is now, never a cached verdict.
    report = verify_audit()
    return render(request, "casework/audit/integrity.html", {"report": report})
