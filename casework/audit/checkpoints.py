"""Signed checkpoints of the audit chains, kept where the database cannot change them.

A checkpoint records every chain's head (table, sequence number, hash, time of the row)
and is signed with an Ed25519 private key that only the checkpoint job holds. Verifying
needs only the public key. Since each row's hash covers the hash before it, a row at a
checkpointed sequence number that still has the checkpointed hash proves that nothing
up to it was changed, removed or re-hashed, even by someone who holds the chain key;
a head set back below a checkpoint is caught the same way (the row is gone).

Ed25519 comes from `cryptography` (pyca), the well-kept library Python's ecosystem
builds on for this.
"""

import base64
import binascii
import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.audit.queries import one_snapshot
from casework.audit.registry import chains
from casework.models import AuditChainHead

FORMAT = "casework-audit-checkpoint-v1"
FILE_PREFIX = "audit-checkpoint-"


class CheckpointError(Exception):
    """A key or a checkpoint file that cannot be used."""


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def new_signing_key(path: Path) -> str:
    """Write a new private key (PEM, readable by its owner only) and return the public key
    (base64), for AUDIT_CHECKPOINT_PUBLIC_KEY."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Created readable by its owner only, and never over an existing key.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(pem)
    return public_key_text(key.public_key())


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def load_signing_key(path: str | Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise CheckpointError(f"the checkpoint signing key cannot be read from {path}: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        raise CheckpointError("the checkpoint public key is not a base64 Ed25519 public key") from None


def current_heads() -> list[dict[str, Any]]:
    """Every chain's head as the database has it now; call inside queries.one_snapshot."""
    heads = dict(AuditChainHead.objects.values_list("chain", "seq"))
    hashes = dict(AuditChainHead.objects.values_list("chain", "row_hash"))
    found = []
    for chain in chains(apps):
        seq = heads.get(chain.table, 0)
        at = None
        if seq:
            row = chain.model._base_manager.filter(**{chain.seq: seq}).values_list(chain.at, flat=True).first()
            at = row.astimezone(datetime.UTC).isoformat() if row is not None else None
        found.append({"table": chain.table, "seq": seq, "hash": hashes.get(chain.table, ""), "at": at})
    return found


def write_checkpoint(directory: Path, key: Ed25519PrivateKey) -> Path:
    """Sign the current heads and write them to a new file in `directory`."""
    with one_snapshot():
        heads = current_heads()
    created = timezone.now().astimezone(datetime.UTC)
    payload = {"format": FORMAT, "created": created.isoformat(), "chains": heads}
    document = {**payload, "signature": base64.b64encode(key.sign(_canonical(payload))).decode()}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FILE_PREFIX}{created:%Y%m%dT%H%M%S%fZ}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=1) + "\n")
    partial.rename(path)  # a reader never sees half a checkpoint
    return path


@dataclass
class Checkpoint:
    path: Path
    payload: dict[str, Any]
    signature_ok: bool


@dataclass
class CheckpointSet:
    """The checkpoints of a directory, read and their signatures checked."""

    checkpoints: list[Checkpoint] = field(default_factory=list)

    @classmethod
    def read(cls, directory: Path, public_key: Ed25519PublicKey) -> "CheckpointSet":
        if not directory.is_dir():
            raise CheckpointError(f"{directory} is not a directory")
        found = cls()
        for path in sorted(directory.glob(f"{FILE_PREFIX}*.json")):
            try:
                document = json.loads(path.read_text())
                signature = base64.b64decode(document.pop("signature"), validate=True)
            except (ValueError, KeyError, TypeError, binascii.Error):
                found.checkpoints.append(Checkpoint(path, {}, False))
                continue
            try:
                public_key.verify(signature, _canonical(document))
                signature_ok = document.get("format") == FORMAT
            except InvalidSignature:
                signature_ok = False
            found.checkpoints.append(Checkpoint(path, document, signature_ok))
        return found

    def findings(self) -> list[str]:
        """What the database contradicts, one line per finding; run inside the snapshot
        the chains are checked in."""
        known = {chain.table: chain for chain in chains(apps)}
        findings = []
        for checkpoint in self.checkpoints:
            name = checkpoint.path.name
            if not checkpoint.signature_ok:
                findings.append(_("%(file)s: the signature does not verify; the file is not trusted") % {"file": name})
                continue
            for head in checkpoint.payload.get("chains", []):
                chain = known.get(head["table"])
                if chain is None:
                    findings.append(
                        _("%(file)s: the table %(table)s is no longer an audit table")
                        % {"file": name, "table": head["table"]}
                    )
                    continue
                if not head["seq"]:
                    continue
                row = chain.model._base_manager.filter(**{chain.seq: head["seq"]}).values_list("pk", chain.hash).first()
                if row is None:
                    findings.append(
                        _("%(file)s: %(table)s has no row at sequence %(seq)s any more: the chain was cut back")
                        % {"file": name, "table": chain.table, "seq": head["seq"]}
                    )
                elif row[1] != head["hash"]:
                    findings.append(
                        _(
                            "%(file)s: %(table)s row id %(id)s (seq %(seq)s) no longer has the checkpointed hash: "
                            "rows up to it were rewritten"
                        )
                        % {"file": name, "table": chain.table, "id": row[0], "seq": head["seq"]}
                    )
        return findings
