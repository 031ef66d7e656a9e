"""Catalogue side information for the item-item closed forms (EASE, EDLAE).

Jeunen, Van Balen and Goethals (RecSys 2020, "Closed-form models for collaborative
filtering with side-information") fit EASE on the interactions stacked with the items'
side information, each feature value a pseudo-user who "watched" the items that have it
(their *collective* EASE). This module builds those rows from a
:class:`~filmreco.data.Catalog` and the shuffled catalogue that
:func:`~filmreco.recommend.evaluation.tune` uses as the control of the option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._validation import check_random_state, check_real, shorten
from ..data import Catalog
from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap
from .content import _block, _field_tokens

__all__ = ["catalog_only_items", "check_side_fields", "shuffle_catalog", "side_matrix"]


def check_side_fields(side_fields: Any) -> dict[str, float]:
    """``side_fields`` as ``{field: weight}``: a list of field names (weight 1 each) or a
    dict of field name to a weight >= 0. Raises InputError naming the argument."""
    if isinstance(side_fields, str):
        raise InputError(
            f"side_fields must be a list of catalogue field names, got the string "
            f"{shorten(side_fields)}; write [{side_fields!r}]."
        )
    if isinstance(side_fields, Mapping):
        out = {}
        for k, v in side_fields.items():
            if not isinstance(k, str):
                raise InputTypeError(f"side_fields keys must be field names (str), got {k!r}.")
            out[k] = check_real(v, f"side_fields[{shorten(k)}]", min_value=0.0)
    elif isinstance(side_fields, Sequence):
        if not all(isinstance(f, str) for f in side_fields):
            raise InputTypeError(
                f"side_fields must hold field names (str), got {shorten(side_fields)}."
            )
        out = dict.fromkeys(side_fields, 1.0)
        if len(out) != len(side_fields):
            raise InputError(f"side_fields names a field twice: {shorten(side_fields)}.")
    else:
        raise InputTypeError(
            "side_fields must be a list of catalogue field names or a dict of field name to "
            f"weight, got {type(side_fields).__name__}."
        )
    if not out:
        raise InputError('side_fields is empty; name at least one field, e.g. ["genres"].')
    return out


def side_matrix(
    catalog: Catalog, item_ids: np.ndarray, fields: Iterable[str]
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Items x feature values, 1 where the item (`item_ids`, in order) has the value.

    Every value of the `fields` (list cells: each element; other cells: one category,
    ``str(value)``; None: nothing) is a feature; items the catalogue lacks have none.
    Returns the matrix (float64) and each column's field and value.
    """
    fields = list(fields)
    missing = [f for f in fields if f not in catalog.fields]
    if missing:
        raise InputError(
            f"side_fields names {missing}, which the catalogue does not have; its fields are "
            f"{catalog.fields}."
        )
    pos = catalog.item_ids.index(np.asarray(item_ids), on_unknown="mask")
    blocks, names, values = [], [], []
    for name in fields:
        column = catalog.field(name)
        aligned = [column[p] if p >= 0 else None for p in pos.tolist()]
        M, vocab = _block(_field_tokens(aligned, False, None), 1)
        if M.shape[1] == 0:
            continue
        M.data[:] = 1.0  # a value listed twice in one cell is one feature
        blocks.append(sp.csr_array(M, dtype=np.float64))
        names.append(np.full(vocab.size, name))
        values.append(np.asarray(vocab, dtype=str))
    if not blocks:
        raise InputError(
            f"the catalogue's fields {fields} hold no values for these films (do the "
            "catalogue's ids match the interactions' item ids?); pass other side_fields, or "
            "catalog=None."
        )
    S = sp.csr_array(sp.hstack(blocks, format="csr"))
    return S, np.concatenate(names).astype(str), np.concatenate(values).astype(str)


def catalog_only_items(catalog: Catalog, items: IdMap, fields: Iterable[str]) -> np.ndarray:
    """The catalogue's films missing from `items` that have a value in one of `fields`."""
    ids = catalog.item_ids.ids
    new = items.index(ids, on_unknown="mask") < 0
    has = np.zeros(ids.size, dtype=bool)
    for name in fields:
        if name in catalog.fields:  # side_matrix names a missing field
            tokens = _field_tokens(catalog.field(name), False, None)
            has |= np.array([len(t) > 0 for t in tokens], dtype=bool)
    return ids[new & has]


def shuffle_catalog(catalog: Catalog, random_state: Any = None) -> Catalog:
    """Deal the films' metadata to the films at random: a placebo catalogue.

    Every film keeps its id and receives the record (every field but the id) of another
    film, a uniformly random permutation: each value keeps its number of films and each
    film its number of values, but which film has which is random. A model that gains as
    much from this catalogue as from the real one gains from the extra rows themselves
    (more regularisation), not from what the metadata says. :func:`tune` fits every
    candidate using a catalogue on one such shuffle too (its *control*), and keeps the
    catalogue only if the real one beats it.

    Parameters
    ----------
    catalog : Catalog
        The films' metadata.
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the permutation.

    Returns
    -------
    Catalog
        Same ids in the same order, same fields.

    Examples
    --------
    >>> from filmreco.data import Catalog
    >>> cat = Catalog.from_records([{"id": i, "genres": [g]} for i, g in enumerate("abc")])
    >>> sh = shuffle_catalog(cat, random_state=1)
    >>> sh.item_ids.ids.tolist(), sorted(sh.field("genres"))
    ([0, 1, 2], [['a'], ['b'], ['c']])
    """
    if not isinstance(catalog, Catalog):
        raise InputTypeError(
            f"catalog must be a filmreco.data.Catalog, got {type(catalog).__name__}."
        )
    rng = check_random_state(random_state)
    records = list(catalog.records())
    perm = rng.permutation(len(records))
    key = catalog.id_field
    dealt = [{**records[j], key: records[i][key]} for i, j in enumerate(perm.tolist())]
    return Catalog.from_records(dealt, id_field=key)
