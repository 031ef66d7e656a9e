"""Erasure of users from fitted models, graphs, profiles and pseudonym tables (private).

Re-exported by :mod:`filmreco.privacy`. Every recommender erases its own users
(:meth:`filmreco.recommend.Recommender.forget_users`); this module calls it, so privacy
depends on the engines and not the reverse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_iterable
from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap, as_id_array

__all__ = ["ForgetReport", "forget_user", "forget_users"]

logger = logging.getLogger("filmreco")


def forget_users(model: Any, user_ids: Any) -> int:
    """Remove users from a fitted recommender, in place: their ids, rows and factors.

    Calls the model's own :meth:`~filmreco.recommend.Recommender.forget_users` (every
    recommender implements erasure; a :class:`~filmreco.recommend.Hybrid` forgets in its
    components too). Other users keep their rows, histories and factors. Counts and
    similarities (Popularity, ItemKNN, EASE) are recomputed without the removed users, a
    social model's graph loses them; factor models (ALS, BPR, CrossDomain) keep their item
    factors until the next fit. The privacy guide tabulates the guarantee per model.

    Parameters
    ----------
    model : Recommender
        A fitted filmreco recommender.
    user_ids : id or array-like of ids
        Ids to remove; ids of the model's kind that it does not know are ignored.

    Returns
    -------
    int
        Number of users removed from `model` (not counting its components).

    Raises
    ------
    InputTypeError
        If `model` is not a recommender, or `user_ids` are not of the kind of the model's
        user ids (e.g. ``"1"`` for a model fitted on int ids): they could never match, and
        the erasure would remove nothing.

    Examples
    --------
    >>> from filmreco.data import Interactions
    >>> from filmreco.recommend import ItemKNN
    >>> X = Interactions.from_arrays(["a", "a", "b", "c"], ["x", "y", "x", "y"])
    >>> model = ItemKNN().fit(X)
    >>> forget_users(model, ["b", "zz"]), model.user_ids_.ids.tolist()
    (1, ['a', 'c'])
    """
    forget = getattr(model, "forget_users", None)
    if not callable(forget) or isinstance(model, type):
        raise InputTypeError(
            f"model must be a filmreco Recommender (with forget_users), got {type(model).__name__}."
        )
    ids, kind = as_id_array(user_ids, "user_ids")
    if ids.size:
        _check_kind({kind}, _user_kind(model), f"{type(model).__name__}'s users", "user_ids", kind)
    return _forget_in(model, user_ids)


def _forget_in(model: Any, user_ids: Any) -> int:
    """:func:`forget_users` once the ids' kind is checked (`user_ids` may mix kinds)."""
    n = int(model.forget_users(user_ids))
    if n:
        logger.info("forgot %d user(s) in %s", n, type(model).__name__)
    return n


def _user_kind(model: Any) -> str | None:
    """The kind of a fitted model's user ids (``"int"`` or ``"str"``), None if unknown."""
    users = getattr(model, "user_ids_", None)
    if not isinstance(users, IdMap) or len(users) == 0:
        return None
    return users.kind


def _check_kind(
    sought: set[str], held: str | None, place: str, name: str, given: str, hint: str = ""
) -> None:
    """Refuse ids none of whose kinds (`sought`) is the kind `place` holds (`held`).

    An int id is never found among str ids (nor the reverse): without this check the
    erasure would quietly remove nothing and report the user as known nowhere.
    """
    if held in ("int", "str") and held not in sought:
        example = "int(user_id)" if held == "int" else "str(user_id)"
        verb, it = ("are", "them") if name.endswith("s") else ("is", "it")
        raise InputTypeError(
            f"{name} {verb} of kind {given!r} but {place} are {held} ids, so nothing would be "
            f"erased there; convert {it} (e.g. {example}) first{hint}."
        )


def _key_kind(key: Any) -> str:
    if isinstance(key, (bool, np.bool_)):
        return "object"
    if isinstance(key, (int, np.integer)):
        return "int"
    return "str" if isinstance(key, (str, np.str_)) else "object"


def _check_store(
    store: MutableMapping[Any, Any], k: int, raw: Any, kind: str, sought: set[str], hint: str
) -> None:
    """Refuse profiles[k] when it could only hold the user under another kind of key.

    A store whose keys are all of another kind cannot hold the user (as for the other
    places); and a store holding the id spelled in the other kind (``"1"`` for the int
    ``1``: JSON turns every key into text) but not the id itself holds the user's profile
    under a key the erasure would not match.
    """
    if raw in store:
        return
    convert = "int(k)" if kind == "int" else "str(k)"
    fix = (
        "a store read from JSON has text keys: convert them to the ids' kind first, e.g. "
        f"{{{convert}: v for k, v in store.items()}}"
    )
    alias: Any = None
    if kind == "int":
        alias = str(raw)
    elif kind == "str" and raw.lstrip("-").isascii() and raw.lstrip("-").isdigit():
        alias = int(raw) if str(int(raw)) == raw else None  # the text of an int, exactly
    if alias is not None and alias in store:
        raise InputTypeError(
            f"user_id is the {kind} {raw!r}, but profiles[{k}] holds the key {alias!r} (a "
            f"{_key_kind(alias)}), not {raw!r}, so the profile would be kept; {fix}."
        )
    kinds = {_key_kind(key) for key in store}
    held = next(iter(kinds)) if len(kinds) == 1 else None
    if held in ("int", "str") and held not in sought:
        raise InputTypeError(
            f"user_id is of kind {kind!r} but profiles[{k}]'s keys are {held} ids, so "
            f"nothing would be erased there; {fix}{hint}."
        )


def _forget_graph(graph: Any, ids: np.ndarray) -> tuple[Any, int]:
    from ..social.graph import without_nodes

    new, _ = without_nodes(graph, ids)
    return new, graph.n_nodes - new.n_nodes


@dataclass
class ForgetReport:
    """What :func:`forget_user` removed.

    Attributes
    ----------
    graph : SocialGraph or None
        The social graph without the user (a new object), or None if none was given.
    removed : dict of str to int
        Rows removed per place: ``"recommenders"``, ``"graph"``, ``"profiles"``,
        ``"pseudonym_tables"``.
    ids : list
        The ids that were erased: the user id and its pseudonyms found in the tables.

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> from filmreco.recommend import Popularity
    >>> X = load_sample().interactions
    >>> model = Popularity().fit(X)
    >>> report = forget_user(X.user_ids.ids[0], recommenders=[model])
    >>> report.removed["recommenders"], report.total
    (1, 1)
    """

    graph: Any = None
    removed: dict[str, int] = field(default_factory=dict)
    ids: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows removed everywhere (0: the user was known nowhere)."""
        return int(sum(self.removed.values()))


def forget_user(
    user_id: Any,
    *,
    recommenders: Iterable[Any] = (),
    graph: Any = None,
    profiles: Iterable[MutableMapping[Any, Any]] = (),
    pseudonym_tables: Iterable[Any] = (),
) -> ForgetReport:
    """Erase one user everywhere: models, social graph, profiles and pseudonym tables.

    The user's pseudonyms found in `pseudonym_tables` are erased too, so models trained
    on pseudonymised data (e.g. a :class:`~filmreco.recommend.CrossDomain` fitted with a
    partner) forget them as well. Recommenders, profiles and tables change in place; the
    graph is rebuilt and returned in the report. Erasing a user known nowhere is not an
    error (erasure is idempotent): the report's ``total`` is then 0. An id of another kind
    than the ids stored (``"1"`` where users are ints) is an error, not "known nowhere".

    Parameters
    ----------
    user_id : id
        The raw user id.
    recommenders : iterable of Recommender
        Fitted models (see :func:`forget_users`).
    graph : SocialGraph, optional
    profiles : iterable of mutable mappings
        Per-user stores keyed by user id (or pseudonym), e.g. ``{user: profile}``.
    pseudonym_tables : iterable of PseudonymTable

    Returns
    -------
    ForgetReport

    Raises
    ------
    InputTypeError
        If a place holds ids of another kind than `user_id` (e.g. ``"1"`` and a graph of
        int ids; with `pseudonym_tables`, str pseudonyms count as the user's kind for the
        recommenders, the graph and the profiles), if a profile store holds the id only
        spelled in the other kind (the key ``"1"`` for the int ``1``, as in any store
        read from JSON, whose keys are text), or an argument is not of the documented
        type. Nothing is erased then. A user of the right kind that is simply absent is
        not an error.

    Notes
    -----
    Item factors of factor models (ALS, BPR, CrossDomain) and shared aggregates already
    sent to partners still reflect the user's past data in aggregate; refit those models
    on data without the user to remove that too.

    Examples
    --------
    >>> from filmreco.datasets import load_sample
    >>> from filmreco.recommend import EASE
    >>> X = load_sample().interactions
    >>> user = X.user_ids.ids[0]
    >>> model = EASE().fit(X)
    >>> profiles = {user: {"genres": ["剧情"]}}
    >>> report = forget_user(user, recommenders=[model], profiles=[profiles])
    >>> report.removed["recommenders"], report.removed["profiles"], user in model.user_ids_
    (1, 1, False)
    >>> forget_user(user, recommenders=[model]).total  # erasing twice is not an error
    0
    """
    ids, _ = as_id_array(user_id, "user_id")
    if ids.size != 1:
        raise InputError(f"user_id must be a single id, got {ids.size}; call once per user.")
    raw = ids[0].item() if isinstance(ids[0], np.generic) else ids[0]
    tables = check_iterable(pseudonym_tables, "pseudonym_tables")
    for t in tables:
        if not callable(getattr(t, "pseudonyms_of", None)):
            raise InputTypeError(
                f"pseudonym_tables must hold PseudonymTable objects, got {type(t).__name__}."
            )
    recommenders = check_iterable(recommenders, "recommenders")
    for m in recommenders:
        if not callable(getattr(m, "forget_users", None)):
            raise InputTypeError(
                f"recommenders must hold filmreco Recommenders, got {type(m).__name__}."
            )
    profiles = check_iterable(profiles, "profiles")
    for store in profiles:
        if not isinstance(store, MutableMapping):
            raise InputTypeError(
                f"profiles must hold dicts keyed by user id, got {type(store).__name__}."
            )
    if graph is not None:
        from ..social.graph import SocialGraph

        if not isinstance(graph, SocialGraph):
            raise InputTypeError(
                f"graph must be a filmreco SocialGraph, got {type(graph).__name__}."
            )
    # every place must hold ids of the user's kind (or of the pseudonyms', str, when tables
    # are given): checked before anything is erased, so a refusal leaves everything as it was
    kind = "int" if isinstance(raw, int) else "str" if isinstance(raw, str) else "object"
    sought = {kind, "str"} if tables else {kind}
    hint = "" if tables else ", or pass pseudonym_tables if it was fitted on pseudonyms"
    for t in tables:
        held = getattr(t, "id_kind", None)
        _check_kind({kind}, held, "the pseudonym table's raw ids", "user_id", kind)
    for m in recommenders:
        where = f"{type(m).__name__}'s users"
        _check_kind(sought, _user_kind(m), where, "user_id", kind, hint)
    if graph is not None and len(graph.node_ids):
        _check_kind(sought, graph.node_ids.kind, "the graph's nodes", "user_id", kind, hint)
    for k, store in enumerate(profiles):
        keyed = "" if tables else ", or pass pseudonym_tables if it is keyed by pseudonyms"
        _check_store(store, k, raw, kind, sought, keyed)
    every: list[Any] = [raw]
    for t in tables:
        every.extend(t.pseudonyms_of([raw]).tolist())
    every_arr = np.asarray(every, dtype=object)
    report = ForgetReport(ids=every)
    report.removed["recommenders"] = sum(_forget_in(m, every_arr) for m in recommenders)
    n_prof = 0
    for store in profiles:
        for key in every:
            if key in store:
                del store[key]
                n_prof += 1
    report.removed["profiles"] = n_prof
    report.removed["pseudonym_tables"] = sum(t.forget([raw]) for t in tables)
    if graph is not None:
        report.graph, report.removed["graph"] = _forget_graph(graph, every_arr)
    else:
        report.removed["graph"] = 0
    return report
