"""What the views need to know about htmx requests."""


def is_htmx(request) -> bool:
    """True for a request htmx sent (it swaps a fragment); False for a plain page load."""
    return request.headers.get("HX-Request") == "true"


def refused_status(*, conflict: bool = False, invalid: bool = False) -> int:
    """The status of a form sent back instead of saved, with or without htmx: 409 when
    someone else saved the record first, 422 when a field is wrong, 200 when the form is
    only shown. htmx swaps 409 and 422 in place like any answer (the htmx-config meta in
    base.html), so the conflict table or the field errors appear where the form was."""
    if conflict:
        return 409
    return 422 if invalid else 200
