"""The access log writer: every case page, list, search and export, and every denied attempt."""

from django.conf import settings

from casework.models import AccessAction, AccessLog


def client_address(request) -> str | None:
    """REMOTE_ADDR, or the address a trusted reverse proxy reports (TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address


def log_access(
    *, user, action: str, object_type: str = "", object_id="", request=None, detail: dict | None = None
) -> AccessLog:
    """Append one access-log row. `detail` holds parameters (filters, counts), never case content."""
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")
    authenticated = getattr(user, "is_authenticated", False)
    return AccessLog.objects.create(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        address=client_address(request),
        detail=detail or {},
    )
