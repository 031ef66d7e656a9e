"""Privacy for partner data: keyed pseudonyms, joins, protected aggregates and erasure.

A film platform and a partner (e-commerce, games) want to learn from their shared
users without handing each other raw user ids.

- :class:`Pseudonymizer` — HMAC-SHA-256 of each user id under a secret key agreed for
  one collaboration (:func:`new_key`); :meth:`~Pseudonymizer.pseudonymize_interactions`
  replaces the user ids of an :class:`~filmreco.data.Interactions` (item ids kept) and
  stamps the result with the key's fingerprint; :meth:`~Pseudonymizer.table` keeps the
  raw id <-> pseudonym table that stays with the data owner;
- :func:`join` — two partners' pseudonymised interactions on a common user index
  (refused when the files were made with different keys or id types);
- :func:`audience_overlap`, :func:`item_audience` — counts to share, with a minimum group
  size (smaller counts are *suppressed*, not reported as 0) and optional Laplace noise;
- :func:`forget_user` / :func:`forget_users` — erasure from models, the social graph,
  profiles and pseudonym tables.

Threat model, plainly
---------------------
*Pseudonyms are not anonymity.* Anyone holding the collaboration key can compute the
pseudonym of any id they can guess and so confirm whether that person is in a file:
phone numbers, e-mail addresses and sequential account numbers are enumerable, so a
partner with the key can re-identify essentially every pseudonym by brute force. The
key protects the ids only from parties *without* it (a leaked file, a processor, a third
party). Keep the key out of shared files and storage, use a fresh key per collaboration
(so pseudonyms cannot be linked across collaborations), and share pseudonymised
*interactions* only with partners entitled to the personal data under the applicable law.
Pseudonymised data remain personal data.

Aggregates with a minimum group size hide small groups but are not private on their
own: two overlapping queries can be subtracted to reveal a single user. Laplace noise
with scale ``sensitivity / epsilon`` gives epsilon-differential privacy *per released
table*; every further table spends more (privacy losses add up), and a user counted in
``m`` cells of one table (e.g. :func:`item_audience`) is covered with ``sensitivity = m``
only if contributions are capped at ``m`` (``max_items_per_user``). The noise is drawn
from the operating system's entropy (:mod:`secrets`); a ``random_state`` makes it
reproducible and is for tests only (it warns with :class:`PrivacyWarning`).
"""

from ._counts import SharedCounts, audience_overlap, item_audience
from ._forget import ForgetReport, forget_user, forget_users
from ._pseudonym import (
    KeyMismatchError,
    PrivacyWarning,
    Pseudonymized,
    Pseudonymizer,
    PseudonymTable,
    join,
    new_key,
)

__all__ = [
    "ForgetReport",
    "KeyMismatchError",
    "PrivacyWarning",
    "PseudonymTable",
    "Pseudonymized",
    "Pseudonymizer",
    "SharedCounts",
    "audience_overlap",
    "forget_user",
    "forget_users",
    "item_audience",
    "join",
    "new_key",
]
