"""Frozen copies of audit code that migrations run. A migration must do tomorrow what it
did the day it was written, whatever the live code has become since: a module here is
never edited once a migration imports it. A new scheme gets a new module (chain_v3.py)
and the migration that moves to it; tests/casework/audit/test_chain_migration.py checks
that the newest frozen copy still hashes as the live code does."""
