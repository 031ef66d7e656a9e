"""The file layout of a SearchIndex: the ``_export`` / ``_restore`` hooks of
:class:`filmreco._persist.Saveable`, which writes and reads it (npz + JSON, no pickle).

What is saved: the parameters (index-time ones; the deprecated query-time options only
when the constructor was given them), the records (one JSON text each, UTF-8, concatenated), the
ids, the vocabularies and the term-count matrices. The score matrices are not saved: they
are recomputed on load from the counts (a few vectorised passes), so a file cannot hold
scores that disagree with its counts. Files written before the query-time options left the
constructor carry them all in their parameters: those equal to the library default are dropped
on load, the others become the loaded index's defaults, as when the file was written. Every array and the header are checksummed by
``_persist``; the consistency of the parts (sizes, fields) is checked here, and any problem
raises :class:`~filmreco.exceptions.FormatError`.
"""

from __future__ import annotations

import inspect
import json
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .._persist import member
from .._validation import check_sparse_structure
from ..exceptions import FormatError, InputError, InputTypeError
from ..sparse import IdMap
from ._config import QUERY_DEFAULTS, QUERY_OPTIONS, _boosts, _names
from ._fields import FieldStore, pack_strings, unpack_strings
from ._intent import prior_values
from ._records import clean_record, record_from_json, record_to_json

if TYPE_CHECKING:
    from .index import SearchIndex

__all__ = ["FORMAT_VERSION", "export", "restore"]

FORMAT_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise InputTypeError(f"{type(value).__name__} is not JSON-serialisable")


def export(index: SearchIndex) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and JSON metadata of a fitted index."""
    raw = index.get_params(deep=False)
    for name in QUERY_OPTIONS:  # deprecated: saved only when given (files old code reads too)
        if raw[name] is None:
            del raw[name]
    try:
        params = json.loads(json.dumps(raw, default=_jsonable))
    except TypeError as exc:
        raise InputError(f"the index parameters cannot be saved as JSON: {exc}.") from None
    arrays, store_meta = index._store.to_arrays()
    data, offsets = pack_strings([record_to_json(r) for r in index._records])
    arrays["records.data"], arrays["records.offsets"] = data, offsets
    id_arrays, id_meta = index.doc_ids_.to_arrays(prefix="ids.")
    arrays.update(id_arrays)
    meta = {
        "params": params,
        "tuple_params": sorted(k for k, v in raw.items() if isinstance(v, tuple)),
        "id_field": index._cfg.id_field,
        "fields_": index.fields_,
        "name_fields_": list(index.name_fields_),
        "store": store_meta,
        "ids": id_meta,
    }
    return arrays, meta


#: Parameters added after format 1 was defined, with the value that files without them mean.
_ADDED_PARAMS: dict[str, Any] = {"prior_field": None, "prior_weight": 0.1, "intents": True}

#: Parameters whose default is a tuple (JSON gives a list back).
_TUPLE_PARAMS = ("user_words",)


def _check_store(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """The term-count matrices' dtype, document count and arrays, before they are built."""
    if meta["dtype"] not in ("<f4", "<f8"):
        raise FormatError(f"store dtype must be '<f4' or '<f8', got {meta['dtype']!r}.")
    n = meta["n_docs"]
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < 2**63:
        raise FormatError(f"store n_docs must be a count of documents, got {n!r}.")
    keys = meta["tf_keys"]
    if not isinstance(keys, list) or not all(isinstance(k, list) and len(k) == 2 for k in keys):
        raise FormatError(f"store tf_keys must be a list of [channel, field] pairs, got {keys!r}.")
    seen: set[tuple[Any, Any]] = set()
    for c, f in keys:
        if (c, f) in seen:  # one count matrix would silently replace the other
            raise FormatError(f"store tf_keys lists [{c!r}, {f!r}] twice.")
        seen.add((c, f))
    n_terms = {}
    for c in meta["channels"]:
        member(arrays, f"terms.{c}.data", kinds="u", shape=(None,), dtype=np.uint8)
        n_terms[c] = member(arrays, f"terms.{c}.offsets", kinds="iu", shape=(None,)).size - 1
    for i, (c, _field) in enumerate(meta["tf_keys"]):
        indptr = member(arrays, f"tf.{i}.indptr", kinds="iu", shape=(n + 1,))
        indices = member(arrays, f"tf.{i}.indices", kinds="iu", shape=(None,))
        data = member(arrays, f"tf.{i}.data", kinds="f", shape=indices.shape, finite=True)
        X = sp.csr_array((data, indices, indptr), shape=(n, max(n_terms.get(c, 0), 0)))
        try:
            check_sparse_structure(X, f"term-count matrix {i}")
        except InputError as exc:
            raise FormatError(f"the saved index is inconsistent: {exc}") from exc


def _check_fields(
    params: dict[str, Any], meta: dict[str, Any], boosts: dict[str, float], names: Any
) -> None:
    """The saved fields and name fields are what fit makes of the saved parameters."""
    id_field = meta["id_field"]
    # it may differ from the parameter id_field: a Catalog brings its own id field, which
    # wins over the parameter when fitting (iter_records)
    if not isinstance(id_field, str) or not id_field:
        raise FormatError(f"the id field must be a non-empty str, got {id_field!r}.")
    # fit's own resolution of `fields` and `name_fields`, over the saved fields
    again = _boosts(params, set(boosts), True)
    if again != boosts or tuple(_names(params, again)) != tuple(names):
        raise FormatError(
            f"the saved fields {boosts} / name fields {list(names)} are not what the "
            f"parameters fields={params['fields']!r}, name_fields={params['name_fields']!r} give."
        )


def _check_records(records: list[Any], id_field: str, doc_ids: IdMap) -> list[dict[str, Any]]:
    """The stored records as fit would have them (FormatError otherwise), each holding the
    stored id of its row."""
    out = []
    for i, rec in enumerate(records):
        try:
            clean = clean_record(rec, i)
        except InputError as exc:  # InputTypeError too: not a JSON object
            raise FormatError(f"the saved index holds a record that fit refuses: {exc}") from None
        if clean != rec:  # e.g. a NaN, which fit stores as None
            raise FormatError(f"the saved index holds record {i} in a form fit never stores.")
        out.append(clean)
    if len(out) == len(doc_ids):
        stored = doc_ids.ids.tolist()
        for i, rec in enumerate(out):
            got = rec.get(id_field)
            if got != stored[i] or type(got) is not type(stored[i]):
                raise FormatError(
                    f"the saved index is inconsistent: record {i} has {id_field} "
                    f"{got!r}, but the stored id of its row is {stored[i]!r}."
                )
    return out


def restore(
    cls: type[SearchIndex], arrays: dict[str, np.ndarray], meta: dict[str, Any]
) -> SearchIndex:
    """The index that :func:`export` described, checked for consistency."""
    try:
        params = dict(meta["params"])
        names = set(inspect.signature(cls.__init__).parameters) - {"self"}
        for name, default in _ADDED_PARAMS.items():  # files written before they existed
            params.setdefault(name, default)
        missing = sorted(names - set(QUERY_OPTIONS) - set(params))
        if missing:
            raise FormatError(f"the SearchIndex parameters in the file lack {missing}.")
        for name in meta.get("tuple_params", []):  # JSON has lists only
            params[name] = tuple(params[name])
        for name in _TUPLE_PARAMS:  # files without tuple_params
            if isinstance(params.get(name), list):
                params[name] = tuple(params[name])
        # query-time options: saved by every index before they left the constructor
        legacy = {k: params.pop(k) for k in QUERY_OPTIONS if k in params}
        index = cls(**params)
        for name, value in legacy.items():
            if value is not None and value != QUERY_DEFAULTS[name]:
                setattr(index, name, value)  # the defaults the file was written with
        index._query_defaults = index._deprecated_defaults()
        records = [
            record_from_json(t)
            for t in unpack_strings(
                member(arrays, "records.data", kinds="u", shape=(None,), dtype=np.uint8),
                arrays["records.offsets"],
            )
        ]
        doc_ids = IdMap.from_arrays(arrays, meta["ids"], prefix="ids.")
        _check_store(arrays, meta["store"])
        store = FieldStore.from_arrays(arrays, meta["store"])
        cfg = index._resolve(
            records, meta["id_field"], boosts=meta["fields_"], names=meta["name_fields_"]
        )
        _check_fields(params, meta, cfg.boosts, cfg.name_fields)
        records = _check_records(records, meta["id_field"], doc_ids)
        if cfg.prior_field is not None:
            prior_values(records, cfg.prior_field, cfg.id_field)  # InputError -> FormatError
    except FormatError:
        raise
    except InputError as exc:
        raise FormatError(f"the file holds an invalid SearchIndex parameter: {exc}") from exc
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise FormatError(
            f"the file is not a consistent SearchIndex ({type(exc).__name__}: {exc})."
        ) from None
    n = len(records)
    if not (store.n_docs == n == len(doc_ids)):
        raise FormatError(
            f"the SearchIndex file is inconsistent: {n} records, {len(doc_ids)} ids, "
            f"{store.n_docs} rows of term counts."
        )
    if list(store.fields) != list(cfg.boosts):
        raise FormatError("the SearchIndex file is inconsistent: fields do not match.")
    index._cfg = cfg
    index._analyzers = None
    index._store = store
    index._records = records
    index._write_lock = threading.RLock()
    index.doc_ids_ = doc_ids
    index.fields_ = dict(cfg.boosts)
    index.name_fields_ = cfg.name_fields
    index._refresh()
    index._warm()  # ready to search from the first query, as after fit
    return index
