"""The base of casework's management commands: they speak the operator's language.

A person at a console says their language the way every command-line tool reads it: the
environment's LANGUAGE, LC_ALL, LC_MESSAGES or LANG (`LANG=ko_KR.UTF-8 python manage.py
verify_audit`), in GNU gettext's order. When that names one of the interface's languages,
the command's messages, help and errors are in it; otherwise in English. Machine output
(a CSV or JSON export, a public key, a path) is never translated."""

import os
from collections.abc import Mapping

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.functional import Promise


def operator_language(environ: Mapping[str, str] = os.environ) -> str:
    """The interface language the environment asks for, or LANGUAGE_CODE."""
    supported = {code.lower() for code, _name in settings.LANGUAGES}
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        # LANGUAGE may list several (`ko:en`); a locale reads `ko_KR.UTF-8` or `zh_CN@pinyin`.
        for entry in value.split(":"):
            locale = entry.split(".")[0].split("@")[0].replace("_", "-").lower()
            if not locale or locale in ("c", "posix"):
                continue
            if locale.startswith("zh"):
                # Only Simplified Chinese is translated; its readers are mainland Chinese.
                return "zh-hans"
            base = locale.split("-")[0]
            if locale in supported:
                return locale
            if base in supported:
                return base
        if value:
            break  # the first variable that is set decides, as in gettext
    return settings.LANGUAGE_CODE


class TranslatedCommand(BaseCommand):
    """A command whose messages are in the operator's language (operator_language):
    from the console (help and errors included) and from call_command alike."""

    # A lazy translation, made a str by create_parser once the language is chosen.
    help: str | Promise = ""  # type: ignore[assignment]

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse wraps the description as a str, not a lazy text
        return super().create_parser(prog_name, subcommand, **kwargs)

    def run_from_argv(self, argv):
        with translation.override(operator_language()):
            super().run_from_argv(argv)

    def execute(self, *args, **options):
        with translation.override(operator_language()):
            return super().execute(*args, **options)
