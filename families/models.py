import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.core.constraints import choices_constraint, year_range_constraint
from casework.core.history import case_history

# Years a person in this caseload can plausibly have been born or arrived;
# the forms narrow this further (nothing in the future).
EARLIEST_YEAR = 1930
LATEST_YEAR = 2100


class Province(models.TextChoices):
    JILIN = "jilin", _("Jilin")
    LIAONING = "liaoning", _("Liaoning")
    HEILONGJIANG = "heilongjiang", _("Heilongjiang")
    OTHER = "other", _("Other")


class MotherStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    REPATRIATED = "repatriated", _("Forcibly repatriated")
    RAN_AWAY = "ran_away", _("Ran away")
    UNKNOWN = "unknown", _("Unknown")


class Whereabouts(models.TextChoices):
    CHINA = "china", _("China")
    NORTH_KOREA = "north_korea", _("North Korea")
    SOUTH_KOREA = "south_korea", _("South Korea")
    THIRD_COUNTRY = "third_country", _("Third country")
    UNKNOWN = "unknown", _("Unknown")


class Mother(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    origin_province = models.CharField(_("province of origin (North Korea)"), max_length=100, blank=True)
    arrived_china_year = models.PositiveSmallIntegerField(_("year arrived in China"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MotherStatus.choices, default=MotherStatus.UNKNOWN)
    status_changed_on = models.DateField(_("status since"), null=True, blank=True)
    whereabouts = models.CharField(
        _("whereabouts"), max_length=20, choices=Whereabouts.choices, default=Whereabouts.UNKNOWN
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("mother")
        verbose_name_plural = _("mothers")
        constraints = [
            choices_constraint("mother", "status", MotherStatus),
            choices_constraint("mother", "whereabouts", Whereabouts),
            year_range_constraint("mother", "birth_year", EARLIEST_YEAR, LATEST_YEAR),
            year_range_constraint("mother", "arrived_china_year", EARLIEST_YEAR, LATEST_YEAR),
        ]

    def __str__(self):
        return str(_("Mother"))


class Father(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    hukou_county = models.CharField(_("county of household registration"), max_length=100, blank=True)
    present = models.BooleanField(_("lives with the child"), default=False)
    supports_registration = models.BooleanField(_("supports the child's registration"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = case_history()

    class Meta:
        verbose_name = _("father")
        verbose_name_plural = _("fathers")
        constraints = [year_range_constraint("father", "birth_year", EARLIEST_YEAR, LATEST_YEAR)]

    def __str__(self):
        return str(_("Father"))


class Family(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mother = models.ForeignKey(
        Mother, null=True, blank=True, on_delete=models.PROTECT, related_name="families", verbose_name=_("mother")
    )
    father = models.ForeignKey(
        Father, null=True, blank=True, on_delete=models.PROTECT, related_name="families", verbose_name=_("father")
    )
    province = models.CharField(_("province"), max_length=20, choices=Province.choices)
    county = models.CharField(_("county"), max_length=100, blank=True)
    village = models.CharField(_("village"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = case_history()

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        constraints = [choices_constraint("family", "province", Province)]

    def __str__(self):
        # Never the village or names: __str__ ends up in logs and admin messages.
        return str(_("Family in %(province)s") % {"province": self.get_province_display()})
