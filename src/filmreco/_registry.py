"""The explicit table of what :func:`filmreco.load` may return, by the kind in a file's header.

A file names its kind (``"filmreco.IdMap"``, ``"filmreco.recommender.EASE"``, ...). The
kind is looked up in :data:`KINDS`, a fixed table of filmreco classes written here, or
among the classes registered at import by :func:`register` (a user's own
:class:`~filmreco.recommend.Recommender` subclasses register themselves when their
module is imported). A name read from a file is never imported: an unknown kind is a
:class:`~filmreco.exceptions.FormatError`.
"""

from __future__ import annotations

import importlib
from typing import Any

from .exceptions import FormatError

__all__ = ["KINDS", "kinds", "lookup", "register"]

#: kind -> "module:qualname" of the filmreco class that reads it.
KINDS: dict[str, str] = {
    "IdMap": "filmreco.sparse._idmap:IdMap",
    "Interactions": "filmreco.data._interactions:Interactions",
    "Catalog": "filmreco.data._catalog:Catalog",
    "EdgeList": "filmreco.data._edges:EdgeList",
    "SocialGraph": "filmreco.social.graph:SocialGraph",
    "IndependentCascade": "filmreco.social.cascade:IndependentCascade",
    "LinearThreshold": "filmreco.social.cascade:LinearThreshold",
    "SearchIndex": "filmreco.search.index:SearchIndex",
    "privacy.Pseudonymized": "filmreco.privacy._pseudonym:Pseudonymized",
    "privacy.PseudonymTable": "filmreco.privacy._pseudonym:PseudonymTable",
    "recommender.ALS": "filmreco.recommend.als:ALS",
    "recommender.BPR": "filmreco.recommend.bpr:BPR",
    "recommender.ContentBased": "filmreco.recommend.content:ContentBased",
    "recommender.CrossDomain": "filmreco.recommend.crossdomain:CrossDomain",
    "recommender.EASE": "filmreco.recommend.ease:EASE",
    "recommender.EDLAE": "filmreco.recommend.edlae:EDLAE",
    "recommender.HigherOrderEASE": "filmreco.recommend.higher:HigherOrderEASE",
    "recommender.Hybrid": "filmreco.recommend.hybrid:Hybrid",
    "recommender.ItemKNN": "filmreco.recommend.knn:ItemKNN",
    "recommender.Popularity": "filmreco.recommend.popularity:Popularity",
    "recommender.RP3beta": "filmreco.recommend.rp3beta:RP3beta",
    "recommender.SANSA": "filmreco.recommend.sansa:SANSA",
    # SocialRecommender files written before it became a Recommender subclass
    "SocialRecommender": "filmreco.social.recommend:SocialRecommender",
    "recommender.SocialRecommender": "filmreco.social.recommend:SocialRecommender",
    "recommender.ReachRecommender": "filmreco.social.content:ReachRecommender",
}

_REGISTERED: dict[str, type[Any]] = {}


def register(kind: str, cls: type[Any]) -> None:
    """Make `cls` loadable by :func:`filmreco.load` under `kind` (called at class creation).

    Kinds of the fixed table :data:`KINDS` cannot be taken over by another class.
    """
    if kind in KINDS:
        return
    _REGISTERED[kind] = cls


def kinds() -> list[str]:
    """Every kind :func:`filmreco.load` reads now (the table plus registered classes)."""
    return sorted({*KINDS, *_REGISTERED})


def lookup(kind: str) -> type[Any]:
    """The class that reads files of `kind`.

    Raises
    ------
    FormatError
        `kind` is neither in :data:`KINDS` nor registered.
    """
    target = KINDS.get(kind)
    if target is None:
        cls = _REGISTERED.get(kind)
        if cls is None:
            raise FormatError(
                f"no filmreco class reads files of kind {kind!r}; import the module that defines "
                "it first (classes register themselves when defined), or upgrade filmreco."
            )
        return cls
    module, _, qualname = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]
