"""The shared statistical constants."""

from __future__ import annotations

from scipy.stats import norm

from filmreco._stats import Z95


def test_z95_is_the_975_normal_quantile():
    assert Z95 == norm.ppf(0.975)
    assert 0.95 == round(norm.cdf(Z95) - norm.cdf(-Z95), 12)
