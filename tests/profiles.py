"""Hypothesis profiles for the whole suite, loaded by tests/conftest.py."""

import os

from hypothesis import settings

# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (default dev):
#   ci   the full counts: every property test runs examples(n) == n examples. .ci/run uses it
#        for its PostgreSQL run, so the full fuzzing runs once per CI run.
#   dev  a fifth of that, for `make test` on a laptop (and CI's SQLite run).
# A test that sets max_examples itself overrides the profile, so property tests write
# @settings(max_examples=examples(n)) with n the count CI runs; a test that sets none runs
# the profile's max_examples (Hypothesis's default 100 under ci, 20 under dev).
# derandomize: CI runs the same examples every time, so its outcome never depends on luck;
# local runs (dev) keep exploring new examples.
settings.register_profile("ci", max_examples=100, print_blob=True, derandomize=True)
settings.register_profile("dev", max_examples=20)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "dev")


def examples(ci_count: int) -> int:
    """How many examples a property test runs: `ci_count` under the ci profile, scaled by the
    loaded profile's max_examples otherwise (a fifth under dev), at least one."""
    scale = settings.default.max_examples / settings.get_profile("ci").max_examples
    return max(1, round(ci_count * scale))
