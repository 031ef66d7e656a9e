"""Content-based recommendation: user profiles (用户画像) over the catalogue's metadata."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._persist import csr_from_arrays, member
from .._validation import check_bool, check_fitted, check_int, check_iterable, check_real, shorten
from ..data import Catalog
from ..exceptions import InputError, InputTypeError
from ..sparse import IdMap, build_csr, normalize, tfidf
from ._base import Recommender
from ._inputs import take_rows

__all__ = ["ContentBased"]

#: Fields used when `fields` is None (those present in the catalogue).
DEFAULT_FIELDS = ("genres", "tags", "people", "directors", "actors", "region", "description")


def _field_tokens(values: list[Any], text: bool, tokenizer: Any) -> list[list[str]]:
    out: list[list[str]] = []
    for v in values:
        if v is None:
            out.append([])
        elif isinstance(v, (list, tuple)):
            out.append([str(x) for x in v if x is not None and str(x) != ""])
        elif text:
            out.append(tokenizer.tokenize(str(v)))
        else:
            s = str(v)
            out.append([s] if s else [])
    return out


def _block(tokens: list[list[str]], min_df: int) -> tuple[sp.csr_array, np.ndarray]:
    """Items x values counts of one field (values in fewer than `min_df` items dropped)."""
    counts = np.array([len(t) for t in tokens], dtype=np.int64)
    flat = [x for t in tokens for x in t]
    if not flat:
        return sp.csr_array((len(tokens), 0), dtype=np.float32), np.zeros(0, dtype=str)
    vocab, codes = IdMap.from_values(np.array(flat, dtype=str), sort=True)
    rows = np.repeat(np.arange(len(tokens)), counts)
    M = build_csr(rows, codes, shape=(len(tokens), len(vocab)), duplicates="sum")
    df = np.bincount(M.indices, minlength=M.shape[1])
    keep = np.flatnonzero(df >= min_df)
    return M[:, keep], vocab.ids[keep]


class ContentBased(Recommender):
    """Recommend films whose metadata matches what the user watched: a readable profile.

    Every film becomes a vector of catalogue features — genres, tags, people, region and
    description terms (tokenised by :class:`filmreco.text.Tokenizer`), each field
    tf-idf weighted over the catalogue, normalised, scaled by its weight, and the whole
    vector normalised. A user's profile is the normalised sum of the vectors of the films
    they interacted with (weighted by the interaction values); a film's score is its
    cosine with the profile. Films in the catalogue without any interactions are scored
    too (cold start): they are part of ``item_ids_``.

    Parameters
    ----------
    catalog : Catalog
        Metadata of the films (it may hold more films than the interactions).
    fields : sequence of str, optional
        Catalogue fields to use; by default those of ``genres, tags, people, directors,
        actors, region, description`` that the catalogue has.
    field_weights : dict of str to float, optional
        Weight of each field (default 1).
    text_fields : sequence of str, default=("description",)
        Fields whose strings are tokenised; other string fields are single categories.
    tokenizer : filmreco.text.Tokenizer, optional
        Tokeniser of the text fields (default: ``Tokenizer(stop_words="chinese")``).
    min_df : int, default=1
        Drop feature values found in fewer films.
    normalize_profiles : bool, default=True
        Scale each user's profile to unit length, so a score is a cosine in [-1, 1]. A
        user's ranking of films is the same either way; only the comparison *between*
        users changes. With False a profile is the sum of the user's films' vectors, so a
        user who watched many films of a film's kind outranks one who watched a few: use it
        for audiences (:meth:`recommend_users`). On MovieLens 100k films held out whole
        (``benchmarks/bench_cold_start.py``, genres, five seeds) the new films' audience
        NDCG@100 rose from 0.131 to 0.323 with False, while users' lists were unchanged.
        :meth:`user_profile` reports the normalised profile either way.

    Attributes
    ----------
    item_features_ : scipy.sparse.csr_array, shape (n_items, n_features)
    feature_fields_, feature_values_ : numpy.ndarray of str
        Field and value of each feature column.

    Examples
    --------
    >>> from filmreco.data import Catalog, Interactions
    >>> cat = Catalog.from_records([
    ...     {"id": "a", "genres": ["武侠"]}, {"id": "b", "genres": ["武侠", "剧情"]},
    ...     {"id": "c", "genres": ["科幻"]}, {"id": "new", "genres": ["武侠"]}])
    >>> X = Interactions.from_arrays(["u", "u", "v"], ["a", "b", "c"])
    >>> model = ContentBased(cat).fit(X)
    >>> model.recommend(["u"], n=1)[0].tolist()
    [['new']]
    >>> [(f, v) for f, v, w in model.user_profile("u", n=2)]
    [('genres', '武侠'), ('genres', '剧情')]
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        fields: Sequence[str] | None = None,
        field_weights: dict[str, float] | None = None,
        text_fields: Sequence[str] = ("description",),
        tokenizer: Any = None,
        min_df: int = 1,
        normalize_profiles: bool = True,
    ) -> None:
        self.catalog = catalog
        self.fields = fields
        self.field_weights = field_weights
        self.text_fields = text_fields
        self.tokenizer = tokenizer
        self.min_df = min_df
        self.normalize_profiles = normalize_profiles

    def _check_catalog(self) -> Catalog:
        if not isinstance(self.catalog, Catalog):
            raise InputError(
                "ContentBased needs catalog=a filmreco.data.Catalog with the films' metadata, "
                f"got {type(self.catalog).__name__}."
            )
        return self.catalog

    def _item_universe(self, items: IdMap) -> IdMap:
        return items.extend(self._check_catalog().item_ids.ids)

    def _fields(self, cat: Catalog) -> list[str]:
        if self.fields is None:
            names = [f for f in DEFAULT_FIELDS if f in cat.fields]
            if "people" in names:
                names = [f for f in names if f not in ("directors", "actors")]
            if not names:
                raise InputError(
                    f"the catalogue has none of the default fields {list(DEFAULT_FIELDS)}; "
                    f"pass fields= from its fields {cat.fields}."
                )
            return names
        if isinstance(self.fields, str):
            raise InputError(
                f"fields must be a list of field names, got the string {shorten(self.fields)}."
            )
        names = check_iterable(self.fields, "fields")
        if not all(isinstance(f, str) for f in names):
            raise InputTypeError(f"fields must hold field names (str), got {self.fields!r}.")
        missing = [f for f in names if f not in cat.fields]
        if missing or not names:
            raise InputError(f"fields {missing or names} are not in the catalogue ({cat.fields}).")
        return names

    def _check_params(self) -> int:
        """The checks that need no catalogue (the catalogue is not saved with the model)."""
        min_df = check_int(self.min_df, "min_df", min_value=1)
        check_bool(self.normalize_profiles, "normalize_profiles")
        for name, value in (("fields", self.fields), ("text_fields", self.text_fields)):
            if value is None and name == "fields":
                continue
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise InputError(f"{name} must be a list of field names, got {shorten(value)}.")
            if not all(isinstance(f, str) for f in value):
                raise InputError(f"{name} must hold field names (str), got {shorten(value)}.")
        if self.field_weights is not None:
            if not isinstance(self.field_weights, dict):
                raise InputError(
                    f"field_weights must be a dict of field name to weight, got "
                    f"{shorten(self.field_weights)}."
                )
            for k, v in self.field_weights.items():
                check_real(v, f"field_weights[{shorten(k)}]", min_value=0.0)
        if self.tokenizer is not None and not callable(self.tokenizer):
            raise InputError(f"tokenizer must be None or callable, got {shorten(self.tokenizer)}.")
        return min_df

    def _fit(self, X: sp.csr_array, timestamps: np.ndarray | None) -> None:
        min_df = self._check_params()
        cat = self._check_catalog()
        weights = dict(self.field_weights or {})
        text_fields = check_iterable(self.text_fields, "text_fields")
        names = self._fields(cat)
        for k in weights:
            if k not in names:
                raise InputError(
                    f"field_weights names {shorten(k)}, which is not among fields {names}."
                )
        tokenizer = self.tokenizer
        if tokenizer is not None and not callable(getattr(tokenizer, "tokenize", None)):
            raise InputTypeError(
                "tokenizer must be a filmreco.text.Tokenizer (an object with tokenize(text)), "
                f"got {type(tokenizer).__name__}."
            )
        if tokenizer is None and any(f in text_fields for f in names):
            from ..text import Tokenizer

            tokenizer = Tokenizer(stop_words="chinese")
        pos = cat.item_ids.index(self.item_ids_.ids, on_unknown="mask")
        blocks, fields, values = [], [], []
        for name in names:
            column = cat.field(name)
            aligned = [column[p] if p >= 0 else None for p in pos.tolist()]
            tokens = _field_tokens(aligned, name in self.text_fields, tokenizer)
            M, vocab = _block(tokens, min_df)
            if M.shape[1] == 0:
                continue
            W = tfidf(M, idf="smooth", sublinear_tf=True, norm="l2")
            blocks.append(W * float(weights.get(name, 1.0)))
            fields.append(np.full(vocab.size, name))
            values.append(vocab)
        if not blocks:
            raise InputError(f"the catalogue fields {names} hold no values for these films.")
        F = normalize(sp.hstack(blocks, format="csr"))
        self.item_features_ = sp.csr_array(F, dtype=np.float32)
        self.feature_fields_ = np.concatenate(fields).astype(str)
        self.feature_values_ = np.concatenate(values).astype(str)

    def _profiles(self, H: sp.csr_array, *, unit: bool | None = None) -> sp.csr_array:
        """The users' profiles, summed over their films; unit length when `unit` (default:
        the `normalize_profiles` option)."""
        P = sp.csr_array(H @ self.item_features_)
        return normalize(P) if (self.normalize_profiles if unit is None else unit) else P

    def _scores(
        self,
        H: sp.csr_array,
        rows: np.ndarray,
        cols: np.ndarray | None,
        allowed: np.ndarray | None = None,
    ) -> np.ndarray:
        F = self.item_features_ if cols is None else self.item_features_[cols]
        return np.asarray((self._profiles(H) @ F.T).toarray(), dtype=np.float32)

    def _similarity(self, items: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        F = self.item_features_
        B = F if cols is None else F[cols]
        return np.asarray((F[items] @ B.T).toarray(), dtype=np.float32)

    def user_profile(
        self, user_id: Any, n: int = 10, *, fields: Sequence[str] | None = None
    ) -> list[tuple[str, str, float]]:
        """Return the user's top interests as ``(field, value, weight)``, strongest first.

        Parameters
        ----------
        user_id : id
            A user known to the model (fitted or folded in).
        n : int, default=10
            Number of interests.
        fields : sequence of str, optional
            Only report these fields (e.g. ``["genres"]``).

        Returns
        -------
        list of (str, str, float)
            Weights are the user's normalised profile (their squares sum to 1 over all
            features).
        """
        check_fitted(self)
        n = check_int(n, "n", min_value=0)
        u = self.user_ids_.index([user_id], name="user_id")
        p = self._profiles(take_rows(self.user_items_, u), unit=True)
        idx, w = p.indices, p.data
        if fields is not None:
            wanted = check_iterable(fields, "fields")
            if not all(isinstance(f, str) for f in wanted):
                raise InputTypeError(f"fields must hold field names (str), got {fields!r}.")
            keep = np.isin(self.feature_fields_[idx], wanted)
            idx, w = idx[keep], w[keep]
        order = np.lexsort((idx, -w))[:n]
        return [
            (str(self.feature_fields_[i]), str(self.feature_values_[i]), float(x))
            for i, x in zip(idx[order], w[order])
        ]

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        F = self.item_features_
        arrays = {
            "indptr": F.indptr,
            "indices": F.indices,
            "data": F.data,
            "feature_fields": self.feature_fields_,
            "feature_values": self.feature_values_,
        }
        return arrays, {}

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        fields = member(arrays, "feature_fields", kinds="U", shape=(None,))
        values = member(arrays, "feature_values", kinds="U", shape=fields.shape)
        shape = (len(self.item_ids_), fields.size)
        self.item_features_ = csr_from_arrays(arrays, "", shape, dtype=np.float32)
        self.feature_fields_, self.feature_values_ = fields, values
