from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casework.audit import log_access
from casework.models import AccessAction
from children import access, queries


def _page_number(request) -> int:
    try:
        return int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        return 1


@login_required
@require_GET
def case_list(request):
    search = request.GET.get("q", "")[:100]
    page = queries.case_page(request.user, search=search, page=_page_number(request))
    log_access(
        user=request.user,
        action=AccessAction.SEARCH if search.strip() else AccessAction.LIST,
        object_type="child",
        request=request,
        # The search words are not kept: they are often a child's name.
        detail={"page": page.number, "results": page.count, "searched": bool(search.strip())},
    )
    return render(request, "children/case_list.html", {"page": page, "search": search})


@login_required
@require_GET
def case_detail(request, pk):
    child = access.child_for(request.user, pk, request=request)
    doors = list(child.document_access.all())
    interviews = list(child.interviews.select_related("caseworker")[:50])
    return render(request, "children/case_detail.html", {"child": child, "doors": doors, "interviews": interviews})
