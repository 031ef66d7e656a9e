"""Recommenders: who should see which film.

Every model shares the :class:`Recommender` API: :meth:`~Recommender.fit` on an
:class:`~filmreco.data.Interactions`, then answers in external ids —
:meth:`~Recommender.recommend` (films for users), :meth:`~Recommender.recommend_users`
(the audience of a film), :meth:`~Recommender.similar_items`, :meth:`~Recommender.score`,
:meth:`~Recommender.fold_in` (new users without refitting), :meth:`~Recommender.save` /
``load`` and, for ItemKNN, RP3beta, EASE, EDLAE, HigherOrderEASE, SANSA and ALS (and the social models of
:mod:`filmreco.social`, in their own terms), :meth:`~Recommender.explain`.

- :class:`Popularity` — the most watched films, optionally with time decay;
- :class:`ItemKNN` — item-item neighbours (cosine, tf-idf or BM25 weighting, shrinkage);
- :class:`EASE` — Steck's closed-form linear item-item model;
- :class:`EDLAE` — EASE with emphasized denoising (dropout), also closed form;
- :class:`HigherOrderEASE` — EASE plus item-pair relations (Steck and Liang), closed form;
- :class:`SANSA` — EASE through a sparse approximate inverse, for large catalogues;
- :class:`RP3beta` — random-walk item similarity with a popularity penalty;
- :class:`ALS` — implicit-feedback matrix factorisation (Hu, Koren, Volinsky);
- :class:`BPR` — Bayesian personalised ranking (Rendle et al.);
- :class:`CrossDomain` — ALS over film and partner-domain items with shared user factors;
- :class:`ContentBased` — user profiles over genres, tags, people and description terms;
- :class:`Hybrid` — weighted score or rank fusion of the above;
- :func:`mmr` — diversity re-ranking (also ``recommend(..., diversity=...)``).
- :func:`shuffle_catalog` — a placebo catalogue (the films' metadata dealt at random), the
  control of EASE / EDLAE's catalogue side information.

Evaluation (splitters, metrics tables, tuning) lives in :mod:`filmreco.recommend.evaluation`;
its :func:`~filmreco.recommend.evaluation.tune`, the one tuning API of filmreco (social models
included), is importable from here too.
"""

from ._base import Recommender
from ._side import shuffle_catalog
from .als import ALS
from .bpr import BPR
from .content import ContentBased
from .crossdomain import CrossDomain
from .ease import EASE
from .edlae import EDLAE
from .evaluation import TuneResult, tune
from .higher import HigherOrderEASE
from .hybrid import Hybrid
from .knn import ItemKNN
from .popularity import Popularity
from .rerank import mmr
from .rp3beta import RP3beta
from .sansa import SANSA

__all__ = [
    "ALS",
    "BPR",
    "EASE",
    "EDLAE",
    "SANSA",
    "ContentBased",
    "CrossDomain",
    "HigherOrderEASE",
    "Hybrid",
    "ItemKNN",
    "Popularity",
    "RP3beta",
    "Recommender",
    "TuneResult",
    "mmr",
    "shuffle_catalog",
    "tune",
]
