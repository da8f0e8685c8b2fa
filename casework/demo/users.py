"""Who the demo has: its teams and users, and the defaults of seed_demo. Kept apart from
the data generator (services), which needs Faker, an optional dependency (the `demo` extra)."""

from dataclasses import dataclass

from casework.core import roles

DEFAULT_CHILDREN = 100
DEFAULT_SEED = 42


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    team: str | None = None


DEMO_TEAMS = ("A", "B")
DEMO_USERS = (
    DemoUser("caseworker1", roles.CASEWORKER, "A"),
    DemoUser("caseworker2", roles.CASEWORKER, "A"),
    DemoUser("caseworker3", roles.CASEWORKER, "B"),
    DemoUser("supervisor1", roles.SUPERVISOR, "A"),
    DemoUser("supervisor2", roles.SUPERVISOR, "B"),
    DemoUser("dataadmin", roles.DATA_ADMIN),
    DemoUser("sysadmin", roles.SYSTEM_ADMIN),
    # A second system admin: the one who approves what the first grants (two-person rule).
    DemoUser("sysadmin2", roles.SYSTEM_ADMIN),
)
CASEWORKERS = tuple(u.username for u in DEMO_USERS if u.role == roles.CASEWORKER)

# The demo users' authenticator key with DEBUG on (make demo), so that a developer adds one
# key to an authenticator app and signs in as any of them. Known to everyone who reads this
# file, so it is never given out with DEBUG off (seed_demo --force on a training server):
# there every demo user sets up their own authenticator at the first login.
DEMO_TOTP_KEY_BASE32 = "CASEWORKDEMOKEYNOTFORUSEANYWHERE"
