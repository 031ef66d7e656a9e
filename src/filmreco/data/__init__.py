"""Data containers: :class:`Interactions`, :class:`Catalog` and :class:`EdgeList`.

- :class:`Interactions` — a users x items canonical CSR matrix with its user and item
  :class:`~filmreco.sparse.IdMap`, optional timestamps (and raw ratings) aligned with
  ``matrix.data``; built from event arrays, DataFrames or CSV files with explicit cleaning
  policies (``on_nan``, ``duplicates``, ``on_unknown``);
- :class:`Catalog` — item metadata (title, year, genres, people, ...) aligned with an item
  id map;
- :class:`EdgeList` — the edges of a social graph with its node id map;
- :func:`to_frame` — any result (recommendations, audiences, hits, plans) as a pandas
  DataFrame, with catalogue columns joined in.

Every cleaning step that changes data raises, or warns with
:class:`~filmreco.exceptions.DataWarning` stating the count and the policy. All three save
to ``.npz`` through :mod:`filmreco._persist` (no pickle).
"""

from ._catalog import LIST_FIELDS, STANDARD_FIELDS, Catalog
from ._edges import EdgeList
from ._frames import to_frame
from ._interactions import Interactions

__all__ = ["LIST_FIELDS", "STANDARD_FIELDS", "Catalog", "EdgeList", "Interactions", "to_frame"]
