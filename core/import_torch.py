"""Import a Python function of tensors as a Chainrule graph, through ``torch.fx``.

Why: a learner who has a small PyTorch model wants to step through its chain
rule here.  ``torch.fx`` traces the function symbolically (it calls it once
with stand-ins, so Python control flow on values is refused by fx) into a
list of calls; each call becomes the Chainrule op whose PyTorch reference
(``Template.torch`` in the op table, the reference column of ``ops.md``) it
is, read backwards: which function, which argument is which port, which is
which setting.  The function's parameters become ``input`` nodes with the
example values given; number literals become ``const`` nodes.  A call that
is no Chainrule op is refused with its name and the line of the user's file.
Finally the graph is evaluated and compared with the function run by
PyTorch on the same examples, so an import is either exact or refused.

This runs the user's file (it must import it to find the function): it is
reached only from ``chainrule import`` and File ▸ Import from PyTorch, never
from opening a ``.cgraph`` file.  torch is imported here only.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import operator
import os
import sys
from typing import Any, Callable

import numpy as np

from . import ops
from .engine import evaluate
from .errors import ChainruleError
from .graph import Graph
from .layout import layered_positions
from .torch_table import _OPERATORS, _PASS_THROUGH, _Pattern, _Table, _table, helper_names

INSTALL = "pip install chainrule[torch]"


class ImportRefused(ChainruleError):
    """The file, the function or one of its calls cannot become a graph (one sentence)."""


def _torch():
    try:
        import torch
        import torch.fx  # noqa: F401
    except ImportError:
        raise ImportRefused("importing from PyTorch needs torch, which is not installed: "
                            + INSTALL) from None
    return torch


# ----------------------------------------------------------------- the file

def load_function(spec: str) -> tuple[Callable, str, str]:
    """``model.py:function`` (function defaults to ``model``) → (function, file, name).
    Runs the file, as ``python model.py`` would, but not as ``__main__``."""
    path, sep, name = spec.rpartition(":")
    if not sep or not name.isidentifier() or not path:
        path, name = spec, "model"
    if not os.path.isfile(path):
        raise ImportRefused(f"cannot open {path}: no such file")
    module_name = "chainrule_import_" + "".join(c if c.isalnum() else "_"
                                                for c in os.path.basename(path))
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ImportRefused(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except SystemExit:
        raise ImportRefused(f"{path}: the file exited while it was being imported") from None
    except Exception as exc:
        raise ImportRefused(f"{path}: running the file failed{_where(exc, path)}: "
                            f"{type(exc).__name__}: {exc}") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        names = [n for n, v in vars(module).items()
                 if inspect.isfunction(v) and v.__module__ == module_name]
        raise ImportRefused(f"{path} has no function {name}"
                            + (f"; it defines {', '.join(names)}" if names else ""))
    return fn, path, name


def _where(exc: BaseException, path: str) -> str:
    import traceback
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) == os.path.abspath(path)]
    return f" at line {frames[-1].lineno}" if frames else ""


def _examples(fn: Callable, path: str, given: dict[str, Any], module_fn: Callable | None):
    """Each parameter's example value: ``--example`` first, then ``example_inputs()``."""
    params = [p.name for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    unknown = [k for k in given if k not in params]
    if unknown:
        raise ImportRefused(f"--example {unknown[0]}=...: the function has no parameter "
                            f"{unknown[0]} (its parameters: {', '.join(params) or 'none'})")
    from_file: dict[str, Any] = {}
    if module_fn is not None and any(p not in given for p in params):
        try:
            got = module_fn()
        except Exception as exc:
            raise ImportRefused(f"{path}: example_inputs() failed{_where(exc, path)}: "
                                f"{type(exc).__name__}: {exc}") from None
        if isinstance(got, dict):
            from_file = dict(got)
        elif isinstance(got, (list, tuple)):
            from_file = dict(zip(params, got))
        else:
            from_file = dict(zip(params, [got]))
    values, trainable = {}, {}
    for p in params:
        if p in given:
            values[p], trainable[p] = given[p], False
        elif p in from_file:
            values[p], trainable[p] = _plain(from_file[p], p), bool(
                getattr(from_file[p], "requires_grad", False))
        else:
            raise ImportRefused(f"parameter {p} has no example value: give it with "
                                f"--example {p}=VALUE or return it from example_inputs()")
    return params, values, trainable


def _plain(value, name):
    if hasattr(value, "detach"):
        value = value.detach().double().cpu().numpy()
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ImportRefused(f"the example value of {name} is not a number or an array") from None
    return float(a) if a.ndim == 0 else a


# --------------------------------------------------------------- the trace

def _trace(torch, fn, path):
    """The fx graph of ``fn``, each node with the line of ``path`` that made it; the
    exported script's helpers stay single calls."""
    target_file = os.path.abspath(path)
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    space = vars(module) if module is not None else {}
    # fx's own autowrap skips names that start with "_": patch the helpers here.
    saved = {h: space[h] for h in helper_names() if callable(space.get(h))}

    class Tracer(torch.fx.Tracer):
        def create_node(self, *args, **kwargs):
            node = super().create_node(*args, **kwargs)
            frame = sys._getframe(1)
            while frame is not None:
                if os.path.abspath(frame.f_code.co_filename) == target_file:
                    node.meta["chainrule_line"] = frame.f_lineno
                    break
                frame = frame.f_back
            return node

    def single_call(original):
        def call(*args, **kwargs):
            proxies = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.fx.Proxy)]
            if not proxies:
                return original(*args, **kwargs)
            return proxies[0].tracer.create_proxy("call_function", original, args, kwargs)
        return call

    space.update({h: single_call(f) for h, f in saved.items()})
    try:
        return Tracer().trace(fn)
    except Exception as exc:
        raise ImportRefused(f"{path}: torch.fx cannot trace {fn.__name__}{_where(exc, path)} "
                            f"({type(exc).__name__}: {_first_line(exc)})") from None
    finally:
        space.update(saved)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Builder:
    """fx nodes → Chainrule nodes, from the output back (calls nothing feeds are skipped)."""

    def __init__(self, torch, table: _Table, path: str, graph: Graph, names: dict):
        self.torch, self.table, self.path, self.graph = torch, table, path, graph
        self.made: dict[Any, str] = {}
        self.names = names          # fx node → the name its line assigns it to

    def where(self, node) -> str:
        line = node.meta.get("chainrule_line")
        return f"{os.path.basename(self.path)}, line {line}" if line else \
            os.path.basename(self.path)

    def refuse(self, node, what: str) -> ImportRefused:
        return ImportRefused(f"{self.where(node)}: {what}")

    def const(self, value) -> str:
        node_id = self.graph.new_id("c")
        self.graph.add_node(node_id, "const", value=value)
        return node_id

    def value_of(self, arg, node) -> str:
        fx = self.torch.fx
        if isinstance(arg, fx.Node):
            return self.build(arg)
        if isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise self.refuse(node, f"{_describe_arg(arg)} where a tensor belongs; "
                              "give it as a parameter or a number")
        return self.const(float(arg))

    def build(self, node) -> str:
        if node in self.made:
            return self.made[node]
        made = self._build(node)
        self.made[node] = made
        return made

    def _build(self, node) -> str:
        if node.op == "placeholder":
            return node.target
        if node.op == "call_method" and node.target in _PASS_THROUGH or \
                self.inner_helper(node):
            return self.value_of(node.args[0], node)
        if node.op == "get_attr":
            raise self.refuse(node, f"{node.target} is an attribute of a module; trace a "
                              "function of tensors, with every weight a parameter")
        op, settings, inputs = self.match(node)
        wanted = self.names.get(node)
        node_id = wanted if wanted and wanted not in self.graph else \
            self.graph.new_id(node.name)
        ids = [self.value_of(a, node) for a in inputs]
        try:
            self.graph.add_node(node_id, op, attrs=settings)
        except ChainruleError as exc:
            raise self.refuse(node, f"{self.name(node)}: {exc}") from None
        for port, src in enumerate(ids):
            self.graph.connect(src, node_id, port)
        return node_id

    def helper(self, node) -> str | None:
        """The name of the exported script's helper that ``node`` calls, if it does."""
        if node.op == "call_function" and getattr(node.target, "__name__", None) in \
                helper_names():
            return node.target.__name__
        return None

    def inner_helper(self, node) -> bool:
        name = self.helper(node)
        return name is not None and name not in self.table.helpers

    def literal(self, value):
        """A setting's literal, through an inner helper (``_dims(None)``, ``_index(...)``)."""
        fx = self.torch.fx
        while isinstance(value, fx.Node) and self.inner_helper(value):
            value = value.args[0]
        return value

    def name(self, node) -> str:
        if node.op == "call_method":
            return f"Tensor.{node.target}"
        entry = self.table.functions.get(node.target)
        if entry:
            return entry[0]
        short = getattr(node.target, "__name__", "")
        for prefix, space in (("torch", self.torch), ("F", self.torch.nn.functional)):
            if short and getattr(space, short, None) is node.target:
                return f"{prefix}.{short}"
        mod = getattr(node.target, "__module__", None) or ""
        qual = getattr(node.target, "__qualname__", None) or getattr(node.target, "__name__",
                                                                    str(node.target))
        mod = {"torch.nn.functional": "F", "_operator": "operator"}.get(mod, mod)
        return f"{mod}.{qual}" if mod and mod not in ("builtins",) else qual

    def match(self, node) -> tuple[str, dict, list]:
        t = node.target
        if node.op == "call_function" and t in _OPERATORS:
            return _OPERATORS[t], {}, list(node.args)
        if node.op == "call_function" and t is operator.getitem:
            return self.index(node)
        if node.op == "call_function" and t is getattr and node.args[1] in ("T", "mT"):
            return "transpose", {}, [node.args[0]]
        if (node.op == "call_method" and t in ("transpose", "t")) or \
                (node.op == "call_function" and t in (self.torch.transpose, self.torch.t)):
            dims = tuple(node.args[1:]) + tuple(node.kwargs.values())
            if t in ("t", self.torch.t) or sorted(dims) in ([-2, -1],):
                return "transpose", {}, [node.args[0]]
            raise self.refuse(node, f"transpose{dims} swaps other axes than the last two; "
                              "Chainrule's transpose swaps the last two (transpose(-2, -1))")
        if (node.op == "call_function" and t is self.torch.cat) or \
                (node.op == "call_method" and t == "cat"):
            return self.cat(node)
        if (node.op == "call_function" and t is self.torch.clamp) and \
                node.kwargs.get("min") == 0 and node.kwargs.get("max") is None and \
                len(node.args) == 1:
            return "relu", {}, [node.args[0]]
        if node.op == "call_function" and t is self.torch.logsumexp or \
                node.op == "call_method" and t == "logsumexp":
            return self.by_order(node, "logsumexp", ["x", "axis", "keepdims"], {"dim": "axis",
                                                                                 "keepdim": "keepdims"})
        if self.helper(node) in self.table.helpers:
            return self.apply(node, self.table.helpers[self.helper(node)])
        if node.op == "call_function" and t is self.torch.tensor:
            raise self.refuse(node, "torch.tensor inside the function; make the tensor a "
                              "parameter and give its value as an example")
        pattern = None
        if node.op == "call_function":
            entry = self.table.functions.get(t)
            pattern = entry[1] if entry else None
        elif node.op == "call_method":
            pattern = self.table.methods.get(t)
        if pattern is None:
            raise self.refuse(node, f"{self.name(node)} is not one of Chainrule's ops "
                              "(ops.md lists them with their PyTorch functions)")
        return self.apply(node, pattern)

    def apply(self, node, pattern: _Pattern) -> tuple[str, dict, list]:
        """Bind the call's arguments to the pattern's ports and settings."""
        spec = ops.get(pattern.op)
        ports: dict[str, Any] = {}
        settings: dict[str, Any] = {}
        target = node.target
        signature = None
        if node.op == "call_function" and not self.helper(node):
            try:
                signature = inspect.signature(target)
            except (TypeError, ValueError):
                signature = None
            if signature is not None and any(
                    p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                    for p in signature.parameters.values()):
                signature = None                # a dispatcher (F.max_pool2d): by order
        args, kwargs = list(node.args), dict(node.kwargs)
        names = [k for k, _ in pattern.keywords.items()]
        slots: list[tuple[str, Any]] = list(pattern.positional) + \
            [pattern.keywords[k] for k in names]
        by_keyword = dict(pattern.keywords)
        if signature is not None:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise self.refuse(node, f"{self.name(node)}: {exc}") from None
            params = list(signature.parameters)
            roles: dict[str, tuple[str, Any]] = {}
            for i, slot in enumerate(pattern.positional):
                if i < len(params):
                    roles[params[i]] = slot
            roles.update(by_keyword)
            for pname, value in bound.arguments.items():
                role = roles.get(pname)
                if role is None:
                    default = signature.parameters[pname].default
                    if _same_default(value, default):
                        continue
                    raise self.refuse(node, f"{self.name(node)}: {pname}={value!r} has no "
                                      f"Chainrule setting (only the default "
                                      f"{default!r} is supported)")
                self.assign(node, role, pname, value, ports, settings)
        else:
            for i, value in enumerate(args):
                if i >= len(slots):
                    raise self.refuse(node, f"{self.name(node)}: too many arguments for "
                                      f"Chainrule's {pattern.op}")
                self.assign(node, slots[i], f"argument {i + 1}", value, ports, settings)
            for key, value in kwargs.items():
                role = by_keyword.get(key) or by_keyword.get(_TORCH_KEYWORDS.get(key, key))
                if role is None:
                    role = next((("setting", s.name) for s in spec.settings
                                 if key == s.name or key in s.aliases), None)
                if role is None and key in _HARMLESS and _same_default(value, _HARMLESS[key]):
                    continue
                if role is None:
                    raise self.refuse(node, f"{self.name(node)}: {key}={value!r} has no "
                                      f"Chainrule setting")
                self.assign(node, role, key, value, ports, settings)
        missing = [p for p in spec.ports if p not in ports]
        if missing:
            raise self.refuse(node, f"{self.name(node)}: no input for {', '.join(missing)}")
        return pattern.op, settings, [ports[p] for p in spec.ports]

    def assign(self, node, role, pname, value, ports, settings) -> None:
        kind, name = role
        if kind == "port":
            ports[name] = value
        elif kind == "setting":
            value = self.literal(value)
            if isinstance(value, self.torch.fx.Node):
                raise self.refuse(node, f"{self.name(node)}: {pname} is computed from "
                                  "tensors; give it as a literal")
            settings[name] = _setting_value(name, value)
        elif kind == "const" and not _same_default(value, name):
            raise self.refuse(node, f"{self.name(node)}: {pname}={value!r} is not supported "
                              f"(Chainrule's op needs {name!r})")

    def by_order(self, node, op, order, keywords) -> tuple[str, dict, list]:
        ports, settings = [], {}
        for i, value in enumerate(node.args):
            role = order[i] if i < len(order) else None
            if role is None:
                raise self.refuse(node, f"{self.name(node)}: too many arguments")
            if role in ops.get(op).ports:
                ports.append(value)
            else:
                settings[role] = _setting_value(role, value)
        for key, value in node.kwargs.items():
            settings[keywords.get(key, key)] = _setting_value(keywords.get(key, key), value)
        return op, settings, ports

    def index(self, node) -> tuple[str, dict, list]:
        x, key = node.args
        key = self.literal(key)
        if isinstance(key, list):                       # the exported _index(index)
            return "index", {"index": key}, [x]
        if not isinstance(key, tuple):
            key = (key,)
        entries = []
        for k in key:
            if isinstance(k, bool) or k is None or k is Ellipsis:
                raise self.refuse(node, "an index with None or ... has no Chainrule op; "
                                  "use integers and slices")
            if isinstance(k, int):
                entries.append(k)
            elif isinstance(k, slice) and all(p is None or isinstance(p, int)
                                              for p in (k.start, k.stop, k.step)):
                entries.append([k.start, k.stop, k.step])
            else:
                raise self.refuse(node, "an index by a tensor is an embedding: write "
                                  "F.embedding(ids, table)")
        return "index", {"index": entries}, [x]

    def cat(self, node) -> tuple[str, dict, list]:
        tensors = node.args[0]
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        if not isinstance(tensors, (list, tuple)) or len(tensors) != 2:
            raise self.refuse(node, "torch.cat joins exactly two tensors in Chainrule "
                              "(concat has ports a and b); nest the calls for more")
        return "concat", {"axis": _setting_value("axis", dim)}, list(tensors)


# Keywords fx records with their defaults where a function's signature is hidden
# (F.max_pool2d dispatches on return_indices): these values mean Chainrule's op.
_HARMLESS = {"padding": 0, "dilation": 1, "ceil_mode": False, "return_indices": False,
             "inplace": False, "count_include_pad": True, "divisor_override": None}
_TORCH_KEYWORDS = {"dim": "axis", "keepdim": "keepdims", "negative_slope": "slope",
                   "kernel_size": "size"}


def _same_default(value, default) -> bool:
    if default is inspect.Parameter.empty:
        return False
    try:
        return bool(value == default) and type(value) is type(default) or value is default
    except Exception:
        return False


def _setting_value(name: str, value):
    if name in ("axis",) and isinstance(value, (tuple, list)):
        if len(value) == 0:
            return None
        if len(value) == 1:
            return int(value[0])
    if isinstance(value, tuple):
        return list(value)
    return value


def _describe_arg(arg) -> str:
    if isinstance(arg, (list, tuple)):
        return "a list"
    if isinstance(arg, str):
        return f"the string {arg!r}"
    return repr(arg)


# ---------------------------------------------------------------- the whole

def import_function(spec: str, examples: dict[str, Any] | None = None) -> Graph:
    """The graph of the function ``model.py:function``; ImportRefused (one sentence)
    when something cannot be imported exactly."""
    torch = _torch()
    fn, path, name = load_function(spec)
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    make_examples = getattr(module, "example_inputs", None) if module else None
    params, values, trainable = _examples(fn, path, dict(examples or {}), make_examples)
    fx_graph = _trace(torch, fn, path)
    graph = Graph()
    graph.title = f"{name} (imported from {os.path.basename(path)})"
    doc = inspect.getdoc(fn) or ""
    graph.description = (doc + "\n\n" if doc else "") + \
        f"Imported from PyTorch: {os.path.basename(path)}, function {name}."
    for p in params:
        graph.add_node(p, "input", value=values[p], trainable=trainable[p])
    builder = _Builder(torch, _table(torch), path, graph, _assigned_names(fx_graph, path))
    outputs = [n for n in fx_graph.nodes if n.op == "output"]
    result = outputs[0].args[0]
    if not isinstance(result, torch.fx.Node):
        raise ImportRefused(f"{path}: {name} must return one tensor (the output, e.g. the "
                            "loss), not " + _describe_arg(result))
    out = builder.build(result)
    graph.set_output(out)
    for node_id, pos in layered_positions(graph).items():
        graph.set_pos(node_id, pos)
    _check_exact(torch, fn, graph, params, values, path, name)
    return graph


def _assigned_names(fx_graph, path: str) -> dict:
    """The last call of a line ``NAME = ...`` is the node called NAME (``h = relu(x @ w)``
    gives the relu node the id h); other calls keep fx's names."""
    import linecache
    last: dict[int, Any] = {}
    for node in fx_graph.nodes:
        line = node.meta.get("chainrule_line")
        if line is not None and node.op in ("call_function", "call_method"):
            last[line] = node
    names = {}
    for line, node in last.items():
        text = linecache.getline(path, line).strip()
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        stmt = tree.body[0] if len(tree.body) == 1 else None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            names[node] = stmt.targets[0].id
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            names[node] = stmt.target.id
    return names


def _check_exact(torch, fn, graph, params, values, path, name) -> None:
    """The imported graph must compute what the function computes on the examples."""
    ev = evaluate(graph)
    if ev.problems or ev.error:
        message = ev.problems[0].message if ev.problems else ev.error
        raise ImportRefused(f"{path}: the imported graph of {name} cannot be evaluated: "
                            f"{message}")
    tensors = [torch.tensor(np.asarray(values[p]), dtype=torch.float64) for p in params]
    try:
        with torch.no_grad():
            want = fn(*tensors)
    except Exception as exc:
        raise ImportRefused(f"{path}: {name} fails on the example values{_where(exc, path)}: "
                            f"{type(exc).__name__}: {_first_line(exc)}") from None
    got = np.asarray(ev.value(graph.effective_output()), dtype=np.float64)
    want = want.detach().double().numpy() if hasattr(want, "detach") else np.asarray(want)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-12,
                                                  equal_nan=True):
        raise ImportRefused(f"{path}: the imported graph of {name} gives a different output "
                            f"({got.tolist()} instead of {want.tolist()}); some call means "
                            "something else in Chainrule")
