"""Log formatting that keeps case data out of the logs.

- An exception is logged as its type and its stack of code locations only: the message of
  a database error can carry the values of a row ("Key (given_name)=(...)"), and a log
  file outlives every access rule of the application (AU-4).
- Carriage returns and line feeds in a message are escaped, so text a user typed cannot
  forge a log line of its own (AU-5).
"""

import logging
import traceback


class SafeFormatter(logging.Formatter):
    def formatMessage(self, record):  # noqa: N802  (logging's own name)
        return super().formatMessage(record).replace("\r", "\\r").replace("\n", "\\n")

    def formatException(self, exc_info):  # noqa: N802
        exc_type, _value, tb = exc_info
        frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
        name = f"{exc_type.__module__}.{exc_type.__qualname__}"
        return f"Traceback (most recent call last):\n{frames}{name} (message withheld)"
