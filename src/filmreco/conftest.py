"""Doctest namespace for the examples in filmreco's docstrings."""

import numpy as np
import pytest
import scipy.sparse as sp


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace["np"] = np
    doctest_namespace["sp"] = sp
