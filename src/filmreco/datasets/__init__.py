"""Data sets: the synthetic world, the built-in sample, and loaders for public data.

- :func:`make_synthetic` — a coherent small world (Chinese film catalogue, interactions drawn
  from latent tastes with power-law popularity, a homophilous social graph) over one set of ids;
- :func:`load_sample` — the deterministic built-in world used by the demo and the docs;
- :func:`load_movielens` / :func:`fetch_movielens` — MovieLens from a local folder or zip, or
  downloaded into a cache and verified;
- :func:`load_edgelist` — SNAP-style edge lists (plain or gzip) as an :class:`~filmreco.EdgeList`.

No data set is shipped with filmreco and nothing is downloaded unless ``fetch_*`` is called.
"""

from ._files import fetch_movielens, load_edgelist, load_movielens
from ._synthetic import load_sample, make_synthetic

__all__ = ["fetch_movielens", "load_edgelist", "load_movielens", "load_sample", "make_synthetic"]
