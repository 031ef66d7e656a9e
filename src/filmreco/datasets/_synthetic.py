"""A small, coherent synthetic film world: catalogue, tastes, interactions, social graph.

Users are ``"u0001"``, ``"u0002"``, ... and items ``"m0001"``, ... (zero-padded to at least
four digits, numbered from 1). The same user ids, in the same order, index the rows of the
interactions and the nodes of the social graph.

How the world is drawn (all with numpy, from one seed):

1. Every genre and tag gets a latent taste vector; a tag's vector leans towards the genres
   it usually comes with. An item's factors are the mean vector of its genres plus that of
   its tags plus noise, so its content predicts who likes it.
2. Users fall into communities (about one per 50 users). A community likes one or two
   genres and a tag or two; a user's factors are the community centroid plus noise.
3. Each user watches a log-normal number of films (mean ``density * n_items``, at least
   two), drawn without replacement with probability proportional to
   ``exp(6 * cos(user, item)) * rank ** -popularity_exponent`` (Gumbel top-k sampling),
   where ``rank`` is the item's place in a random Zipf popularity order.
4. Friendships follow a Chung-Lu model with communities: endpoints are drawn in
   proportion to a Pareto "sociability" weight (so degrees are heavy-tailed), and with
   probability `homophily` the second endpoint comes from the first one's community.
"""

from __future__ import annotations

import logging
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_int, check_probability, check_random_state, check_real
from ..data import Catalog, EdgeList, Interactions
from ..exceptions import InputError
from ..sparse import IdMap
from . import _vocab as V
from ._filmtext import compose_catalog

__all__ = ["load_sample", "make_synthetic"]

logger = logging.getLogger("filmreco")

_T0 = 1672531200.0  # 2023-01-01T00:00:00Z
_T1 = 1735689600.0  # 2025-01-01T00:00:00Z
_YEAR_2023, _YEAR_2024 = 1672531200.0, 1704067200.0  # release dates used as lower bounds
_TASTE = 6.0  # strength of taste against popularity in the choice of films
_SAMPLE_SEED = 20261129

_GENRES = tuple(V.GENRES)
_TAGS = tuple(V.TAGS)
_REGIONS = tuple(V.REGIONS)


def _unit(X: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(X, axis=-1, keepdims=True)
    return X / np.maximum(norm, 1e-12)


def _ranked_choice(logits: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per row, columns in the order a draw without replacement ∝ exp(logits) picks them.

    Row ``i``'s sample of size ``k[i]`` is ``order[i, :k[i]]`` (Gumbel top-k trick).
    """
    keys = logits + rng.gumbel(size=logits.shape)
    return np.argsort(-keys, axis=1, kind="stable")


def _incidence(order: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Boolean rows × columns matrix marking the first ``k[i]`` entries of ``order[i]``."""
    mask = np.arange(order.shape[1]) < k[:, None]
    out = np.zeros(order.shape, dtype=bool)
    out[np.nonzero(mask)[0], order[mask]] = True
    return out


def _ids(prefix: str, n: int) -> np.ndarray:
    width = max(4, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)])


# catalogue ------------------------------------------------------------------------------
def _catalog_structure(n_items: int, rng: np.random.Generator) -> dict[str, Any]:
    """Regions, genres, tags, years and sequel links of every item (numbers only)."""
    r_weight = np.array([V.REGIONS[r][0] for r in _REGIONS], dtype=float)
    region = rng.choice(len(_REGIONS), size=n_items, p=r_weight / r_weight.sum())
    lean = np.array([[g in V.REGIONS[r][2] for g in _GENRES] for r in _REGIONS])
    g_logits = np.log(np.array([V.GENRES[g] for g in _GENRES]))[None, :] + 1.2 * lean[region]
    n_genres = rng.choice(np.array([1, 2, 3]), size=n_items, p=[0.35, 0.45, 0.2])
    g_order = _ranked_choice(g_logits, n_genres, rng)
    has_genre = _incidence(g_order, n_genres)
    tag_genre = np.array([[g in V.TAGS[t] for t in _TAGS] for g in _GENRES], dtype=float)
    t_logits = 3.5 * np.minimum(has_genre @ tag_genre, 1.0)
    n_tags = rng.integers(2, 6, size=n_items)
    t_order = _ranked_choice(t_logits, n_tags, rng)
    year = 1980 + np.floor(45 * rng.beta(2.0, 1.0, size=n_items)).astype(np.int64)
    # sequels: an item copies region/genres/tags of an earlier original, a few years later
    root = np.full(n_items, -1, dtype=np.int64)
    is_sequel = (rng.random(n_items) < 0.07) & (np.arange(n_items) >= 5)
    pick = rng.random(n_items)
    gap = rng.integers(1, 5, size=n_items)
    for i in np.flatnonzero(is_sequel):  # few items; each root precedes its sequel
        r = int(pick[i] * i)
        r = r if root[r] < 0 else int(root[r])
        root[i] = r
        region[i], g_order[i], n_genres[i] = region[r], g_order[r], n_genres[r]
        t_order[i], n_tags[i] = t_order[r], n_tags[r]
        year[i] = min(2024, max(year[i], year[r] + gap[i]))
    return {
        "region": region,
        "g_order": g_order,
        "n_genres": n_genres,
        "t_order": t_order,
        "n_tags": n_tags,
        "year": year,
        "root": root,
    }


def _catalog_records(items: np.ndarray, s: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    genres = [[_GENRES[j] for j in s["g_order"][i, : s["n_genres"][i]]] for i in range(items.size)]
    tags = [[_TAGS[j] for j in s["t_order"][i, : s["n_tags"][i]]] for i in range(items.size)]
    regions = [_REGIONS[j] for j in s["region"]]
    return compose_catalog(items.tolist(), regions, genres, tags, s["year"], s["root"], seed)


# tastes ---------------------------------------------------------------------------------
def _latent_vocab(k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    genre_vec = _unit(rng.standard_normal((len(_GENRES), k)))
    tag_genre = np.array([[g in V.TAGS[t] for g in _GENRES] for t in _TAGS], dtype=float)
    lean = _unit(tag_genre @ genre_vec)
    tag_vec = _unit(lean + 0.8 * _unit(rng.standard_normal((len(_TAGS), k))))
    return genre_vec, tag_vec


def _item_factors(
    s: dict[str, Any], genre_vec: np.ndarray, tag_vec: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    g = _incidence(s["g_order"], s["n_genres"]).astype(float)
    t = _incidence(s["t_order"], s["n_tags"]).astype(float)
    content = _unit(g @ genre_vec) + 0.7 * _unit(t @ tag_vec)
    noise = _unit(rng.standard_normal(content.shape))
    return _unit(_unit(content) + 0.5 * noise)


def _communities(n_users: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Community of each user: about 50 users each, at least two per community."""
    n_comm = int(min(max(1, round(n_users / 50)), max(1, n_users // 2)))
    share = rng.dirichlet(np.full(n_comm, 8.0))
    base = min(2, n_users // n_comm)
    sizes = base + rng.multinomial(n_users - base * n_comm, share)
    return rng.permutation(np.repeat(np.arange(n_comm), sizes)), n_comm


def _user_factors(
    comm: np.ndarray,
    n_comm: int,
    genre_vec: np.ndarray,
    tag_vec: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    g_w = np.array([V.GENRES[g] for g in _GENRES])
    n_g = rng.integers(1, 3, size=n_comm)
    g_order = _ranked_choice(np.broadcast_to(np.log(g_w), (n_comm, g_w.size)), n_g, rng)
    n_t = rng.integers(1, 3, size=n_comm)
    t_order = _ranked_choice(np.zeros((n_comm, len(_TAGS))), n_t, rng)
    g = _incidence(g_order, n_g).astype(float)
    t = _incidence(t_order, n_t).astype(float)
    centroid = _unit(_unit(g @ genre_vec) + 0.7 * _unit(t @ tag_vec))
    noise = _unit(rng.standard_normal((comm.size, genre_vec.shape[1])))
    return _unit(centroid[comm] + 0.6 * noise)


# interactions ---------------------------------------------------------------------------
def _sample_interactions(
    U: np.ndarray,
    item_f: np.ndarray,
    log_pop: np.ndarray,
    n_per_user: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and affinities of each user's films, drawn without replacement.

    Each user takes the films with the largest ``log weight - log(E)``, ``E ~ Exp(1)``
    (``-log E`` is Gumbel-distributed: the Gumbel top-k trick). Users are handled in
    blocks of similar activity, so a block only sorts about as many films as it needs.
    """
    n_users, n_items = U.shape[0], item_f.shape[0]
    step = max(1, 2_000_000 // n_items)
    by_activity = np.argsort(n_per_user, kind="stable")
    rows, cols, aff = [], [], []
    for start in range(0, n_users, step):  # blocks of users bound the memory
        users = by_activity[start : start + step]
        scores = U[users] @ item_f.T
        noise = rng.standard_exponential(size=scores.shape, dtype=np.float32)
        keys = _TASTE * scores + log_pop - np.log(np.maximum(noise, np.float32(1e-30)))
        k = n_per_user[users]
        kmax = int(k[-1])
        if kmax < n_items:
            part = np.argpartition(-keys, kmax - 1, axis=1)[:, :kmax]
        else:
            part = np.broadcast_to(np.arange(n_items), keys.shape)
        ranked = np.argsort(-np.take_along_axis(keys, part, axis=1), axis=1)
        top = np.take_along_axis(part, ranked, axis=1)
        r, c = np.nonzero(np.arange(kmax) < k[:, None])
        rows.append(users[r])
        cols.append(top[r, c])
        aff.append(scores[r, top[r, c]])
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(aff)


def _ratings(affinity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer stars 1-5, higher for closer tastes (mean about 3.5)."""
    z = (affinity - affinity.mean()) / max(float(affinity.std()), 1e-9)
    stars = np.rint(3.5 + 1.1 * z + 0.7 * rng.standard_normal(affinity.size))
    return np.clip(stars, 1, 5).astype(np.float32)


def _timestamps(
    rows: np.ndarray, year: np.ndarray, n_users: int, rng: np.random.Generator
) -> np.ndarray:
    """Epoch seconds in 2023-2024: each user is active in a window; no film before release."""
    span = (_T1 - _T0) * rng.uniform(0.1, 1.0, size=n_users)
    start = _T0 + rng.random(n_users) * (_T1 - _T0 - span)
    t = start[rows] + span[rows] * rng.random(rows.size)
    release = np.where(year >= 2024, _YEAR_2024, np.where(year >= 2023, _YEAR_2023, 0.0))
    late = t < release
    t[late] = release[late] + rng.random(int(late.sum())) * (_T1 - release[late])
    return np.floor(t)


# social graph ---------------------------------------------------------------------------
def _social_graph(
    comm: np.ndarray,
    n_comm: int,
    n_edges: int,
    homophily: float,
    directed: bool,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct edges (no self-loops) of a Chung-Lu graph with communities."""
    n = comm.size
    weight = rng.pareto(2.0, size=n) + 1.0
    order = np.argsort(comm, kind="stable")  # users grouped by community
    cw = np.cumsum(weight[order])
    starts = np.searchsorted(comm[order], np.arange(n_comm))
    ends = np.append(starts[1:], n)
    lo = np.concatenate([[0.0], cw])[starts]
    hi = cw[ends - 1]

    def draw(c: np.ndarray | None, size: int) -> np.ndarray:
        if c is None:
            pos = np.searchsorted(cw, rng.random(size) * cw[-1], side="right")
            return order[np.minimum(pos, n - 1)]
        pos = np.searchsorted(cw, lo[c] + rng.random(size) * (hi[c] - lo[c]), side="right")
        return order[np.clip(pos, starts[c], ends[c] - 1)]

    codes = np.zeros(0, dtype=np.int64)
    for _ in range(60):
        need = n_edges - codes.size
        if need <= 0:
            break
        size = int(1.3 * need) + 16
        src = draw(None, size)
        tgt = np.where(rng.random(size) < homophily, draw(comm[src], size), draw(None, size))
        keep = src != tgt
        src, tgt = src[keep], tgt[keep]
        if not directed:
            src, tgt = np.minimum(src, tgt), np.maximum(src, tgt)
        both = np.concatenate([codes, src.astype(np.int64) * n + tgt])
        first = np.unique(both, return_index=True)[1]
        codes = both[np.sort(first)][:n_edges]  # keeps the order edges were first drawn in
    if codes.size < n_edges:
        logger.info("make_synthetic: drew %d of %d requested edges", codes.size, n_edges)
    return codes // n, codes % n


# partner domain -------------------------------------------------------------------------
def _partner_arrays(
    user_f: np.ndarray,
    n_items: int,
    overlap: float,
    extra_users: int,
    density: float,
    correlation: float,
    popularity_exponent: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """A partner domain (e.g. e-commerce) whose choices follow the same user tastes.

    Each film user is on the partner side with probability `overlap`; `extra_users`
    partner-only users get tastes near a random film user's. A user's partner taste is
    ``correlation * taste + sqrt(1 - correlation**2) * noise`` (unit vectors), so the
    partner history predicts the film tastes as strongly as `correlation` says.
    """
    n_users, k = user_f.shape
    shared = np.flatnonzero(rng.random(n_users) < overlap)
    near = user_f[rng.integers(0, n_users, size=extra_users)]
    extra_f = _unit(near + 0.6 * _unit(rng.standard_normal((extra_users, k))))
    base = np.concatenate([user_f[shared], extra_f])
    noise = _unit(rng.standard_normal(base.shape))
    taste = _unit(correlation * base + np.sqrt(max(0.0, 1.0 - correlation**2)) * noise)
    item_f = _unit(rng.standard_normal((n_items, k)))
    log_pop = -popularity_exponent * np.log(rng.permutation(n_items) + 1.0)
    sigma = 0.8 * (1.0 - density) + 0.05
    n_per = np.rint(density * n_items * rng.lognormal(-(sigma**2) / 2, sigma, size=base.shape[0]))
    n_per = np.clip(n_per, min(2, n_items), n_items).astype(np.int64)
    if base.shape[0] == 0:
        rows = cols = np.zeros(0, dtype=np.int64)
    else:
        rows, cols, _ = _sample_interactions(
            taste.astype(np.float32), item_f.astype(np.float32), log_pop.astype(np.float32),
            n_per, rng,
        )  # fmt: skip
    width = max(4, len(str(n_users + extra_users)))
    extra_ids = np.array([f"u{i:0{width}d}" for i in range(n_users + 1, n_users + extra_users + 1)])
    return {
        "shared": shared,
        "extra_ids": extra_ids,
        "rows": rows,
        "cols": cols,
        "items": _ids("p", n_items),
        "item_factors": item_f.astype(np.float32),
    }


# public ---------------------------------------------------------------------------------
def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, got {value!r} ({type(value).__name__}).")
    return bool(value)


def _world_arrays(
    n_users: int,
    n_items: int,
    n_factors: int,
    density: float,
    popularity_exponent: float,
    homophily: float,
    avg_degree: float,
    directed: bool,
    with_ratings: bool,
    with_timestamps: bool,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Everything make_synthetic returns, as plain arrays and records (indices, not ids)."""
    # one child seed per part, so e.g. with_ratings leaves the graph and catalogue unchanged
    seeds = rng.integers(0, 2**63 - 1, size=8)
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    structure = _catalog_structure(n_items, rngs[0])
    items = _ids("m", n_items)
    records = _catalog_records(items, structure, int(seeds[1]))
    genre_vec, tag_vec = _latent_vocab(n_factors, rngs[2])
    item_f = _item_factors(structure, genre_vec, tag_vec, rngs[2])
    comm, n_comm = _communities(n_users, rngs[3])
    user_f = _user_factors(comm, n_comm, genre_vec, tag_vec, rngs[3])

    r = rngs[4]
    log_pop = -popularity_exponent * np.log(r.permutation(n_items) + 1.0)
    sigma = 0.8 * (1.0 - density) + 0.05
    mean = density * n_items
    n_per_user = np.rint(mean * r.lognormal(-(sigma**2) / 2, sigma, size=n_users))
    n_per_user = np.clip(n_per_user, min(2, n_items), n_items).astype(np.int64)
    rows, cols, aff = _sample_interactions(
        user_f.astype(np.float32), item_f.astype(np.float32), log_pop.astype(np.float32),
        n_per_user, r,
    )  # fmt: skip
    values = _ratings(aff, rngs[5]) if with_ratings else np.ones(rows.size, dtype=np.float32)
    times = (
        _timestamps(rows, structure["year"][cols], n_users, rngs[6]) if with_timestamps else None
    )

    n_edges = round(n_users * avg_degree / (1 if directed else 2))
    src, tgt = _social_graph(comm, n_comm, n_edges, homophily, directed, rngs[7])
    return {
        "users": _ids("u", n_users),
        "items": items,
        "records": records,
        "rows": rows,
        "cols": cols,
        "values": values,
        "timestamps": times,
        "sources": src,
        "targets": tgt,
        "user_factors": user_f.astype(np.float32),
        "item_factors": item_f.astype(np.float32),
        "user_communities": comm.astype(np.int64),
        "n_communities": n_comm,
    }


def make_synthetic(
    n_users: int = 1000,
    n_items: int = 300,
    *,
    n_factors: int = 8,
    density: float = 0.03,
    popularity_exponent: float = 1.0,
    homophily: float = 0.8,
    avg_degree: float = 10,
    directed: bool = False,
    with_ratings: bool = False,
    with_timestamps: bool = True,
    partner_items: int = 0,
    partner_overlap: float = 0.5,
    partner_extra_users: int = 0,
    partner_density: float | None = None,
    partner_correlation: float = 0.8,
    random_state: Any = None,
) -> Bunch:
    """Generate a small film world: a Chinese catalogue, viewing history and a social graph.

    Tastes are latent vectors shared by all three parts: a film's vector comes from its
    genres and tags, a user's from their community, and friends mostly belong to the same
    community. So content predicts who watches what, friends watch alike, and a few
    popular films take a large share of all views. The module docstring of
    ``filmreco.datasets._synthetic`` describes the model; the text (titles, names, plots)
    is composed from invented vocabularies.

    Parameters
    ----------
    n_users : int, default=1000
        Number of users, ids ``"u0001"``, ``"u0002"``, ... (at least four digits).
    n_items : int, default=300
        Number of films, ids ``"m0001"``, ``"m0002"``, ...
    n_factors : int, default=8
        Dimension of the latent taste vectors.
    density : float, default=0.03
        Target share of (user, film) pairs watched, in (0, 1]. Every user watches at
        least two films (one if there is one film), so tiny densities come out higher.
    popularity_exponent : float, default=1.0
        Exponent of the Zipf-like popularity ``rank ** -popularity_exponent``; 0 makes
        films equally popular a priori.
    homophily : float, default=0.8
        Probability that a friendship is drawn inside a community, in [0, 1] (the rest are
        drawn across the whole population, which may again land inside).
    avg_degree : float, default=10
        Target mean number of friends per user (out-degree when `directed`); at most
        ``n_users - 1``. Far fewer edges than requested can result only when communities
        are too small to hold them.
    directed : bool, default=False
        Draw "follows" (directed edges) instead of friendships. Undirected edges are stored
        once, with ``source < target`` in node index order.
    with_ratings : bool, default=False
        Integer ratings 1-5 (higher for closer tastes) instead of implicit 1.0 values.
    with_timestamps : bool, default=True
        Epoch seconds within 2023-2024; no film is watched before its release year.
    partner_items : int, default=0
        When above 0, add a partner domain (e.g. an e-commerce shop) with this many
        products ``"p0001"``, ...: its own item factors, but choices driven by the same
        user tastes (see `partner_correlation`). 0 leaves the world exactly as without it.
    partner_overlap : float, default=0.5
        Probability that a film user is also a partner user, in [0, 1].
    partner_extra_users : int, default=0
        Partner-only users (ids continue the user numbering after ``n_users``), with
        tastes near those of a random film user.
    partner_density : float, optional
        Target share of (user, product) pairs on the partner side; default `density`.
    partner_correlation : float, default=0.8
        In [0, 1]: how closely a user's partner taste follows their film taste (1: the
        same vector; 0: unrelated).
    random_state : int, numpy.random.Generator or None, default=None
        Seed; the same seed gives the same world.

    Returns
    -------
    sklearn.utils.Bunch
        With keys

        - ``interactions`` (:class:`~filmreco.data.Interactions`): users × films.
        - ``catalog`` (:class:`~filmreco.data.Catalog`): title, aliases, year, genres,
          tags, directors, actors, people, description and region of every film, with the
          same item id map as the interactions.
        - ``graph`` (:class:`~filmreco.data.EdgeList`): the social graph; its
          ``node_ids`` equal ``interactions.user_ids`` (same ids, same order), isolated
          users included.
        - ``user_factors``, ``item_factors`` (float32 arrays, unit rows): the true tastes.
        - ``user_communities`` (int64 array): community of each user.
        - ``description`` (str): a summary; its first line gives the sizes.

        With ``partner_items > 0`` also ``partner`` (:class:`~filmreco.data.Interactions`,
        partner users × products, binary, no timestamps; shared users carry their film
        ids) and ``partner_item_factors`` (float32, unit rows).

    Raises
    ------
    InputError
        If a size is not a positive int, `density` is not in (0, 1], `homophily` is not in
        [0, 1], `popularity_exponent` or `avg_degree` is negative, or `avg_degree` exceeds
        ``n_users - 1``.

    See Also
    --------
    load_sample : the fixed world used by the demo and the documentation.

    Examples
    --------
    >>> world = make_synthetic(n_users=60, n_items=40, avg_degree=4, random_state=0)
    >>> world.interactions.shape
    (60, 40)
    >>> world.interactions.user_ids.ids[:2].tolist(), world.catalog.item_ids.ids[:2].tolist()
    (['u0001', 'u0002'], ['m0001', 'm0002'])
    >>> world.graph.node_ids == world.interactions.user_ids
    True
    >>> world.graph.n_edges
    120
    >>> sorted(world.catalog["m0001"])[:4]
    ['actors', 'aliases', 'description', 'directors']
    """
    n_users = check_int(n_users, "n_users", min_value=1)
    n_items = check_int(n_items, "n_items", min_value=1)
    n_factors = check_int(n_factors, "n_factors", min_value=1)
    density = check_real(density, "density", min_value=0.0, max_value=1.0, min_inclusive=False)
    popularity_exponent = check_real(popularity_exponent, "popularity_exponent", min_value=0.0)
    homophily = check_probability(homophily, "homophily")
    avg_degree = check_real(avg_degree, "avg_degree", min_value=0.0)
    if avg_degree > n_users - 1:
        raise InputError(
            f"avg_degree={avg_degree} is more than a user can have among n_users={n_users} "
            f"(at most {n_users - 1}); lower avg_degree or add users."
        )
    directed = _check_bool(directed, "directed")
    with_ratings = _check_bool(with_ratings, "with_ratings")
    with_timestamps = _check_bool(with_timestamps, "with_timestamps")
    partner_items = check_int(partner_items, "partner_items", min_value=0)
    partner_overlap = check_probability(partner_overlap, "partner_overlap")
    partner_extra_users = check_int(partner_extra_users, "partner_extra_users", min_value=0)
    partner_density = density if partner_density is None else check_real(
        partner_density, "partner_density", min_value=0.0, max_value=1.0, min_inclusive=False
    )  # fmt: skip
    partner_correlation = check_probability(partner_correlation, "partner_correlation")
    rng = check_random_state(random_state)
    w = _world_arrays(
        n_users, n_items, n_factors, density, popularity_exponent, homophily, avg_degree,
        directed, with_ratings, with_timestamps, rng,
    )  # fmt: skip
    user_map, item_map = IdMap(w["users"]), IdMap(w["items"])
    interactions = Interactions.from_arrays(
        w["users"][w["rows"]],
        w["items"][w["cols"]],
        w["values"],
        timestamps=w["timestamps"],
        duplicates="raise",
        user_map=user_map,
        item_map=item_map,
    )
    names = [k for k in w["records"][0] if k != "id"]
    catalog = Catalog(item_map, {k: [r[k] for r in w["records"]] for k in names})
    graph = EdgeList.from_arrays(
        w["users"][w["sources"]], w["users"][w["targets"]], directed=directed, node_ids=user_map
    )
    seed = f"random_state={random_state}" if isinstance(random_state, Integral) else "random_state"
    kind = "ratings 1-5" if with_ratings else "implicit 1.0 values"
    description = (
        f"Synthetic film world: {n_users} users, {n_items} films, {interactions.nnz} "
        f"interactions (density {interactions.density:.2%}), {graph.n_edges} "
        f"{'follows' if directed else 'friendships'} in {w['n_communities']} communities.\n"
        f"Generated by filmreco.datasets.make_synthetic ({seed}, n_factors={n_factors}, "
        f"popularity_exponent={popularity_exponent}, homophily={homophily}).\n"
        f"Users 'u0001'.., films 'm0001'..; interactions hold {kind}"
        f"{', with epoch-second timestamps in 2023-2024' if with_timestamps else ''}.\n"
        "Catalogue: invented Chinese titles, people and plots; fields title, aliases, year, "
        "genres, tags, directors, actors, people, description, region.\n"
        "Ground truth: user_factors, item_factors (unit taste vectors), user_communities.\n"
    )
    out = Bunch(
        interactions=interactions,
        catalog=catalog,
        graph=graph,
        user_factors=w["user_factors"],
        item_factors=w["item_factors"],
        user_communities=w["user_communities"],
        description=description,
    )
    if partner_items > 0:  # drawn after the world, so the film side is unchanged
        prng = np.random.default_rng(int(rng.integers(0, 2**63 - 1)))
        p = _partner_arrays(
            w["user_factors"].astype(np.float64), partner_items, partner_overlap,
            partner_extra_users, partner_density, partner_correlation, popularity_exponent, prng,
        )  # fmt: skip
        p_users = np.concatenate([w["users"][p["shared"]], p["extra_ids"]])
        out.partner = Interactions.from_arrays(
            p_users[p["rows"]],
            p["items"][p["cols"]],
            duplicates="raise",
            user_map=IdMap(p_users),
            item_map=IdMap(p["items"]),
        )
        out.partner_item_factors = p["item_factors"]
        out.description += (
            f"Partner domain: {out.partner.n_users} users ({p['shared'].size} also film users), "
            f"{partner_items} products 'p0001'.., {out.partner.nnz} interactions "
            f"(partner_correlation={partner_correlation}).\n"
        )
    return out


def load_sample() -> Bunch:
    """Return the built-in sample world: 2000 users, 400 films, generated offline.

    This is ``make_synthetic(n_users=2000, n_items=400, random_state=20261129)``: the demo
    and the documentation use it. It is built afresh on each call (in a fraction of a
    second), so callers may change what they get without affecting each other.

    Returns
    -------
    sklearn.utils.Bunch
        As :func:`make_synthetic`.

    See Also
    --------
    make_synthetic : worlds of other sizes and settings.

    Examples
    --------
    >>> world = load_sample()
    >>> world.interactions.shape, len(world.catalog), world.graph.n_nodes
    ((2000, 400), 400, 2000)
    """
    return make_synthetic(n_users=2000, n_items=400, random_state=_SAMPLE_SEED)
