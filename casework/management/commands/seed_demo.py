from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.demo.users import DEFAULT_CHILDREN, DEFAULT_SEED, DEMO_TOTP_KEY_BASE32, DEMO_USERS
from casework.management.base import TranslatedCommand

DEFAULT_PASSWORD = "demo-password"


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Create the demo teams A and B, the demo users (caseworker1, caseworker2, caseworker3, "
        "supervisor1, supervisor2, dataadmin, sysadmin, sysadmin2; password from DEMO_PASSWORD) and N synthetic "
        "children shaped like the survey, opened through the ordinary services. "
        "Deterministic for a seed and safe to run again: every demo case is opened with the reason "
        "'Demo data: synthetic case <n> of seed <s>', kept in its history, and a run opens only the "
        "numbers missing from the database (a larger --children adds children, never duplicates). "
        "Demo data of another seed in the same database is refused. Existing demo users keep their "
        "password. Refuses with DEBUG off unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--children", type=int, default=DEFAULT_CHILDREN, help=gettext_lazy("how many demo children (default 100)")
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=gettext_lazy("random seed (default 42)"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy(
                "run with DEBUG off (a training server); DEMO_PASSWORD must then be set to a non-default value"
            ),
        )

    def _progress(self, done, total):
        # Large runs take minutes: say how far they are (every 500 children, or every batch with -v 2).
        if self.verbosity >= 2 or (self.verbosity >= 1 and total >= 500 and (done % 500 == 0 or done == total)):
            self.stderr.write("  " + _("%(done)s/%(total)s demo children") % {"done": done, "total": total})

    def handle(self, *args, children, seed, force, verbosity, **options):
        self.verbosity = verbosity
        if children < 0:
            raise CommandError(_("--children must be zero or more."))
        if not settings.DEBUG:
            if not force:
                raise CommandError(
                    _(
                        "seed_demo creates users with a known password and fake cases, so it refuses to run "
                        "with DEBUG off. Use it on a development machine (DEBUG=1), or pass --force on a "
                        "training server."
                    )
                )
            if settings.DEMO_PASSWORD == DEFAULT_PASSWORD:
                # The default demo password is never used outside DEBUG.
                raise CommandError(_("With DEBUG off, set DEMO_PASSWORD to a password of your own first."))
        try:
            # Imported here: the generator needs Faker, which only the `demo` extra installs.
            from casework.demo import services as demo
        except ModuleNotFoundError as missing:
            raise CommandError(
                _("seed_demo needs the demo extra (%(module)s is not installed): pip install -e '.[demo]'")
                % {"module": missing.name}
            ) from None
        try:
            result = demo.seed_demo(children=children, seed=seed, progress=self._progress)
        except demo.SeedMismatch as mismatch:
            raise CommandError(
                _(
                    "This database holds demo data of seed %(seed)s; run with --seed %(seed)s "
                    "or start from an empty database."
                )
                % {"seed": mismatch.args[0]}
            ) from None

        self.stdout.write(_("Demo users:"))  # what `make demo` shows
        for user in DEMO_USERS:
            team = _("team %(name)s") % {"name": user.team} if user.team else _("no team")
            self.stdout.write(f"  {user.username:<12} {user.role:<13} {team}")
        if settings.DEBUG and settings.DEMO_PASSWORD == DEFAULT_PASSWORD:
            self.stdout.write(_("Password: %(password)s") % {"password": DEFAULT_PASSWORD})
        else:
            self.stdout.write(_("Password: the value of DEMO_PASSWORD"))
        if settings.DEBUG:
            # The demo's published key, never with DEBUG off: there each user enrols their own.
            demo.give_demo_authenticators(result.users)
            self.stdout.write(
                _(
                    "Second factor (DEBUG only): add the key %(key)s to an authenticator app "
                    "(the same for every demo user), or run: oathtool --totp -b %(key)s"
                )
                % {"key": DEMO_TOTP_KEY_BASE32}
            )
        else:
            self.stdout.write(_("Second factor: each demo user sets up an authenticator app at their first login."))
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo children (seed %(seed)s): %(created)s created, %(existing)s already there; %(seconds).1f s.")
                % {"seed": seed, "created": result.created, "existing": result.existing, "seconds": result.seconds}
            )
        )
