"""Campaign planning: one workflow over recommendation, social propagation and search.

:func:`plan` composes the public APIs of :mod:`filmreco.recommend`, :mod:`filmreco.social`
and :mod:`filmreco.search` for one film:

1. the target audience (:meth:`~filmreco.recommend.Recommender.recommend_users` of the
   recommender given, or of :func:`audience_model` fitted on the viewing history, the
   benchmark's best audience ranker; for a film missing from the history, of
   :func:`release_model`, which ranks it through its genres and tags; or a lookalike
   audience grown from seed users) and its top interests;
2. a random holdout group drawn from the audience (the rest is *treated*);
3. seed users (:func:`~filmreco.social.maximize_influence`) among the treated users,
   under a budget with per-user costs;
4. the predicted reach of those seeds, of the top-degree users and of random users of the
   same number, one simulation per strategy on the same simulated worlds, and the lift;
5. which likely search queries find the film in the top 10.

Each strategy's seeds are also switched on one by one in those worlds
(:class:`SeedCurve`: reach against the number of seeds and the budget, and the marginal
gain of each extra seed). :meth:`CampaignPlan.to_html` writes the report a marketer
forwards: one self-contained HTML file, summary first, inline SVG charts, in Chinese or
English.

Choosing between plans: :func:`compare` simulates several plans (films, budgets, seed
methods, audiences) again on common worlds and puts them side by side;
:func:`budget_sweep` gives the reach against the budget for a film from one plan.

After launch, :func:`measure` compares adoption among treated and holdout users. Every
output carries :data:`~filmreco.social.UNCALIBRATED_WARNING` when the propagation model's
probabilities are textbook defaults rather than learned from an action log.
"""

from ._compare import BudgetSweep, Comparison, budget_sweep, compare
from ._curve import SeedCurve
from ._plan import (
    Audience,
    CampaignPlan,
    Lift,
    Uplift,
    audience_model,
    measure,
    plan,
    release_model,
)

__all__ = [
    "Audience",
    "BudgetSweep",
    "CampaignPlan",
    "Comparison",
    "Lift",
    "SeedCurve",
    "Uplift",
    "audience_model",
    "budget_sweep",
    "compare",
    "measure",
    "plan",
    "release_model",
]
