"""The access log's integrity, for supervisors: the result of walking the hash chain."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.audit.queries import verify_chain
from casework.web.gates import audit_reader_required


@audit_reader_required("audit_integrity")
@require_GET
def integrity(request: HttpRequest) -> HttpResponse:
    # The whole chain is walked on every visit (streaming, constant memory): the page
    # reports the log as it is now, never a cached verdict.
    report = verify_chain()
    return render(request, "casework/audit/integrity.html", {"report": report})
