"""Encrypted backups of the PostgreSQL database, and a restore that proves itself.

`backup` runs `pg_dump --format=custom` and pipes it straight into `age`, encrypted to
the public key in BACKUP_AGE_RECIPIENT: the plain dump never touches a disk, and the
machine that makes backups holds no key that can read them. Beside the encrypted dump it
writes a manifest (JSON, nothing identifying): the row count of every table, the access
log's last row and every audit chain's head, taken in the very snapshot pg_dump dumps
(pg_export_snapshot), and the SHA-256 of the encrypted file.

`restore` decrypts with the private key (an age identity file, kept offline) into
`pg_restore` against an empty database, then counts every table there and compares the
counts and the chain heads with the manifest, and runs `manage.py verify_audit` against
the restored database. Any difference is an error.

age (https://age-encryption.org, Debian package `age`) is used rather than code of our
own: a small, audited file format with public-key recipients, streaming, and a command
line any administrator can use by hand to read a backup when this application is gone.
"""

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

MANIFEST_VERSION = 1
ROOT = Path(__file__).resolve().parents[2]


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Where libpq connects: from a Django database settings dict."""

    name: str
    user: str
    host: str
    port: str
    password: str

    @classmethod
    def of(cls, settings_dict: dict[str, Any]) -> "Target":
        return cls(
            name=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    def args(self) -> list[str]:
        args = []
        for flag, value in (("--host", self.host), ("--port", self.port), ("--username", self.user)):
            if value:
                args += [flag, value]
        return args

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def url(self) -> str:
        # For the verify_audit subprocess; the password travels in PGPASSWORD, not here.
        netloc = f"{self.user}@" if self.user else ""
        netloc += self.host or "localhost"
        netloc += f":{self.port}" if self.port else ""
        return f"postgres://{netloc}/{self.name}"


def table_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Rows per table of the public schema, in the connection's current snapshot."""
    quote = connection.ops.quote_name
    counts = {}
    # history-safe: counts rows, writes nothing
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
    return counts


def chain_head(connection: BaseDatabaseWrapper) -> dict[str, Any] | None:
    """The access log's newest row (seq and hash), read from the log itself."""
    # history-safe: reads the access log's tail, writes nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, row_hash FROM casework_accesslog ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return {"seq": row[0], "hash": row[1]} if row else None


def chain_heads(connection: BaseDatabaseWrapper) -> dict[str, dict[str, Any]]:
    """Every audit chain's head (casework_auditchainhead): its sequence number and hash."""
    # history-safe: reads the chains' heads, writes nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT chain, seq, row_hash FROM casework_auditchainhead ORDER BY chain")
        return {chain: {"seq": seq, "hash": row_hash} for chain, seq, row_hash in cursor.fetchall()}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run_pipeline(first: list[str], second: list[str], *, env: dict[str, str]) -> None:
    """`first | second`, failing if either fails; their error output is passed on."""
    with subprocess.Popen(first, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as producer:
        consumer = subprocess.run(second, stdin=producer.stdout, capture_output=True, env=env, check=False)
        assert producer.stdout is not None
        producer.stdout.close()
        producer_err = producer.stderr.read() if producer.stderr else b""
        producer.wait()
    if producer.returncode != 0:
        raise BackupError(f"{first[0]} failed: {producer_err.decode(errors='replace').strip()}")
    if consumer.returncode != 0:
        raise BackupError(f"{second[0]} failed: {consumer.stderr.decode(errors='replace').strip()}")


def backup(connection: BaseDatabaseWrapper, *, recipient: str, directory: Path) -> tuple[Path, Path]:
    """Dump, encrypt and describe the database `connection` points at; returns the
    encrypted dump's path and the manifest's."""
    if connection.vendor != "postgresql":
        raise BackupError("Backups are made of PostgreSQL databases only.")
    if not recipient.startswith("age1"):
        raise BackupError("BACKUP_AGE_RECIPIENT must be an age public key (age1...).")
    target = Target.of(connection.settings_dict)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    dump = directory / f"casework-{stamp}.dump.age"
    manifest_path = directory / f"casework-{stamp}.manifest.json"
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    # One snapshot for the counts and for pg_dump: the manifest describes exactly the dump.
    previous_autocommit = connection.get_autocommit()
    connection.set_autocommit(False)
    try:
        # history-safe: sets the transaction's isolation and exports its snapshot, writes nothing
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = table_counts(connection)
        head = chain_head(connection)
        heads = chain_heads(connection)
        _run_pipeline(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges", *target.args()]
            + [target.name],
            ["age", "--encrypt", "--recipient", recipient, "--output", str(dump)],
            env=target.env(),
        )
    finally:
        connection.rollback()
        connection.set_autocommit(previous_autocommit)
    manifest = {
        "format": MANIFEST_VERSION,
        "created_at": timezone.now().isoformat(),
        "dump": dump.name,
        "dump_sha256": sha256(dump),
        "tables": counts,
        "access_log_head": head,
        "chain_heads": heads,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return dump, manifest_path


def restore(
    dump: Path, *, manifest_path: Path, identity: Path, target_settings: dict[str, Any], target: BaseDatabaseWrapper
) -> list[str]:
    """Restore `dump` into the empty database `target` and prove it; returns what was
    checked, raises BackupError on the first difference."""
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != MANIFEST_VERSION:
        raise BackupError(f"Unknown manifest format {manifest.get('format')!r}.")
    if sha256(dump) != manifest["dump_sha256"]:
        raise BackupError("The dump's SHA-256 differs from the manifest: it is not the file that was made.")
    if target.introspection.table_names():
        raise BackupError(f"The database {target.settings_dict['NAME']} is not empty: restore only into an empty one.")
    libpq = Target.of(target_settings)
    _run_pipeline(
        ["age", "--decrypt", "--identity", str(identity), str(dump)],
        ["pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname", libpq.name, *libpq.args()],
        env=libpq.env(),
    )
    checked = []
    counts = table_counts(target)
    if counts != manifest["tables"]:
        differences = sorted(
            f"{table}: {manifest['tables'].get(table)} in the manifest, {counts.get(table)} restored"
            for table in set(counts) | set(manifest["tables"])
            if counts.get(table) != manifest["tables"].get(table)
        )
        raise BackupError("Row counts differ: " + "; ".join(differences))
    checked.append(f"{len(counts)} tables, {sum(counts.values())} rows, as in the manifest")
    if chain_head(target) != manifest["access_log_head"]:
        raise BackupError("The restored access log does not end at the chain head in the manifest.")
    checked.append(f"access log ends at the manifest's head {manifest['access_log_head']}")
    if "chain_heads" in manifest:  # manifests written before every head was recorded lack it
        restored = chain_heads(target)
        if restored != manifest["chain_heads"]:
            differing = sorted(
                table
                for table in set(restored) | set(manifest["chain_heads"])
                if restored.get(table) != manifest["chain_heads"].get(table)
            )
            raise BackupError("The restored chain heads differ from the manifest: " + ", ".join(differing))
        checked.append(f"{len(restored)} chain heads as in the manifest")
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=ROOT,
        env={**libpq.env(), "DATABASE_URL": libpq.url()},
        capture_output=True,
        text=True,
        check=False,
    )
    if verified.returncode != 0:
        raise BackupError(f"verify_audit failed on the restored database: {verified.stderr.strip()}")
    # verify_audit ends with its verdict for the whole trail.
    checked.append(verified.stdout.strip().splitlines()[-1] if verified.stdout.strip() else "verify_audit passed")
    return checked
