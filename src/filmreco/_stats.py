"""Statistical constants shared by the whole library (one definition each).

Confidence intervals in filmreco are normal-approximation intervals: a 95% interval
around an estimate ``m`` with standard error ``se`` is ``m +/- Z95 * se``. Reach
estimates (:class:`filmreco.social.SimulationResult`), campaign lifts and their report
all use :data:`Z95`.
"""

from __future__ import annotations

__all__ = ["Z95"]

#: The 97.5% quantile of the standard normal distribution, ``scipy.stats.norm.ppf(0.975)``:
#: the half-width, in standard errors, of a two-sided 95% normal-approximation interval.
Z95 = 1.959963984540054
