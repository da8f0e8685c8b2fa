import secrets
import uuid
from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.managers import UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.core.constraints import choices_constraint
from casework.core.history import case_history


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class LivingArrangement(models.TextChoices):
    BOTH_PARENTS = "both_parents", _("Both parents")
    MOTHER_ONLY = "mother_only", _("Mother only")
    FATHER_ONLY = "father_only", _("Father only")
    GRANDPARENTS = "grandparents", _("Grandparents")
    RELATIVES = "relatives", _("Relatives")
    OTHER = "other", _("Other")


class HukouStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("Unregistered")
    IN_PROGRESS = "in_progress", _("Registration in progress")
    REGISTERED = "registered", _("Registered")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class DocumentKind(models.TextChoices):
    EDUCATION = "education", _("Education")
    MEDICAL = "medical", _("Medical care")
    MARRIAGE = "marriage", _("Marriage licence")
    BANK = "bank", _("Bank account")


class AccessStatus(models.TextChoices):
    HAS_ACCESS = "has_access", _("Has access")
    NO_ACCESS = "no_access", _("No access")
    IN_PROGRESS = "in_progress", _("In progress")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Barrier(models.TextChoices):
    NO_HUKOU = "no_hukou", _("No household registration")
    NO_ID = "no_id", _("No identity document")
    COST = "cost", _("Cost")
    DISTANCE = "distance", _("Distance")
    DISCRIMINATION = "discrimination", _("Discrimination")
    OTHER = "other", _("Other")


# The range of a child's record key (casework.aggregates.perturbation): keys are whole
# numbers from 0 to RECORD_KEY_RANGE - 1, and a cell's key is the sum of its children's
# keys modulo this range.
RECORD_KEY_RANGE = 1000


def new_record_key() -> int:
    """A secret random record key for a new child: uniform, from the operating system's
    generator, never derived from anything about the child."""
    return secrets.randbelow(RECORD_KEY_RANGE)


class ChildManager(models.Manager):
    """Reads of children leave the record key in the database: only the aggregates' grouped
    SUM reads it there (casework.aggregates.queries), so no page, form or log can carry it."""

    def get_queryset(self):
        return super().get_queryset().defer("record_key")


class Child(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_number = models.CharField(_("case number"), max_length=20, unique=True, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year_estimated = models.BooleanField(_("birth date is an estimate"), default=False)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="children", verbose_name=_("family")
    )
    team = models.ForeignKey("casework.Team", on_delete=models.PROTECT, related_name="children", verbose_name=_("team"))
    living_arrangement = models.CharField(_("living arrangement"), max_length=20, choices=LivingArrangement.choices)
    hukou_status = models.CharField(
        _("household registration"), max_length=20, choices=HukouStatus.choices, default=HukouStatus.UNREGISTERED
    )
    case_status = models.CharField(_("case status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    consent_recorded_on = models.DateField(_("guardian's consent recorded on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The secret key of the cell-key perturbation of the anonymised aggregates. Set once
    # (children.services.open_case; the default covers any other insert), never edited,
    # never shown, never exported and left out of the history: it stays in this table,
    # read only by the grouped SUM of casework.aggregates.queries.
    record_key = models.PositiveSmallIntegerField(default=new_record_key, editable=False)

    history = case_history(excluded_fields=["record_key"])
    objects = ChildManager()

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["case_number"]
        constraints = [
            choices_constraint("child", "sex", Sex),
            choices_constraint("child", "living_arrangement", LivingArrangement),
            choices_constraint("child", "hukou_status", HukouStatus),
            choices_constraint("child", "case_status", CaseStatus),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True) | models.Q(date_of_birth__gte="1990-01-01"),
                name="child_date_of_birth_range",
            ),
        ]

    def __str__(self):
        # The case number, never the name: __str__ reaches logs, admin messages and titles.
        return self.case_number

    def get_absolute_url(self):
        return reverse("children:detail", args=[self.pk])

    @property
    def age(self) -> int | None:
        return age_in_years(self.date_of_birth, timezone.localdate())


def age_in_years(born, today) -> int | None:
    """Whole years from `born` to `today`, None without a date of birth."""
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class CaseNumberCounter(models.Model):
    """The last case serial handed out in a year: one row per year, moved on by one atomic
    upsert (children.services.next_case_number). Two caseworkers opening a case at the
    same instant queue on this row instead of racing to insert the same number, so no
    INSERT carrying a child's name ever fails on a taken number."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_serial = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("case number counter")

    def __str__(self):
        return f"{self.year}: {self.last_serial}"


class DocumentAccess(models.Model):
    """One of the four doors (school, clinic, marriage registry, bank) for one child."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="document_access")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=AccessStatus.choices, default=AccessStatus.NO_ACCESS)
    barrier = models.CharField(_("barrier"), max_length=20, choices=Barrier.choices, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    updated_on = models.DateField(_("last changed on"), default=timezone.localdate)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("document access")
        verbose_name_plural = _("document access")
        ordering = ["child", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["child", "kind"], name="document_access_one_per_child_and_kind"),
            choices_constraint("document_access", "kind", DocumentKind),
            choices_constraint("document_access", "status", AccessStatus),
            choices_constraint("document_access", "barrier", Barrier, allow_blank=True),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_status_display()}"

    @property
    def is_shut(self) -> bool:
        return self.status == AccessStatus.NO_ACCESS


# guardian's direct foreign-key permission tables: an index on the child column,
# a real foreign key (deleting a child drops its grants), and no generic object_pk text.
def grant_in_force(today) -> models.Q:
    """A grant or an assignment applies today: it has no end date, or ends after today.
    The one definition of "in force", for the gate's permission rows and for Assignment."""
    return models.Q(ends_on__isnull=True) | models.Q(ends_on__gt=today)


class GrantsInForceManager(UserObjectPermissionManager):
    """Only the grants in force today. A temporary assignment (cover during leave) keeps its
    grant rows with an `ends_on` date; from that day on they are invisible here. guardian
    reads this table through `objects` (get_objects_for_user, prefetch_perms), and so does
    the access gate, so a temporary grant lapses on its date without any scheduled job."""

    def get_queryset(self):
        today = timezone.localdate()
        return super().get_queryset().filter(grant_in_force(today))


class ChildUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)
    # The first day the grant no longer applies; empty for a grant without end.
    # Set only by casework.access.services (assign_case and friends), from the Assignment rows.
    ends_on = models.DateField(null=True, blank=True)

    objects: ClassVar[GrantsInForceManager] = GrantsInForceManager()
    # Every row, lapsed or not: for the services that rewrite or remove grants.
    all_grants = models.Manager()


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class NamedPerson(models.TextChoices):
    CHILD = "child", _("Child")
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")


class OtherName(models.Model):
    """Another name or spelling of the child, the mother or the father, as seen on a
    document (a birth certificate, a school register, the father's Chinese ID, a South
    Korean record of the mother). Kept on the case, searched like the main names."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="other_names")
    person = models.CharField(_("whose name"), max_length=10, choices=NamedPerson.choices)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    seen_in = models.CharField(_("where it was seen"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["person", "family_name", "given_name"]
        constraints = [
            choices_constraint("other_name", "person", NamedPerson),
            models.CheckConstraint(condition=~models.Q(family_name="", given_name=""), name="other_name_not_empty"),
        ]

    def __str__(self):
        # Never the name itself: __str__ reaches logs and admin messages.
        return str(_("Other name of %(person)s") % {"person": self.get_person_display()})


class NameKey(models.Model):
    """One search key of a name recorded on a case (the child's, the mother's, the
    father's, and their other names), in casework.names.readings' spaces: `s:` as written,
    `k:` the folded Korean reading, `p:` pinyin. Derived data, rewritten with the names by
    casework.names.keys (and by `manage.py rebuild_name_keys`); never shown. Search looks
    keys up by prefix: on PostgreSQL db_index adds a pattern-ops index for LIKE 'x%'
    (the duplicate check, over every case), and the index by case and key serves the case
    list, which looks keys up among the user's own cases only."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="name_keys")
    # Whose name it is: the duplicate check compares children's names with children's only.
    whose = models.CharField(max_length=10, choices=NamedPerson.choices)
    key = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "whose", "key"], name="name_key_once_per_person"),
            choices_constraint("name_key", "whose", NamedPerson),
        ]
        indexes = [
            # (case, key prefix): without it PostgreSQL intersects the case index with every
            # key of a common name (`Kim`: 170,000 of 100,000 children's) and spends 40 ms.
            models.Index(
                fields=["child", "key"], name="name_key_by_case", opclasses=["uuid_ops", "varchar_pattern_ops"]
            )
        ]

    def __str__(self):
        return str(self.child)
