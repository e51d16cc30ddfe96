"""Every check code the verifier and a witness can give has a name (audit.checks), found in the
source rather than copied by hand: a new check without a name fails here.

How the codes are found: every call, in the `audit` package, that makes a `Finding` (its
`check`) or raises a `WitnessRefusal` or a `LogError` (its `code`, or the default), directly or through a helper that passes
its own parameter on (`_f(check, ...)`, `signature_finding`...: found the same way, until
nothing new is found). The argument is read as written: a string, either string of a
conditional, a variable assigned one of those in the same function, or the matching item of
the literal tuples a `for` loop unpacks. Anything else fails the test, naming the line, so a
code computed some other way cannot be missed silently.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import audit
from audit.checks import CHECKS, REFUSALS, check_name, named
from audit.findings import Finding
from audit.log import LogError
from audit.witness import WitnessRefusal

AUDIT = Path(audit.__file__).parent


def _emitter(cls: type, param: str, kind: str) -> tuple[str, tuple[int, str, str, str | None]]:
    """(name as called, (index of the parameter that carries the code, its name, what kind
    of code, its default))."""
    params = inspect.signature(cls).parameters
    default = params[param].default
    return cls.__name__, (
        list(params).index(param),
        param,
        kind,
        default if isinstance(default, str) else None,
    )


# the emitters known from the start; helpers that pass a code on are found from these
KNOWN = dict(
    [
        _emitter(Finding, "check", "check"),
        _emitter(WitnessRefusal, "code", "refusal"),
        _emitter(LogError, "code", "refusal"),
    ]
)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef):
            return node
    return None


def _params(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]]


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return call.args[index] if index < len(call.args) else None


def _strings(node: ast.expr, fn: ast.FunctionDef | None) -> list[str] | None:
    """The strings `node` can be, or None when that cannot be read from the source."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _strings(node.body, fn), _strings(node.orelse, fn)
        return None if a is None or b is None else a + b
    if isinstance(node, ast.Name) and fn is not None:
        found: list[str] = []
        for n in ast.walk(fn):
            if isinstance(n, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in n.targets
            ):
                values = _strings(n.value, fn)
                if values is None:
                    return None
                found += values
            elif (
                isinstance(n, ast.For)
                and isinstance(n.target, ast.Tuple)
                and isinstance(n.iter, ast.Tuple | ast.List)
            ):
                names = [t.id if isinstance(t, ast.Name) else None for t in n.target.elts]
                if node.id not in names:
                    continue
                i = names.index(node.id)
                for item in n.iter.elts:
                    if not isinstance(item, ast.Tuple):
                        return None
                    values = _strings(item.elts[i], fn)
                    if values is None:
                        return None
                    found += values
        return found or None
    return None


def emitted_codes() -> tuple[set[str], set[str], list[str]]:
    """(Finding check codes, refusal codes, calls whose code cannot be read)."""
    modules = {p: ast.parse(p.read_text(encoding="utf-8")) for p in AUDIT.rglob("*.py")}
    # (module of a private helper or None, name as called) -> (index, parameter, kind, default)
    emitters = {(None, name): spec for name, spec in KNOWN.items()}
    codes: dict[str, set[str]] = {"check": set(), "refusal": set()}
    unread: list[str] = []
    changed = True
    while changed:
        changed = False
        codes = {"check": set(), "refusal": set()}
        unread = []
        for path, tree in modules.items():
            parents = _parents(tree)
            for call in ast.walk(tree):
                if not isinstance(call, ast.Call):
                    continue
                f = call.func
                called = (
                    f.id
                    if isinstance(f, ast.Name)
                    else f.attr
                    if isinstance(f, ast.Attribute)
                    else ""
                )
                spec = emitters.get((path, called)) or emitters.get((None, called))
                if spec is None:
                    continue
                index, param, kind, default = spec
                arg = _argument(call, index, param)
                fn = _function(call, parents)
                where = f"{path.relative_to(AUDIT.parent)}:{call.lineno}"
                if arg is None:
                    if default is None:
                        unread.append(where)
                    else:
                        codes[kind].add(default)
                    continue
                if isinstance(arg, ast.Name) and fn is not None and arg.id in _params(fn):
                    # a helper passing its own parameter on: its callers give the code
                    # a private helper is called in its module; a public one anywhere
                    key = (path if fn.name.startswith("_") else None, fn.name)
                    if key not in emitters:
                        emitters[key] = (_params(fn).index(arg.id), arg.id, kind, None)
                        changed = True
                    continue
                values = _strings(arg, fn)
                if values is None:
                    unread.append(where)
                else:
                    codes[kind].update(values)
    return codes["check"], codes["refusal"], unread


def test_every_code_the_verifier_or_a_witness_can_give_has_a_name() -> None:
    checks, refusals, unread = emitted_codes()
    assert unread == []  # every code is written where it is made
    # the helpers were followed: codes made only through them are found
    assert {"signature.invalid", "log.leaf_mismatch", "bundle.registry", "sealed.erased"} <= checks
    assert {"fork", "inconsistent", "rollback", "damaged_state", "unprovable"} <= refusals
    assert sorted(checks - CHECKS.keys()) == []  # a code without a name
    assert sorted(CHECKS.keys() - checks) == []  # a name for a code nobody gives
    assert sorted(refusals - REFUSALS.keys()) == []
    assert sorted(REFUSALS.keys() - refusals) == []


def test_every_name_is_said_in_both_languages() -> None:
    for code, (vi, en) in {**CHECKS, **REFUSALS}.items():
        assert vi and en and vi != en, code
        assert not any(c in vi + en for c in "()—"), code  # it is written inside them
        assert check_name(code) == vi and check_name(code, "en") == en


def test_a_code_is_shown_with_its_name_and_an_unknown_one_as_itself() -> None:
    assert named("checkpoint.root") == "checkpoint.root (gốc Merkle khác gốc đã ký)"
    assert named("rollback", "en") == "rollback (log or state rolled back)"
    assert named("future.check") == "future.check"
    assert check_name("future.check") == ""
