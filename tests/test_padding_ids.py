"""-1 and "" pad short result rows, so they are never accepted as ids (issue 18, defect 8)."""

from __future__ import annotations

import numpy as np
import pytest

from filmreco.data import Interactions
from filmreco.datasets import load_sample, make_synthetic
from filmreco.exceptions import InputError
from filmreco.recommend import Popularity
from filmreco.social.graph import SocialGraph
from filmreco.sparse import IdMap


@pytest.mark.parametrize(
    ("users", "items"), [([0, 1, 2], [10, 11, 10]), (["a", "b", "c"], ["x", "y", "x"])]
)
def test_short_rows_keep_shape_dtype_and_padding(users, items):
    X = Interactions.from_arrays(users, items)
    model = Popularity().fit(X)
    ids, scores = model.recommend(X.user_ids.ids, n=5, filter_seen=True)
    assert ids.shape == scores.shape == (3, 5)
    assert ids.dtype == X.item_ids.ids.dtype
    pad = X.item_ids.missing
    real = ids != pad
    assert (real.sum(axis=1) == 1).all()  # one unseen film each, then padding
    assert np.isneginf(scores[~real]).all() and np.isfinite(scores[real]).all()
    assert set(ids[real].tolist()) <= set(X.item_ids.ids.tolist())


@pytest.mark.parametrize(("users", "items"), [([0, -1], [10, 11]), (["a", "b"], ["x", ""])])
def test_padding_values_are_refused_by_the_containers(users, items):
    with pytest.raises(InputError, match=r"_ids contains the id .*pad result rows"):
        Interactions.from_arrays(users, items)
    bad = users if -1 in users else items
    with pytest.raises(InputError, match="sources/targets contains the id"):
        SocialGraph.from_arrays(bad, bad[::-1])
    with pytest.raises(InputError, match="pad result rows"):
        SocialGraph.from_arrays([bad[0]], [bad[0]], node_ids=bad)


def test_sample_and_synthetic_worlds_hold_no_padding_ids():
    for world in (load_sample(), make_synthetic(n_users=60, n_items=30, random_state=3,
                                                partner_items=10)):  # fmt: skip
        for part in world.values():
            for attr in ("user_ids", "item_ids", "node_ids"):
                m = getattr(part, attr, None)
                if isinstance(m, IdMap):
                    assert m.missing not in set(m.ids.tolist()), (part, attr)


def test_a_saved_file_holding_a_padding_id_is_refused(tmp_path):
    from filmreco._persist import save_npz
    from filmreco.exceptions import FormatError

    _, meta = IdMap([1, 2]).to_arrays()
    path = save_npz(tmp_path / "ids", {"ids": np.array([-1, 2])}, kind="IdMap", version=1,
                    meta=meta)  # fmt: skip
    with pytest.raises(FormatError, match="contains the id -1"):
        IdMap.load(path)
