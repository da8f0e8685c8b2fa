"""Discreet mode: whether lists and pages show case numbers instead of names, and the edit
forms that leave the names out until the user asks to see them."""

from casework.core.display import DISCREET_FIELDS
from casework.models import Preferences


def discreet(user) -> bool:
    prefs = Preferences.objects.filter(user=user).only("discreet_mode").first()
    return bool(prefs and prefs.discreet_mode)


def conceal(form) -> list[str]:
    """Take the names (and the village) out of an edit form, so that neither the page nor
    the save touches them; returns their labels, to say what is hidden. The form shown
    after a deliberate "show" keeps them (the caller does not conceal then)."""
    hidden = [name for name in form.fields if name in DISCREET_FIELDS]
    labels = [str(form.fields[name].label) for name in hidden]
    for name in hidden:
        del form.fields[name]
    return labels
