"""filmreco: recommendation, social propagation and Chinese-first search for film marketing.

The core (this package's top level) holds the shared pieces: the data containers
:class:`Interactions`, :class:`Catalog` and :class:`EdgeList`; :mod:`filmreco.sparse`,
:mod:`filmreco.datasets`, :mod:`filmreco.metrics` and :mod:`filmreco.text`. The engines are
:mod:`filmreco.recommend`, :mod:`filmreco.social` and :mod:`filmreco.search`. Importing
filmreco loads no Chinese dictionary and starts no worker. :func:`load` reads back any object
saved by filmreco.
"""

from ._persist import load
from ._version import __version__
from .data import Catalog, EdgeList, Interactions, to_frame

__all__ = ["Catalog", "EdgeList", "Interactions", "__version__", "load", "to_frame"]
