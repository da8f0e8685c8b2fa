"""The builder's fast digester (casework.audit.chain.RowDigester) gives every row of every
chain the same hash as row_digest, the writers' and the checker's own."""

import datetime

import pytest
from django.apps import apps
from django.db import models

from casework.audit.chain import RowDigester, row_digest
from casework.audit.registry import chains
from casework.audit.services import log_access
from casework.interviews.services import record_interview
from children.services import DoorUpdate


@pytest.fixture
def trail(case_a, cw_a):
    record_interview(
        child=case_a,
        by=cw_a,
        held_on=datetime.date(2026, 1, 5),
        location_type="home",
        notes="Ünïcode, 中文, 한국어\nand a tab\t.",
        follow_up_on=datetime.date(2026, 2, 1),
        doors={"education": DoorUpdate(status="in_progress", barrier="", note="")},
        expected_versions={"education": 1},
    )
    log_access(user=cw_a, action="view", object_type="child", object_id=case_a.pk, detail={"n": 1.5, "q": "x"})


def _values(row: models.Model) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_every_row_of_every_chain_hashes_as_row_digest(trail):
    checked = 0
    for chain in chains(apps):
        digester = RowDigester(chain)
        for row in chain.model._base_manager.all():
            assert digester.digest(_values(row)) == row_digest(chain, row) == getattr(row, chain.hash)
            checked += 1
    assert checked > 10


def test_values_the_fast_path_does_not_know_fall_back_to_the_same_text(trail):
    chain = next(c for c in chains(apps) if c.table == "casework_historicalinterview")
    row = chain.model._base_manager.first()
    values = _values(row)
    # Strings where the database gives dates and keys, as a builder might pass them.
    values["held_on"] = row.held_on.isoformat()
    values["id"] = row.id.hex
    values["child_id"] = str(row.child_id)
    assert RowDigester(chain).digest(values) == row_digest(chain, row)
