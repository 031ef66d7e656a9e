"""Campaign planning: one workflow over recommendation, social propagation and search.

:func:`plan` composes the public APIs of :mod:`filmreco.recommend`, :mod:`filmreco.social`
and :mod:`filmreco.search` for one film:

1. the target audience (:meth:`~filmreco.recommend.Recommender.recommend_users`, or a
   lookalike audience grown from seed users) and its top interests;
2. a random holdout group drawn from the audience (the rest is *treated*);
3. seed users (:func:`~filmreco.social.maximize_influence`) among the treated users,
   under a budget with per-user costs;
4. the predicted reach of those seeds, of the top-degree users and of random users of the
   same number, one simulation per strategy on the same simulated worlds, and the lift;
5. which likely search queries find the film in the top 10.

After launch, :func:`measure` compares adoption among treated and holdout users. Every
output carries :data:`~filmreco.social.UNCALIBRATED_WARNING` when the propagation model's
probabilities are textbook defaults rather than learned from an action log.
"""

from ._plan import Audience, CampaignPlan, Lift, Uplift, measure, plan

__all__ = ["Audience", "CampaignPlan", "Lift", "Uplift", "measure", "plan"]
