"""Reading a terms file exactly: YAML whose numbers are Decimal, and a validating reader.

Every problem names its key path (``receivables.advance_rate: 1.85 is above 1
(185%)``). The facility's own terms (abl/calc/terms/), the covenants
(abl/calc/terms/covenants.py) and the fees and pricing (abl/calc/fee_terms.py) are
each parsed with these, where the code that uses them lives.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from abl.calc.dates import date_problem

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line breaks are text
MAX_DIGITS = 15  # whole digits of any number in the terms: below a thousand trillion


class TermsError(ValueError):
    """The terms are not valid; `problems` lists each, naming its key path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _ExactLoader(yaml.SafeLoader):
    """A SafeLoader whose numbers are Decimal (floats) and int: never float, and which
    refuses a key written twice in one mapping (YAML itself keeps the last silently)
    and text holding a control character (no database column stores a NUL)."""

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None and (problems := _node_problems(node, "", set())):
            raise TermsError(problems)
        return node


def _node_problems(node: yaml.Node, path: str, visited: set[int]) -> list[str]:
    """`receivables.advance_rate: written twice (lines 17 and 18)` for each key written again,
    `facility.lender: has a control character` for each text holding one."""
    if id(node) in visited:  # an alias: its node was checked where it was written
        return []
    visited.add(id(node))
    problems: list[str] = []
    if isinstance(node, yaml.ScalarNode) and _CONTROL.search(str(node.value)):
        problems.append(
            f"{path or 'the file'}: has a control character (line {node.start_mark.line + 1})"
        )
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                problems += _node_problems(value, path, visited)
                continue
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            if _CONTROL.search(name):
                name = repr(name)
            where = f"{path}.{name}" if path else name
            line = key.start_mark.line + 1
            if name in lines and isinstance(key, yaml.ScalarNode):
                problems.append(f"{where}: written twice (lines {lines[name]} and {line})")
            lines.setdefault(name, line)
            problems += _node_problems(value, where, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _node_problems(item, f"{path}[{index}]", visited)
    return problems


def _decimal_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        return Decimal(text)
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not an exact number", node.start_mark
        ) from None


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal_scalar)


def exact_yaml(text: str) -> Mapping[str, Any]:
    """The YAML text as data, numbers as Decimal; TermsError if it is not a mapping."""
    try:
        data = yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, InvalidOperation) as error:
        raise TermsError([f"the file is not valid YAML: {error}"]) from None
    if not isinstance(data, Mapping):
        raise TermsError(["the file must be a mapping of sections (facility, receivables, …)"])
    return data


class Section:
    """Reads one mapping, collecting every problem with its key path."""

    def __init__(
        self, data: object, path: str, problems: list[str], *, known: tuple[str, ...]
    ) -> None:
        self.path, self.problems = path, problems
        if not isinstance(data, Mapping):
            problems.append(f"{path}: must be a mapping")
            data = {}
        self.data: Mapping[str, Any] = data
        for key in data:
            if key not in known:
                problems.append(f"{self._key(str(key))}: unknown key")

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                self.problems.append(f"{self._key(key)}: required")
            return None
        return self.data[key]

    def text(
        self, key: str, *, required: bool = True, default: str = "", max_length: int = 300
    ) -> str:
        value = self._get(key, required)
        if value is None or (value == "" and not required):
            return default
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{self._key(key)}: must be text")
            return default
        if len(value.strip()) > max_length:
            self.problems.append(f"{self._key(key)}: longer than {max_length} characters")
            return default
        return value.strip()

    def decimal(
        self,
        key: str,
        *,
        required: bool = True,
        default: str = "0",
        low: str | None = "0",
        high: str | None = None,
        places: int | None = None,
    ) -> Decimal:
        return self.decimal_at(
            self._get(key, required),
            self._key(key),
            default=default,
            low=low,
            high=high,
            places=places,
        )

    def decimal_at(
        self,
        value: object,
        path: str,
        *,
        default: str = "0",
        low: str | None = "0",
        high: str | None = None,
        places: int | None = None,
    ) -> Decimal:
        if value is None:
            return Decimal(default)
        number = to_decimal(value)
        if number is None:
            self.problems.append(f"{path}: {value!r} is not an exact number")
            return Decimal(default)
        if number.adjusted() > MAX_DIGITS:
            self.problems.append(f"{path}: {number} is too large")
            return Decimal(default)
        if low is not None and number < Decimal(low):
            self.problems.append(
                f"{path}: must not be negative" if low == "0" else f"{path}: must be at least {low}"
            )
        if high is not None and number > Decimal(high):
            pct = f" ({number * 100:g}%)" if high == "1" else ""
            self.problems.append(f"{path}: {number} is above {high}{pct}")
        if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
            self.problems.append(f"{path}: at most {places} decimal places")
        return number

    def rate(self, key: str, *, required: bool = True, default: str = "0") -> Decimal:
        return self.decimal(key, required=required, default=default, low="0", high="1")

    def money(self, key: str, *, required: bool = True, default: str = "0.00") -> Decimal:
        return self.decimal(key, required=required, default=default, places=2).quantize(
            Decimal("0.01")
        )

    def integer(
        self,
        key: str,
        *,
        required: bool = True,
        default: int = 0,
        low: int = 0,
        high: int = 100_000,
    ) -> int:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            self.problems.append(f"{self._key(key)}: must be a whole number")
            return default
        if int(value) < low:
            self.problems.append(f"{self._key(key)}: must be at least {low}")
        if int(value) > high:
            self.problems.append(f"{self._key(key)}: must be at most {high:,}")
            return default
        return int(value)

    def boolean(self, key: str, *, required: bool = True, default: bool = False) -> bool:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(f"{self._key(key)}: must be true or false")
            return default
        return value

    def date(self, key: str, *, required: bool = True) -> dt.date:
        return self.date_at(self._get(key, required), self._key(key))

    def date_at(self, value: object, path: str) -> dt.date:
        if value is None:
            return dt.date.min
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            date = value
        else:
            try:
                date = dt.date.fromisoformat(str(value))
            except ValueError:
                self.problems.append(f"{path}: {value!r} is not a date (YYYY-MM-DD)")
                return dt.date.min
        if problem := date_problem(date):
            self.problems.append(f"{path}: {problem}")
        return date

    def strings(self, key: str, *, upper: bool = False) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.append(f"{self._key(key)}: must be a list of names")
            return ()
        return tuple(v.strip().upper() if upper else v.strip() for v in value)

    def section(self, key: str, known: tuple[str, ...], *, required: bool = True) -> Section | None:
        value = self._get(key, required)
        return None if value is None else Section(value, self._key(key), self.problems, known=known)

    def items(self, key: str) -> list[tuple[str, object]]:
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, Mapping):
            self.problems.append(f"{self._key(key)}: must be a mapping")
            return []
        return [(str(k), v) for k, v in value.items()]

    def entries(self, key: str, *, required: bool = True) -> list[tuple[str, object]]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problems.append(f"{self._key(key)}: must be a list")
            return []
        return [(f"{self._key(key)}[{i}]", v) for i, v in enumerate(value)]


def to_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool | float):
        return None  # a float has already lost exactness: refuse it
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def absent(path: str) -> Section:
    """Stands in for a required section that is missing: its own problems are not reported."""
    return Section({}, path, [], known=())
