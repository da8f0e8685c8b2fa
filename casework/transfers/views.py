"""A supervisor's pages for transfers between teams.

Every page is behind `supervisor_required`; a transfer is reached only by the two teams
it concerns (`queries.transfer_of`), anyone else gets a 404 logged as denied. Before
acceptance the receiving supervisor's page is built from `queries.proposal` alone: the
reason, the proposing team, the child's age and province. The case itself stays behind
the access gate, which does not open it to her until the case has moved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.audit.services import log_access
from casework.models import AccessAction, TransferStatus
from casework.transfers import queries
from casework.transfers.forms import AnswerForm, ProposeForm, RefuseForm
from casework.transfers.services import accept_transfer, propose_transfer, refuse_transfer, withdraw_transfer
from casework.web.gates import refuse, supervisor_required
from children import access


def _log_step(request, transfer, step: str) -> None:
    log_access(
        user=request.user,
        action=AccessAction.TRANSFER,
        object_type="child",
        object_id=transfer.child_id,
        request=request,
        detail={"step": step, "transfer": str(transfer.pk)},
    )


@supervisor_required("child")
@require_http_methods(["GET", "POST"])
def propose(request, pk, team):
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=None)
    if child.team_id != team.pk:
        refuse(request, "child", pk)
    if request.method == "GET":
        log_access(
            user=request.user, action=AccessAction.VIEW, object_type="child", object_id=child.pk, request=request
        )
    form = ProposeForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = propose_transfer(
                child=child, to_team=form.cleaned_data["to_team"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _log_step(request, transfer, "proposed")
            messages.success(request, _("The transfer to %(team)s is proposed.") % {"team": transfer.to_team.name})
            return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "casework/transfers/propose.html", {"team": team, "child": child, "form": form})


def _transfer(request, team, pk, *, side: str | None = None):
    """The transfer if the team proposed it or receives it (and is on `side`), or 404."""
    transfer = queries.transfer_of(team, pk)
    if transfer is None or (side is not None and getattr(transfer, f"{side}_id") != team.pk):
        refuse(request, "transfer", pk)
    return transfer


def _detail(request, team, transfer, *, answer_form=None, refuse_form=None, status=200):
    incoming = transfer.to_team_id == team.pk
    answer_form, refuse_form = answer_form or AnswerForm(), refuse_form or RefuseForm()
    context = {
        "team": team,
        "incoming": incoming,
        "pending": transfer.status == TransferStatus.PENDING,
        "answer_form": answer_form,
        "refuse_form": refuse_form,
        # What the service refused (already answered, the case moved): shown above the forms.
        "errors": [*answer_form.non_field_errors(), *refuse_form.non_field_errors()],
    }
    if incoming and transfer.status != TransferStatus.ACCEPTED:
        # Not (or not yet) her case: the proposal's few facts, never the transfer row,
        # which would carry the case with it.
        context["proposal"] = queries.proposal(transfer.pk)
    else:
        context["transfer"] = transfer
    return render(request, "casework/transfers/detail.html", context, status=status)


@supervisor_required("transfer")
@require_GET
def detail(request, pk, team):
    transfer = _transfer(request, team, pk)
    log_access(
        user=request.user, action=AccessAction.VIEW, object_type="transfer", object_id=transfer.pk, request=request
    )
    return _detail(request, team, transfer)


def _answered(request, team, transfer, form, service, step):
    if not form.is_valid():
        return None
    try:
        done = service(transfer=transfer, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        form.add_error(None, error)
        return None
    except PermissionDenied:
        refuse(request, "transfer", transfer.pk)
    _log_step(request, done, step)
    return done


@supervisor_required("transfer")
@require_POST
def accept(request, pk, team):
    transfer = _transfer(request, team, pk, side="to_team")
    form = AnswerForm(request.POST)
    if _answered(request, team, transfer, form, accept_transfer, "accepted") is None:
        return _detail(request, team, transfer, answer_form=form, status=400)
    messages.success(request, _("The case is now your team's. Assign a caseworker to it."))
    return redirect("supervision:assignment", pk=transfer.child_id)


@supervisor_required("transfer")
@require_POST
def refuse_view(request, pk, team):
    transfer = _transfer(request, team, pk, side="to_team")
    form = RefuseForm(request.POST)
    if _answered(request, team, transfer, form, refuse_transfer, "refused") is None:
        return _detail(request, team, transfer, refuse_form=form, status=400)
    messages.success(request, _("The transfer is refused."))
    return redirect("supervision:team")


@supervisor_required("transfer")
@require_POST
def withdraw(request, pk, team):
    transfer = _transfer(request, team, pk, side="from_team")
    form = AnswerForm(request.POST)
    if _answered(request, team, transfer, form, withdraw_transfer, "withdrawn") is None:
        return _detail(request, team, transfer, answer_form=form, status=400)
    messages.success(request, _("The transfer is withdrawn."))
    return redirect("supervision:team")
