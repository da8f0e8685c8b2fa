"""Log formatting that keeps case data out of the logs.

- An exception is logged as its type and its stack of code locations only: the message of
  a database error can carry the values of a row ("Key (given_name)=(...)"), and a log
  file outlives every access rule of the application (AU-4).
- Carriage returns and line feeds in a message are escaped, so text a user typed cannot
  forge a log line of its own (AU-5).
"""

import logging
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logging import _SysExcInfoType  # typeshed's name for an exc_info tuple


class SafeFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  (logging's own name)
        return super().formatMessage(record).replace("\r", "\\r").replace("\n", "\\n")

    def formatException(self, exc_info: "_SysExcInfoType") -> str:  # noqa: N802
        exc_type, _value, tb = exc_info
        if exc_type is None:
            # logger.exception outside an except block: there is nothing to show, and raising
            # here would make logging print the raw record (message, arguments) to stderr.
            return "(no exception)"
        frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
        name = f"{exc_type.__module__}.{exc_type.__qualname__}"
        return f"Traceback (most recent call last):\n{frames}{name} (message withheld)"
