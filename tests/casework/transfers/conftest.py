import pytest

from casework.transfers.services import propose_transfer

REASON = "The family moved to the Yanji area"


@pytest.fixture
def transfer(case_a, sup_a, team_b, sup_b):
    """case_a (held by cw_a in team A) proposed to team B, waiting for sup_b."""
    return propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason=REASON)
