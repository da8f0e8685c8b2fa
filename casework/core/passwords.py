"""The password hasher: Argon2id sized for our machines.

Django's default Argon2 parameters take 100 MiB and eight lanes per hash, over a second on
the 2-core server while other work runs, and a flood of logins would hold that memory per
worker. OWASP's minimum for Argon2id (19 MiB, two passes, one lane) costs a fraction of
that and still makes an offline guess expensive. Hashes made with other parameters are
rewritten with these at the user's next login (Django compares them in must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CaseworkArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
