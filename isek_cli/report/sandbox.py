"""The Jinja sandbox report templates run in, with a budget for the work a template may do.

Jinja's immutable sandbox keeps templates away from Python internals, files and the
environment. It does not bound the work: a size check on each operation lets nested loops,
towers of powers, ``lipsum(n=10**7)`` or a ``replace`` that doubles a string 60 times through.
So a render has a budget, counted as it runs:

- **steps**: every loop iteration, call, filter, attribute or item lookup and operator (a
  macro call, which costs Jinja far more, counts as ``MACRO_STEPS``);
- **text**: every character a string operation, a filter, ``~`` or an output builds;
- and no single value larger than ``MAX_TEXT`` characters (items for lists), no integer
  larger than ``MAX_INT_BITS`` bits, no width beyond ``MAX_WIDTH``.

Operations that could build a huge value in one step (``replace``, ``join``, ``sum``,
``indent``, ``expandtabs``, ``%``, ``*``, ``**``, ``lipsum``) are checked *before* they run, the
others after. Loops are counted by wrapping every ``{% for %}`` iterable when a template is
parsed, and output and ``~`` by wrapping their expressions. The budget grows with the plan
(``for_plan``), so a state-wide plan renders as easily as a small one while a hostile template
stops within seconds. Every refusal is a ``SecurityError`` that names the template and line.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from jinja2 import nodes
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

MAX_TEXT = 20_000_000  # characters of one string (items of one list)
MAX_WIDTH = 10_000  # a width, indent or padding
MAX_INT_BITS = 100_000  # about 30,000 decimal digits
BASE_STEPS = 5_000_000  # and STEPS_PER_ITEM for each measure, update, value …
STEPS_PER_ITEM = 250
TEXT_PER_STEP = 50  # characters built, per step of the budget
MACRO_STEPS = 100  # a macro call costs as much as about 100 simple steps


# ``d.items`` is the method, not an item named "items": these go the sandbox's general way.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class Budget:
    def __init__(self, max_steps: int) -> None:
        self.max_steps = max_steps
        self.max_text = max_steps * TEXT_PER_STEP
        self.steps = 0
        self.text = 0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.max_steps:
            raise SecurityError(f"the template does too much work (more than {self.max_steps:,} steps); "
                                "look for loops inside loops or a recursion")

    def built(self, value: Any) -> Any:
        """Count a value a template built; refuse one too large."""
        if isinstance(value, (str, list, tuple, dict, set)):
            n = len(value)
            if n > MAX_TEXT:
                raise SecurityError(f"a value of {n:,} characters or items, more than the limit of {MAX_TEXT:,}")
            if isinstance(value, str):
                self.text += n
                if self.text > self.max_text:
                    raise SecurityError(f"the template builds too much text (more than {self.max_text:,} "
                                        "characters); look for strings that grow in a loop")
        elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise SecurityError("a number with more than 30,000 digits")
        return value

    def ahead(self, size: int, what: str) -> None:
        """Refuse an operation before it builds ``size`` characters (or items)."""
        if size > MAX_TEXT:
            raise SecurityError(f"{what} would build {size:,} characters or items, more than the limit of {MAX_TEXT:,}")


def for_plan(plan) -> int:
    """The step budget for a plan: a base, and more for each thing a report can list."""
    items = len(plan.measure_index) + len(plan.indicators) + sum(len(h) for h in plan.history.values()) \
        + sum(len(s) for s in plan.series.values())
    return BASE_STEPS + STEPS_PER_ITEM * items


class _Counted:
    """A ``{% for %}`` iterable that spends a step per item (its length stays known)."""

    __slots__ = ("items", "budget")

    def __init__(self, items: Any, budget: Budget) -> None:
        self.items, self.budget = items, budget

    def __iter__(self):
        step = self.budget.step
        for item in self.items:
            step()
            yield item

    def __len__(self) -> int:
        return len(self.items)


class _Instrument(NodeTransformer):
    """Route loop iterables, ``~`` and output through the budget (see the module doc), as
    filters: Jinja calls a filter directly, far cheaper than a call through the sandbox."""

    @staticmethod
    def _via(name: str, node: nodes.Expr) -> nodes.Expr:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = self._via(LOOP_FILTER, node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        return self._via(TEXT_FILTER, self.generic_visit(node))

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        node = self.generic_visit(node)
        node.nodes = [n if isinstance(n, nodes.TemplateData) else self._via(TEXT_FILTER, n) for n in node.nodes]
        return node


LOOP_FILTER, TEXT_FILTER = "isek_budget_loop", "isek_budget_text"


class ReportSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with a :class:`Budget` (one environment per render)."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, *args, max_steps: int = BASE_STEPS, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget(max_steps)
        self.globals["lipsum"] = _lipsum(self.globals["lipsum"])

    def _parse(self, source, name, filename):
        return _Instrument().visit(super()._parse(source, name, filename))

    def budget_loop(self, items: Any) -> Any:
        return items if isinstance(items, _Counted) else _Counted(items, self.budget)

    def budget_text(self, value: Any) -> Any:
        self.budget.step()
        return self.budget.built(value)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        __self.budget.step(MACRO_STEPS if isinstance(__obj, Macro) else 1)
        _before_call(__self.budget, __obj, args, kwargs)
        if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive {% for %}
            args = (__self.budget_loop(args[0]),) + args[1:]
        return __self.budget.built(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj, attribute):
        budget = self.budget
        budget.steps += 1
        if budget.steps > budget.max_steps:
            budget.step(0)
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            # What Jinja's sandbox does for ``m.title`` on the report's dicts, without the
            # AttributeError it raises first: a dict has no such attribute, so the item it is.
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        budget = self.budget
        budget.steps += 1
        if budget.steps > budget.max_steps:
            budget.step(0)
        return super().getitem(obj, argument)

    def call_binop(self, context, operator, left, right):
        self.budget.step()
        _before_binop(self.budget, operator, left, right)
        return self.budget.built(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        check_format(value.__self__)
        return wrapper

    def bound_filters(self) -> None:
        """Every filter spends a step, is checked before it runs and counted after."""
        for name, func in list(self.filters.items()):
            self.filters[name] = _budgeted_filter(self, name, func)
        self.filters[LOOP_FILTER], self.filters[TEXT_FILTER] = self.budget_loop, self.budget_text


def _size(x: Any) -> int:
    return len(x) if isinstance(x, (str, list, tuple)) else len(str(x)) if isinstance(x, (int, float)) else 0


def _sizes(items: Any) -> int:
    return sum(_size(x) for x in items) if isinstance(items, (list, tuple)) else 0


def _before_binop(budget: Budget, op: str, left: Any, right: Any) -> None:
    ints = isinstance(left, int) and isinstance(right, int)
    if op == "**" and ints and right > 0 and left.bit_length() * right > MAX_INT_BITS:
        raise SecurityError("a power with more than 30,000 digits")
    if op == "**" and isinstance(right, (int, float)) and abs(right) > 100 and not ints:
        raise SecurityError("exponent too large in a template")
    if op == "*" and ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SecurityError("a product with more than 30,000 digits")
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                budget.ahead(len(seq) * n, "a repetition")
    if op == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        budget.ahead(len(left) + len(right), "a concatenation")
    if op == "%" and isinstance(left, str):
        check_percent(left)
        args = right if isinstance(right, tuple) else (right,)
        budget.ahead(len(left) + _sizes(list(args)), "a %-format")


def _before_call(budget: Budget, obj: Any, args: tuple, kwargs: dict) -> None:
    """Checks for the methods of str that can build a huge string in one step."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int) and args[0] > MAX_WIDTH:
        raise SecurityError(f"width {args[0]:,} of '{name}' is larger than {MAX_WIDTH:,}")
    if name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        budget.ahead(len(owner) + owner.count("\t") * max(0, int(size)), "expandtabs")
    elif name == "replace" and len(args) >= 2:
        budget.ahead(_replaced_size(owner, args[0], args[1]), "a replace")
    elif name == "join" and args:
        budget.ahead(_sizes(args[0]) + len(owner) * max(0, len(args[0]) - 1 if hasattr(args[0], "__len__") else 0),
                     "a join")


def _replaced_size(text: str, old: Any, new: Any) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    count = text.count(old) if old else len(text) + 1
    return len(text) + count * (len(new) - len(old))


def _lipsum(func):
    @functools.wraps(func)
    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100):  # noqa: A002 (Jinja's names)
        if n > 1000 or max > 1000 or min > max:
            raise SecurityError("lipsum: at most 1,000 paragraphs of at most 1,000 words")
        return func(n, html, min, max)
    return lipsum


def _budgeted_filter(env: ReportSandbox, name: str, func):
    passes = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def filtered(*args, **kwargs):
        value, rest = (args[1], args[2:]) if passes is not None else (args[0], args[1:])
        env.budget.step()
        _before_filter(env.budget, name, value, rest, kwargs)
        return env.budget.built(func(*args, **kwargs))
    return filtered


_WIDTHS = {"center", "indent", "wordwrap", "truncate", "batch", "slice", "format"}


def _before_filter(budget: Budget, name: str, value: Any, args: tuple, kwargs: dict) -> None:
    if name in _WIDTHS:
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_WIDTH:
                raise SecurityError(f"argument of the '{name}' filter too large in a template")
    if name == "format" and isinstance(value, str):
        check_percent(value)
    elif name == "replace" and len(args) >= 2 and isinstance(value, str):
        budget.ahead(_replaced_size(value, args[0], args[1]), "a replace")
    elif name == "join" and isinstance(value, (list, tuple)):
        sep = args[0] if args and isinstance(args[0], str) else kwargs.get("d", "")
        budget.ahead(_sizes(value) + len(str(sep)) * len(value), "a join")
    elif name == "sum" and isinstance(value, (list, tuple)) and \
            isinstance(kwargs.get("start", args[1] if len(args) > 1 else 0), (list, str)):
        budget.ahead(_sizes(value), "a sum of lists")
    elif name == "indent" and isinstance(value, str):
        width = args[0] if args else kwargs.get("width", 4)
        budget.ahead(len(value) + value.count("\n") * (width if isinstance(width, int) else len(str(width))),
                     "an indent")


def check_format(fmt: str) -> None:
    for _, _, spec, _ in string.Formatter().parse(fmt):
        if spec and ("{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec))):
            raise SecurityError("format width too large (or nested) in a template")


def check_percent(fmt: str) -> None:
    if any(int(n) > MAX_WIDTH for n in re.findall(r"%[-+ #0]*(\d+)", fmt)) or \
            any(int(n) > MAX_WIDTH for n in re.findall(r"%[-+ #0]*\d*\.(\d+)", fmt)):
        raise SecurityError("format width too large in a template")
