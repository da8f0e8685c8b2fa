"""Discreet mode: whether lists and pages show case numbers instead of names."""

from casework.models import Preferences


def discreet(user) -> bool:
    prefs = Preferences.objects.filter(user=user).only("discreet_mode").first()
    return bool(prefs and prefs.discreet_mode)
