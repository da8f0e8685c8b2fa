"""What the views need to know about htmx requests."""


def is_htmx(request) -> bool:
    """True for a request htmx sent (it swaps a fragment); False for a plain page load."""
    return request.headers.get("HX-Request") == "true"
