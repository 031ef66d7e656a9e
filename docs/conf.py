"""Sphinx configuration for filmreco (built offline with -W: warnings are errors)."""

from __future__ import annotations

import filmreco

project = "filmreco"
author = "The filmreco developers"
copyright = "2026, The filmreco developers"
release = filmreco.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
]
# No intersphinx: the build must work offline.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "show-inheritance": True,
    # scikit-learn's metadata-routing helpers are not part of filmreco's API
    "exclude-members": "set_fit_request, set_score_request, set_predict_request, "
    "set_recommend_request, get_metadata_routing",
}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"filmreco {release}"
html_static_path = ["_static"]
language = "en"
nitpicky = False
