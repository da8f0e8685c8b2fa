"""The access log's hash chain: how one row's hash is computed from its content and the
previous row's hash. The writer (services) and the checker (queries) both use this."""

import datetime
import hashlib
import json
import math
from typing import TypeAlias

from casework.models import AccessLog

# What stable_json gives back: JSON with no floats (they become strings).
StableJson: TypeAlias = dict[str, "StableJson"] | list["StableJson"] | str | int | bool | None

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "address",
    "detail",
    "prev_hash",
)


def stable_json(value: object) -> StableJson:
    """Detail as it reads back from every backend: floats become strings (jsonb and
    JSON text disagree on how to write some of them), keys become strings."""
    if isinstance(value, dict):
        return {str(key): stable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stable_json(item) for item in value]
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _timestamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_digest(row: AccessLog) -> str:
    """SHA-256 over the canonical JSON of the row's content and the previous row's hash."""
    content = {name: getattr(row, name) for name in HASHED_FIELDS}
    content["at"] = _timestamp(row.at)
    content["user_id"] = None if row.user_id is None else int(row.user_id)
    content["address"] = row.address or None
    content["detail"] = stable_json(row.detail)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(b"casework-access-log-v1\n" + canonical.encode()).hexdigest()
