"""The access log's integrity, for supervisors: the result of walking the hash chain."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework import roles
from casework.audit import log_access, verify_chain
from casework.models import AccessAction


@login_required
@require_GET
def integrity(request):
    if not roles.has_role(request.user, roles.SUPERVISOR):
        log_access(user=request.user, action=AccessAction.DENIED, object_type="audit_integrity", request=request)
        raise Http404
    # The whole chain is walked on every visit (streaming, constant memory): the page
    # reports the log as it is now, never a cached verdict.
    report = verify_chain()
    return render(request, "casework/audit_integrity.html", {"report": report})
