"""Synthetic power-law interactions for the scale benchmarks (not a test fixture).

Film popularity is Zipf-like (``rank ** -0.9``), user activity log-normal, so a few films
take most views and most users watch a handful, as on a platform. Drawn with numpy from a
seed; (user, film) repeats are merged, so the event count comes out slightly under target.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

SIZES = {
    "100k": (100_000, 10_000, 2_000_000),
    "300k": (300_000, 30_000, 6_000_000),
    "1m": (1_000_000, 50_000, 20_000_000),
}


def power_law(n_users: int, n_items: int, n_events: int, seed: int = 0) -> sp.csr_array:
    """A users x items 0/1 CSR (float32, int32 indices) of about `n_events` entries."""
    rng = np.random.default_rng(seed)
    act = rng.lognormal(0.0, 1.0, n_users)
    act = np.maximum(1, np.round(act / act.sum() * n_events)).astype(np.int64)
    users = np.repeat(np.arange(n_users, dtype=np.int64), act)
    p = np.arange(1, n_items + 1, dtype=np.float64) ** -0.9
    p /= p.sum()
    perm = rng.permutation(n_items)
    items = perm[rng.choice(n_items, size=users.size, p=p)]
    X = sp.csr_array(
        (np.ones(users.size, dtype=np.float32), (users, items)), shape=(n_users, n_items)
    )
    X.sum_duplicates()
    X.data[:] = 1.0
    return X
