"""Messages whose advice works (issue 14).

Every "pass X=" (and "use X=", "or X=" after it) in the library's messages must name an
argument that the function raising it accepts. The library's source is walked: for each
message that gives such advice, the enclosing function must take X (as a parameter, or
as a parameter of its class's constructor, for ``fit`` checking a hyper-parameter); a
private helper is judged through its callers (every function that calls it must take X,
or pass the check the same way). Then the three calls the issue reported are run.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import filmreco
from filmreco.exceptions import FilmrecoError

SRC = Path(filmreco.__file__).parent
ADVICE = re.compile(r"\b(?:pass|use|or)\s+([a-z_][a-z0-9_]*)=(?!=)")
# Words that look like advice but name something else than an argument of the call.
NOT_ARGUMENTS = {
    # keyword arguments of other functions, named with the function in the message
    "n_jobs",  # joblib.parallel_config(n_jobs=...) is named with it
}


def _message_text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ""


class _Index(ast.NodeVisitor):
    """Functions (qualified by class), their parameters, their advice and their calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stack: list[ast.AST] = []
        self.params: dict[str, set[str]] = {}
        self.advice: list[tuple[str, str, int, str]] = []  # (function, X, line, text)
        self.calls: dict[str, set[str]] = defaultdict(set)  # callee name -> callers
        self.init_params: dict[str, set[str]] = {}

    def _qual(self) -> str:
        names: list[str] = []
        for k, n in enumerate(self.stack):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if k and isinstance(self.stack[k - 1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.append("<locals>")
                names.append(n.name)
        return ".".join(names)

    def _func(self) -> ast.FunctionDef | None:
        for n in reversed(self.stack):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return n  # type: ignore[return-value]
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stack.append(node)
        self.generic_visit(node)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.stack.append(node)
        a = node.args
        names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        if a.kwarg is not None:
            names.add("**")
        self.params[self._qual()] = names
        if node.name == "__init__" and len(self.stack) >= 2:
            self.init_params[self.stack[-2].name] = names  # type: ignore[attr-defined]
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
        if name and self._func() is not None:
            self.calls[name].add(self._qual())
        self.generic_visit(node)

    def _text(self, node: ast.AST) -> None:
        text = _message_text(node)
        if not text or self._func() is None:
            return
        for m in ADVICE.finditer(text):
            self.advice.append((self._qual(), m.group(1), node.lineno, text))

    def visit_Constant(self, node: ast.Constant) -> None:
        if not any(isinstance(p, ast.JoinedStr) for p in self.stack[-1:]):
            self._text(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._text(node)  # its parts are not visited again


def _index() -> tuple[dict[str, set[str]], list, dict[str, set[str]], dict[str, set[str]]]:
    params: dict[str, set[str]] = {}
    advice: list = []
    calls: dict[str, set[str]] = defaultdict(set)
    inits: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        idx = _Index(path)
        idx.visit(ast.parse(path.read_text(encoding="utf-8")))
        mod = path.relative_to(SRC).with_suffix("").as_posix().replace("/", ".")
        params.update({f"{mod}:{k}": v for k, v in idx.params.items()})
        advice += [(f"{mod}:{q}", x, ln, t, str(path)) for q, x, ln, t in idx.advice]
        for k, v in idx.calls.items():
            calls[k] |= {f"{mod}:{q}" for q in v}
        inits.update(idx.init_params)
    return params, advice, calls, inits


def _exported() -> set[str]:
    """Names a user can reach: every ``__all__`` of filmreco's public modules."""
    import importlib
    import pkgutil

    names: set[str] = set(filmreco.__all__)
    for m in pkgutil.walk_packages(filmreco.__path__, "filmreco."):
        if any(p.startswith("_") for p in m.name.split(".")):
            continue
        try:
            mod = importlib.import_module(m.name)
        except ImportError:
            continue
        names |= set(getattr(mod, "__all__", ()))
    return names


EXPORTED = _exported()


def _accepts(func: str, x: str, params, calls, inits, depth: int = 0) -> bool:
    own = params.get(func, set())
    if x in own:
        return True
    mod, qual = func.split(":", 1)
    parts = qual.split(".")
    if "<locals>" in parts:  # a nested function: judged as the function around it
        outer = ".".join(parts[: parts.index("<locals>")])
        return _accepts(f"{mod}:{outer}", x, params, calls, inits, depth)
    if len(parts) >= 2 and x in inits.get(parts[-2], set()):
        return True  # fit/_check_params checking a constructor parameter
    name = parts[-1]
    if len(parts) == 1:
        public = name in EXPORTED
    else:
        public = parts[0] in EXPORTED and (not name.startswith("_") or name == "__init__")
    if public or depth >= 4:
        return False
    callers = calls.get(name, set()) - {func}
    local = {c for c in callers if c.startswith(mod + ":")}
    if name.startswith("_") and local:  # a private helper: called in its own module
        callers = local
    return bool(callers) and all(_accepts(c, x, params, calls, inits, depth + 1) for c in callers)


def test_every_pass_x_names_an_argument_the_call_takes() -> None:
    params, advice, calls, inits = _index()
    assert advice, "the walk found no advice at all: the pattern is broken"
    wrong = []
    for func, x, line, text, path in advice:
        if x in NOT_ARGUMENTS:
            continue
        if not _accepts(func, x, params, calls, inits):
            wrong.append(f"{path}:{line} {func} advises {x}=: {text[:120]!r}")
    assert len(advice) > 20, len(advice)
    assert not wrong, "advice naming an argument the call does not take:\n" + "\n".join(wrong)


def _world():
    from filmreco.datasets import make_synthetic

    return make_synthetic(n_users=60, n_items=40, random_state=0)


@pytest.fixture(scope="module")
def world():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _world()


def _advised(exc: BaseException) -> set[str]:
    return {m.group(1) for m in ADVICE.finditer(str(exc))}


def _check_advice(call, fn) -> FilmrecoError:
    import inspect

    with pytest.raises(FilmrecoError) as err:
        call()
    accepted = set(inspect.signature(fn).parameters)
    assert _advised(err.value) <= accepted, (str(err.value), accepted)
    return err.value


def test_reported_calls_give_advice_that_works(world) -> None:
    from filmreco.recommend import ItemKNN
    from filmreco.social import IndependentCascade, SocialGraph

    X = world.interactions
    m = ItemKNN(n_neighbors=10).fit(X)
    u, i = X.user_ids.ids[0], X.item_ids.ids[0]
    errors = [
        _check_advice(lambda: m.recommend_users(["no such film"]), m.recommend_users),
        _check_advice(lambda: m.explain("no such user", i), m.explain),
        _check_advice(lambda: m.explain(u, "no such film"), m.explain),
    ]
    model = IndependentCascade(SocialGraph.from_edgelist(world.graph), 0.1, random_state=0)
    errors.append(_check_advice(lambda: model.simulate(["no such user"]), model.simulate))
    for e in errors:  # none of these takes on_unknown=, so none suggests it
        assert "on_unknown" not in str(e) and "check the ids" in str(e)
    # the IdMap itself, called directly, does take on_unknown=
    err = _check_advice(lambda: X.user_ids.index(["nobody"]), X.user_ids.index)
    assert "on_unknown=" in str(err)


@pytest.mark.parametrize("directed", [True, False])
def test_shuffle_graph_of_a_dense_graph_never_advises_what_it_does_not_take(directed) -> None:
    """The fuzz found shuffle_graph raising "pass self_loops='drop'" (it takes no such
    argument): its last rewiring round could leave a self-loop behind."""
    import warnings

    import numpy as np

    from filmreco.social import SocialGraph, shuffle_graph

    n = 5
    s, t = np.nonzero(~np.eye(n, dtype=bool))
    if not directed:
        s, t = s[s < t], t[s < t]
    g = SocialGraph.from_arrays(s, t, directed=directed)
    for seed in [*range(30), 2**64 - 1]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = shuffle_graph(g, random_state=seed)
        assert not (out.sources == out.targets).any()
