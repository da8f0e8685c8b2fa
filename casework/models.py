import json
import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.core.constraints import choices_constraint
from casework.core.history import case_history


class Team(models.Model):
    """A field team. Every case belongs to one team.

    `group` holds the team's members (caseworkers and supervisor) and no case permission:
    a caseworker sees only the cases assigned to them. `oversight_group` holds view and
    change permission on every case of the team; its members are the team's supervisors.
    Membership is changed only through casework.access.services (join_team, leave_team)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team")
    oversight_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="overseen_team")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class LocationType(models.TextChoices):
    HOME = "home", _("Home")
    SCHOOL = "school", _("School")
    OFFICE = "office", _("Office")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Interview(models.Model):
    """A field interview. Only the kind of place is kept, never coordinates or an address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="interviews")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("caseworker")
    )
    held_on = models.DateField(_("held on"))
    location_type = models.CharField(_("place"), max_length=10, choices=LocationType.choices)
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), max_length=10000, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    # Idempotency: the form carries a fresh token, so a resubmitted form (a network retry,
    # a double tap) is recognised and does not log the interview twice.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = case_history()

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["-held_on", "-created_at"]
        indexes = [models.Index(fields=["child", "-held_on"], name="interview_child_held_on")]
        constraints = [
            choices_constraint("interview", "location_type", LocationType),
            choices_constraint("interview", "risk_level", RiskLevel),
            models.CheckConstraint(
                condition=models.Q(follow_up_on__isnull=True) | models.Q(follow_up_on__gte=models.F("held_on")),
                name="interview_follow_up_not_before_interview",
            ),
        ]

    def __str__(self):
        return str(_("Interview on %(date)s") % {"date": self.held_on})


class Assignment(models.Model):
    """The record of who holds a case: every grant and revocation, by whom and why.
    The object permissions that enforce it are granted and revoked in the same service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="assignments")
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = case_history()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-granted_at"]

    def __str__(self):
        return str(_("Assignment of %(case)s") % {"case": self.child_id})


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    DENIED = "denied", _("Denied")
    # A save refused because someone else saved the record first (HTTP 409).
    CONFLICT = "conflict", _("Edit conflict")
    LOCKED = "locked", _("Locked out")
    RESET = "reset", _("Two-factor devices reset")
    # A step of a case's transfer between teams (casework.transfers); detail names the step.
    TRANSFER = "transfer", _("Transfer")
    # Field work without a connection (casework.offline): cases taken onto a device, a
    # device's sync, a device revoked, a device told to wipe what it holds.
    OFFLINE = "offline", _("Taken offline")
    SYNC = "sync", _("Synced")
    REVOKE = "revoke", _("Device revoked")
    WIPE = "wipe", _("Device wiped")


class AccessLog(models.Model):
    """Append-only: who looked at what, when, from where. Never the content itself.
    The user is kept as id and name without a foreign key so rows outlive accounts.

    Rows form a keyed hash chain in `seq` order: `row_hash` is the HMAC-SHA-256 of the
    row's content and `prev_hash` (the previous row's `row_hash`), so a changed or removed
    row breaks the chain (`manage.py verify_audit`). Written only by casework.audit.services.log_access;
    database triggers refuse UPDATE and DELETE (casework.audit.append_only)."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        constraints = [choices_constraint("access_log", "action", AccessAction)]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"


class OfflineSettings(models.Model):
    """A team's limits for field work without a connection (casework.offline), set by its
    supervisor: how many cases a device may take, how long its data lasts without a sync,
    and whether the village and earlier interview notes may travel. A team without a row
    has the defaults (OFFLINE_DEFAULTS)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="offline_settings")
    max_cases = models.PositiveSmallIntegerField(_("most cases a device may take offline"), default=20)
    expiry_hours = models.PositiveSmallIntegerField(_("hours offline data lasts without a sync"), default=72)
    include_village = models.BooleanField(_("the village may be taken offline"), default=False)
    include_notes = models.BooleanField(_("earlier interview notes may be taken offline"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("offline settings")
        verbose_name_plural = _("offline settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_cases__gte=1, max_cases__lte=100), name="offline_max_cases_range"
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_hours__gte=1, expiry_hours__lte=720), name="offline_expiry_hours_range"
            ),
        ]

    def __str__(self):
        return str(_("Offline settings"))


class OfflineDevice(models.Model):
    """A browser that holds cases for field work without a connection. Its data is
    encrypted in the browser under the caseworker's offline PIN; the server keeps only the
    name she gave it, when it last synced, how many cases it holds, and its revocation. A
    revoked device is told to wipe what it holds at its next contact (casework.offline)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offline_devices", verbose_name=_("caseworker")
    )
    name = models.CharField(_("device name"), max_length=60)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    last_synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    cases_held = models.PositiveSmallIntegerField(_("cases held"), default=0)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wiped_at = models.DateTimeField(_("wiped"), null=True, blank=True)

    history = case_history()

    class Meta:
        verbose_name = _("offline device")
        verbose_name_plural = _("offline devices")
        ordering = ["-registered_at"]

    def __str__(self):
        return self.name

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class AdminAction(models.TextChoices):
    ADD = "add", _("Added")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")


class AdminLogEntry(models.Model):
    """Append-only, chained: what someone did in the Django admin (who, when, which account,
    group or team, added, changed or deleted, and which fields), in place of the admin's
    own log (django_admin_log), which is unchained and stays empty. Written only by
    casework.audit.services.log_admin_action, from the admin classes of casework.admin;
    the user is kept as id and name without a foreign key, so rows outlive accounts."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AdminAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # The admin's change message: which fields changed, never their values.
    change_message = models.JSONField(default=list, blank=True)
    seq = models.BigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("admin log entry")
        verbose_name_plural = _("admin log")
        ordering = ["-at", "-id"]
        constraints = [choices_constraint("admin_log", "action", AdminAction)]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

    # What the admin's history page (admin/object_history.html) reads of a log entry.
    @property
    def action_time(self):
        return self.at

    @property
    def user(self):
        username = self.username
        return SimpleNamespace(get_username=lambda: username, get_full_name=lambda: "")

    def get_change_message(self):
        from django.contrib.admin.models import LogEntry

        return LogEntry(change_message=json.dumps(self.change_message)).get_change_message()


class AuditChainHead(models.Model):
    """One row per audit chain (the access log, each history table): the sequence number
    and hash of its newest row.

    A writer moves the head in the transaction that inserts the row (casework.audit.chain),
    which orders concurrent writers of one table without locking the table. Database
    triggers refuse to delete a head or to move it backwards (casework.audit.append_only);
    verify_audit checks each chain's rows against its head, and signed checkpoints kept
    outside the database check the heads themselves."""

    chain = models.CharField(max_length=63, primary_key=True, editable=False)
    seq = models.BigIntegerField()
    row_hash = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.chain} {self.seq} {self.row_hash[:12]}"


class Preferences(models.Model):
    """Per-user settings. Discreet mode shows case numbers instead of names in lists."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    discreet_mode = models.BooleanField(_("discreet mode"), default=False)
    # Empty: the browser's language. Applied at login (casework.web.language).
    language = models.CharField(_("language"), max_length=10, blank=True, default="", choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self):
        return str(_("Preferences"))


class AggregatesRelease(models.Model):
    """A frozen, numbered publication of the anonymised aggregates: the records exactly as
    published (casework.aggregates.export), who published it, when, why, and the date the
    caseload was counted on. The dashboard, its downloads and `export_aggregates` serve
    releases, never live counts, so two exports can only differ where a new release was
    published on purpose. Rows are never changed or deleted: the append-only triggers
    (casework.audit.append_only) refuse it, so an earlier release stays downloadable
    unchanged; a row that cannot change needs no history of its own."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    # None: published at the console (the first release, made by `export_aggregates`).
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    reason = models.TextField(_("reason"), max_length=2000)
    reference_date = models.DateField(_("caseload counted on"))
    threshold = models.PositiveSmallIntegerField(_("suppression threshold"))
    # The cell-key perturbation the counts went through (casework.aggregates.perturbation):
    # no count moved by more than the bound; the variance of the adjustments. Published with
    # the figures (users need them); 0 for a release made before counts were perturbed.
    perturbation_bound = models.PositiveSmallIntegerField(_("perturbation bound"), default=0)
    perturbation_variance = models.DecimalField(
        _("perturbation variance"), max_digits=4, decimal_places=2, default=Decimal("0")
    )
    records = models.JSONField(_("published records"))
    # Per table, the release and true counts its published figures were counted from
    # (casework.aggregates.differencing): how the next release tells whether a table changed
    # enough to publish afresh. Holds cell keys: never serialised, shown or exported.
    basis = models.JSONField(_("basis of the figures"), default=dict, editable=False)

    class Meta:
        verbose_name = _("aggregates release")
        verbose_name_plural = _("aggregates releases")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"release {self.number} ({self.reference_date})"


class PrivilegeKind(models.TextChoices):
    TEAM_JOINED = "team_joined", _("Joined a team")
    TEAM_LEFT = "team_left", _("Left a team")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role removed")
    # Two-factor devices reset by a system admin (the sign-in work records these).
    DEVICES_RESET = "devices_reset", _("Sign-in devices reset")


class PrivilegeOutcome(models.TextChoices):
    APPLIED = "applied", _("Took effect")
    REQUESTED = "requested", _("Awaits a second system admin")
    APPROVED = "approved", _("Approved: took effect")
    DECLINED = "declined", _("Declined")
    REFUSED = "refused", _("Refused")


class PrivilegeChange(models.Model):
    """Append-only: every change of a person's roles and teams, who made it, when and why,
    and every attempt the rules refused. Written only by casework.access.services; chained
    and verified like the access log (casework.audit.registry), UPDATE and DELETE refused
    by database triggers.

    A change that grants something, made by a system admin, is first a `requested` row;
    it takes effect when a second system admin answers it with an `approved` row (or is
    closed by a `declined` one): `answers` points from the answer to the request, and is
    unique, so a request is answered once. People are kept as id and name without a
    foreign key, so rows outlive accounts; an empty actor is the console."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("change"), max_length=20, choices=PrivilegeKind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=PrivilegeOutcome.choices)
    subject_id = models.BigIntegerField(db_index=True)
    subject_username = models.CharField(_("person"), max_length=150)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("made by"), max_length=150, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("team")
    )
    role = models.CharField(_("role"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    answers = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="answer", verbose_name=_("answers")
    )
    seq = models.BigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("privilege change")
        verbose_name_plural = _("privilege changes")
        ordering = ["-at", "-id"]
        constraints = [
            choices_constraint("privilege_change", "kind", PrivilegeKind),
            choices_constraint("privilege_change", "outcome", PrivilegeOutcome),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.subject_username} ({self.outcome})"


class AccountSecurity(models.Model):
    """Sign-in state of one account that its owner does not choose. `must_change_password`
    is set whenever someone else sets the password (a system admin creating the account or
    resetting it), so nobody keeps signing in with a password another person knows."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_security")
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)

    class Meta:
        verbose_name = _("account security")
        verbose_name_plural = _("account security")

    def __str__(self):
        return str(_("Account security"))


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Transfer(models.Model):
    """A case's move from one team to another (casework.transfers): proposed by the
    supervisor of the team that holds it, accepted or refused by the supervisor of the
    receiving team, or withdrawn while pending. Until it is accepted the receiving team
    reads only the reason, the child's age and province (casework.transfers.queries).

    The move itself is one field, the child's team (casework.access.services.move_case):
    every record that hangs off the case (family, interviews, doors, history, plans)
    follows it without being touched."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="transfers")
    from_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from team")
    )
    to_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to team"))
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("reason of the answer"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-proposed_at"]
        constraints = [
            choices_constraint("transfer", "status", TransferStatus),
            models.CheckConstraint(condition=~models.Q(from_team=models.F("to_team")), name="transfer_to_another_team"),
            # One pending transfer per case at a time.
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(status="pending"),
                name="transfer_one_pending_per_case",
            ),
        ]
        indexes = [models.Index(fields=["to_team", "status"], name="transfer_to_team_status")]

    def __str__(self):
        # Never the case number: __str__ reaches logs, and the receiving team reads them.
        return str(_("Transfer %(id)s") % {"id": self.pk})


# --- Case plans, partners, services and referrals (casework.plans) -------------------------


class PartnerKind(models.TextChoices):
    SCHOOL = "school", _("School")
    CLINIC = "clinic", _("Clinic")
    LEGAL_AID = "legal_aid", _("Legal aid")
    SHELTER = "shelter", _("Shelter or church")
    OTHER = "other", _("Other")


class Partner(models.Model):
    """An organisation a team works with: a school, a clinic, a legal-aid office, a church
    shelter. Each team keeps its own list; another team's partners are invisible to it.
    The contact (a person, a telephone) is for the team only and never printed on a slip."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="partners", verbose_name=_("team"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    # One of families.models.Province (the models import only the kernel): the form offers
    # those choices and casework.plans.services refuses any other value.
    province = models.CharField(_("province"), max_length=20)
    county = models.CharField(_("county"), max_length=100, blank=True)
    contact = models.CharField(_("contact (kept for the team only)"), max_length=300, blank=True)
    active = models.BooleanField(_("still working with us"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [choices_constraint("partner", "kind", PartnerKind)]

    def __str__(self):
        return self.name


class GoalArea(models.TextChoices):
    """What a goal (or a referral) is about: one of the four doors, or the family."""

    EDUCATION = "education", _("Education")
    MEDICAL = "medical", _("Medical care")
    MARRIAGE = "marriage", _("Marriage licence")
    BANK = "bank", _("Bank account")
    FAMILY = "family", _("The family's situation")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class PlanGoal(models.Model):
    """One goal of a case's plan: what the team works towards, by when, and who answers for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="plan_goals")
    area = models.CharField(_("about"), max_length=20, choices=GoalArea.choices)
    text = models.CharField(_("goal"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = case_history()

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["status", "target_on", "created_at"]
        indexes = [models.Index(fields=["status", "target_on"], name="plan_goal_status_target")]
        constraints = [
            choices_constraint("plan_goal", "area", GoalArea),
            choices_constraint("plan_goal", "status", GoalStatus),
        ]

    def __str__(self):
        return str(_("Goal: %(area)s") % {"area": self.get_area_display()})


class ServiceKind(models.TextChoices):
    SCHOOL_FEES = "school_fees", _("School fees paid")
    SCHOOL_ENROLMENT = "school_enrolment", _("School enrolment")
    MEDICAL_VISIT = "medical_visit", _("Medical visit")
    MEDICINE = "medicine", _("Medicine")
    LEGAL_AID = "legal_aid", _("Legal aid")
    REGISTRATION_HELP = "registration_help", _("Registration help")
    EMERGENCY_CASH = "emergency_cash", _("Emergency cash")
    OTHER = "other", _("Other")


class Service(models.Model):
    """A service given on a case: what, when, through which partner, what it cost."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    given_on = models.DateField(_("given on"))
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="services", verbose_name=_("partner")
    )
    amount_yuan = models.DecimalField(_("amount paid (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The interview it was recorded with, if any (the same transaction).
    interview = models.ForeignKey(
        Interview, null=True, blank=True, on_delete=models.SET_NULL, related_name="services", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = case_history()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["-given_on", "-created_at"]
        constraints = [
            choices_constraint("service", "kind", ServiceKind),
            models.CheckConstraint(
                condition=models.Q(amount_yuan__isnull=True) | models.Q(amount_yuan__gt=0),
                name="service_amount_positive",
            ),
        ]

    def __str__(self):
        return str(_("Service: %(kind)s") % {"kind": self.get_kind_display()})


class ConsentMethod(models.TextChoices):
    SPOKEN = "spoken", _("Spoken")
    SIGNED = "signed", _("Signed")
    THUMBPRINT = "thumbprint", _("Thumbprint")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared, not sent")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.Model):
    """A referral of a child to a partner, for a door or a need, with what the guardian
    consented to disclose to that partner. Only the consented fields are ever printed on
    the slip; a referral without consent is sent only on a supervisor's recorded override."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner"))
    area = models.CharField(_("for"), max_length=20, choices=GoalArea.choices)
    need = models.CharField(_("the need, in a few words"), max_length=300, blank=True)
    # What the guardian agreed to disclose to this partner: nothing else is printed.
    share_name = models.BooleanField(_("the child's name"), default=False)
    share_age = models.BooleanField(_("the child's age"), default=False)
    share_door = models.BooleanField(_("the door concerned"), default=False)
    share_medical = models.BooleanField(_("medical details"), default=False)
    medical_details = models.CharField(_("medical details to disclose"), max_length=500, blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_method = models.CharField(
        _("how consent was given"), max_length=20, choices=ConsentMethod.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PREPARED
    )
    status_changed_on = models.DateField(_("status since"), default=timezone.localdate)
    override_reason = models.TextField(_("supervisor's reason to send without consent"), max_length=2000, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = case_history()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [
            choices_constraint("referral", "area", GoalArea),
            choices_constraint("referral", "status", ReferralStatus),
            choices_constraint("referral", "consent_method", ConsentMethod, allow_blank=True),
            # Sent (or beyond) only with consent recorded or a supervisor's override; a
            # referral withdrawn before it was sent needs neither.
            models.CheckConstraint(
                condition=models.Q(status__in=["prepared", "withdrawn"])
                | (models.Q(consent_given_on__isnull=False) & ~models.Q(consent_method=""))
                | (models.Q(override_by__isnull=False) & ~models.Q(override_reason="")),
                name="referral_sent_only_with_consent_or_override",
            ),
        ]

    def __str__(self):
        return str(_("Referral: %(area)s") % {"area": self.get_area_display()})

    @property
    def has_consent(self) -> bool:
        return self.consent_given_on is not None and bool(self.consent_method)

    @property
    def may_be_sent(self) -> bool:
        return self.has_consent or (self.override_by_id is not None and bool(self.override_reason))


class TimelineRow(models.Model):
    """Where a team's supervisor finds a history row in the timeline: one row per (team,
    history row the team sees today). Derived and rebuildable
    (`manage.py rebuild_timeline_index`), never audit data: the history rows themselves
    are the record, untouched (a column added to them would change every chain digest).

    Written by casework.supervision.timeline_index in the transaction that writes the
    history row, and rewritten for a case when it moves team or family, for a family's
    mother or father when they change. `folded` marks a creation written with its case's
    opening (supervision.queries._opened_with_a_child), which the timeline leaves out.
    The timeline still checks every row it reads against the team's cases of today, so a
    stale row could only hide history, never show another team's."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=16)  # a key of casework.supervision.queries.KINDS
    history_id = models.BigIntegerField()
    history_date = models.DateTimeField()
    history_user_id = models.BigIntegerField(null=True, blank=True)
    # What ties the row to the team: the case for a case's records, else the family,
    # mother, father or partner itself.
    anchor = models.UUIDField()
    folded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "kind", "history_id"], name="timeline_row_once_per_team"),
        ]
        indexes = [
            # The timeline's order (date, history id, kind; newest first), unfolded rows only.
            models.Index(
                models.F("team"),
                models.F("history_date").desc(),
                models.F("history_id").desc(),
                models.F("kind").desc(),
                condition=models.Q(folded=False),
                name="timeline_row_page",
            ),
            models.Index(fields=["kind", "anchor"], name="timeline_row_anchor"),
        ]

    def __str__(self):
        return f"{self.kind} {self.history_id} in team {self.team_id}"
