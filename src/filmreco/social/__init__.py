"""Social propagation: the social graph, diffusion models, campaign reach and seed selection.

- :class:`SocialGraph` — users and influence relations (CSR both ways, shared id map);
- :class:`IndependentCascade`, :class:`LinearThreshold` — propagation models bound to a
  graph, with Monte-Carlo :meth:`~PropagationModel.simulate`;
- :func:`diffusion_scores` — deterministic personalised-PageRank propagation scores;
- :func:`maximize_influence` — seed selection (IMM, CELF, degree heuristics, budgets);
- :func:`learn_probabilities` — influence probabilities from action logs (Goyal et al.);
- :func:`film_reach`, :func:`rank_films`, :class:`SocialRecommender` — content propagation.
"""

from ._blocks import CASCADE_BLOCK
from .cascade import (
    IndependentCascade,
    LinearThreshold,
    PropagationModel,
    SimulationResult,
)
from .content import FilmRanking, SocialRecommender, film_reach, rank_films
from .diffusion import diffusion_matrix, diffusion_scores
from .graph import PROBABILITY_SCHEMES, TRIVALENCY, SocialGraph
from .learn import LEARN_METHODS, learn_probabilities
from .seeds import METHODS, SeedPlan, maximize_influence

__all__ = [
    "CASCADE_BLOCK",
    "LEARN_METHODS",
    "METHODS",
    "PROBABILITY_SCHEMES",
    "TRIVALENCY",
    "FilmRanking",
    "IndependentCascade",
    "LinearThreshold",
    "PropagationModel",
    "SeedPlan",
    "SimulationResult",
    "SocialGraph",
    "SocialRecommender",
    "diffusion_matrix",
    "diffusion_scores",
    "film_reach",
    "learn_probabilities",
    "maximize_influence",
    "rank_films",
]
