"""Where a login sends the user back to: a path on this site, never its query string.

The query string of a page can hold search words, and search words are often a name. The
login redirect's `next` passes through the address bar, the browser history, the login
page and django-axes' record of failed attempts, so only the path travels."""

from urllib.parse import urlsplit


def path_only(url: str) -> str:
    """The path of `url`, without scheme, host, query or fragment ("" for no path, or for
    one a browser would read as another host: "//host/..." and "/\\host/...")."""
    path = urlsplit(url or "").path
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        return ""
    return path
