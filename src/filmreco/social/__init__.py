"""Social propagation: the social graph, diffusion models, campaign reach and seed selection.

- :class:`SocialGraph` — users and influence relations (CSR both ways, shared id map);
- :class:`IndependentCascade`, :class:`LinearThreshold` — propagation models bound to a
  graph, with Monte-Carlo :meth:`~PropagationModel.simulate`;
- :func:`diffusion_scores` — deterministic personalised-PageRank propagation scores;
- :func:`maximize_influence` — seed selection (IMM, CELF, degree heuristics, budgets);
- :func:`learn_probabilities` — influence probabilities from action logs (Goyal et al.,
  Saito et al.'s EM, or ``method="auto"``: chosen and calibrated by a :class:`Backtest` on
  the log's last part), and :func:`validate_propagation`, their test on later adoptions;
- :func:`film_reach`, :func:`rank_films`, :class:`ReachRecommender` — content propagation;
- :class:`SocialRecommender` — friends' films mixed into any base recommender, tuned by
  :func:`filmreco.recommend.evaluation.tune` like every recommender, with
  :func:`evaluate_social` and :func:`cross_evaluate_social` (gains by user group against a
  :func:`shuffle_graph` control) and :func:`homophily`. :func:`tune_social` and
  :class:`SocialTuning` are deprecated (removed in the next release).
"""

from ._backtest import Backtest
from ._blocks import CASCADE_BLOCK
from ._crossval import cross_evaluate_social
from .cascade import (
    UNCALIBRATED_WARNING,
    IndependentCascade,
    LinearThreshold,
    PropagationModel,
    SimulationResult,
)
from .content import FilmRanking, ReachRecommender, film_reach, rank_films
from .diffusion import diffusion_matrix, diffusion_scores
from .evaluation import (
    GROUPS,
    SocialEvaluation,
    SocialTuning,
    evaluate_social,
    homophily,
    tune_social,
)
from .graph import PROBABILITY_SCHEMES, TRIVALENCY, SocialGraph
from .learn import LEARN_METHODS, learn_probabilities
from .recommend import SocialRecommender, shuffle_graph
from .seeds import METHODS, SeedPlan, maximize_influence
from .validation import PropagationValidation, validate_propagation

__all__ = [
    "CASCADE_BLOCK",
    "GROUPS",
    "LEARN_METHODS",
    "METHODS",
    "PROBABILITY_SCHEMES",
    "TRIVALENCY",
    "UNCALIBRATED_WARNING",
    "Backtest",
    "FilmRanking",
    "IndependentCascade",
    "LinearThreshold",
    "PropagationModel",
    "PropagationValidation",
    "ReachRecommender",
    "SeedPlan",
    "SimulationResult",
    "SocialEvaluation",
    "SocialGraph",
    "SocialRecommender",
    "SocialTuning",
    "cross_evaluate_social",
    "diffusion_matrix",
    "diffusion_scores",
    "evaluate_social",
    "film_reach",
    "homophily",
    "learn_probabilities",
    "maximize_influence",
    "rank_films",
    "shuffle_graph",
    "tune_social",
    "validate_propagation",
]
