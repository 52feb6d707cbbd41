"""Facility terms as data: the §10 YAML file, read exactly and validated.

Numbers are read as Decimal (never through float); every problem names its key
path, e.g. ``receivables.advance_rate: 1.85 is above 1 (185%)``.

>>> terms = load_terms_yaml(open("examples/innotrac/terms.yaml").read())  # doctest: +SKIP
>>> terms.receivables.advance_rate  # doctest: +SKIP
Decimal('0.85')
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BASES = ("line_cap", "commitment")
INVENTORY_CATEGORIES = ("raw_materials", "work_in_process", "finished_goods")


class TermsError(ValueError):
    """The terms are not valid; `problems` lists each, naming its key path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- the terms


@dataclass(frozen=True)
class FacilityInfo:
    id: str
    lender: str
    borrower: str
    commitment: Decimal
    terms_date: dt.date
    maturity_date: dt.date


@dataclass(frozen=True)
class ReceivablesTerms:
    advance_rate: Decimal
    age_limit_days: int
    cross_age_pct: Decimal
    concentration_limit_pct: Decimal
    concentration_overrides: dict[str, Decimal]
    eligible_countries: tuple[str, ...]

    def concentration_limit(self, customer_id: str) -> Decimal:
        return self.concentration_overrides.get(customer_id, self.concentration_limit_pct)


@dataclass(frozen=True)
class Program:
    advance_rate: Decimal
    requires_consent: bool
    consent_received: bool

    @property
    def in_force(self) -> bool:
        """The program's rate applies: no consent needed, or consent recorded."""
        return not self.requires_consent or self.consent_received


@dataclass(frozen=True)
class InventoryTerms:
    advance_rate: Decimal
    sublimit: Decimal
    ineligible_categories: tuple[str, ...]
    approved_locations: tuple[str, ...]
    programs: dict[str, Program]


@dataclass(frozen=True)
class Reserve:
    name: str
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True)
class ReportingTerms:
    threshold_pct: Decimal
    basis: str
    cure_days: int
    monthly_due_days: int
    weekly_due_weekday: str
    financials_due_days: int


@dataclass(frozen=True)
class Step:
    """A covenant requirement from `date` on (until the next step)."""

    date: dt.date
    value: Decimal


@dataclass(frozen=True)
class TangibleNetWorth:
    schedule: tuple[Step, ...]
    quarterly_increase: Decimal  # after the last step, added at each quarter end
    deferred_tax_asset_is_intangible: bool


@dataclass(frozen=True)
class CapexYear:
    year: int
    limit: Decimal
    new_business_allowance: Decimal


@dataclass(frozen=True)
class Covenants:
    tangible_net_worth: TangibleNetWorth
    fixed_charge_coverage: tuple[Step, ...]
    debt_to_tangible_net_worth: tuple[Step, ...]
    capital_expenditures: tuple[CapexYear, ...]


@dataclass(frozen=True)
class FieldExamFee:
    typical: Decimal
    max_per_year: int


@dataclass(frozen=True)
class Fees:
    monthly_monitoring: Decimal
    online_setup: Decimal
    field_exam: FieldExamFee


@dataclass(frozen=True)
class PricingLevel:
    up_to: Decimal | None  # the measured ratio at most this (None: any higher)
    margin: Decimal


@dataclass(frozen=True)
class Pricing:
    given_by_letter: bool
    base_rate: str
    measured_by: str
    day_count: str
    levels: tuple[PricingLevel, ...]


@dataclass(frozen=True)
class FacilityTerms:
    facility: FacilityInfo
    receivables: ReceivablesTerms
    inventory: InventoryTerms
    reserves: tuple[Reserve, ...]
    reporting: ReportingTerms
    covenants: Covenants | None
    fees: Fees | None
    pricing: Pricing | None
    letter_paths: tuple[str, ...] = field(default=())
    # The letter's own words for a term, by key path (e.g. "receivables.advance_rate").
    letter_clauses: tuple[tuple[str, str], ...] = field(default=())

    @property
    def total_reserves(self) -> Decimal:
        return sum((r.amount for r in self.reserves), Decimal("0.00"))


def with_reserves(terms: FacilityTerms, reserves: list[Reserve]) -> FacilityTerms:
    """The same terms with these reserves instead of the current ones."""
    for reserve in reserves:
        if reserve.amount < 0 or not reserve.name.strip():
            raise TermsError([f"reserves: {reserve.name!r} needs a name and a non-negative amount"])
    return dataclasses.replace(terms, reserves=tuple(reserves))


def with_consent(terms: FacilityTerms, program: str, received: bool) -> FacilityTerms:
    """The same terms with the program's consent recorded as received (or not)."""
    programs = dict(terms.inventory.programs)
    if program not in programs:
        known = ", ".join(sorted(programs)) or "none"
        raise TermsError([f"inventory.programs.{program}: no such program (known: {known})"])
    programs[program] = dataclasses.replace(programs[program], consent_received=received)
    return dataclasses.replace(
        terms, inventory=dataclasses.replace(terms.inventory, programs=programs)
    )


# ---------------------------------------------------------------- YAML, exactly


class _ExactLoader(yaml.SafeLoader):
    """A SafeLoader whose numbers are Decimal (floats) and int: never float."""


def _decimal_scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    return Decimal(text)


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal_scalar)


def load_terms_yaml(text: str) -> FacilityTerms:
    try:
        data = yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, InvalidOperation) as error:
        raise TermsError([f"the file is not valid YAML: {error}"]) from None
    if not isinstance(data, Mapping):
        raise TermsError(["the file must be a mapping of sections (facility, receivables, …)"])
    return parse_terms(data)


# ---------------------------------------------------------------- validation


class _Section:
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

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None or (value == "" and not required):
            return default
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{self._key(key)}: must be text")
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
        number = _to_decimal(value)
        if number is None:
            self.problems.append(f"{path}: {value!r} is not an exact number")
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

    def integer(self, key: str, *, required: bool = True, default: int = 0, low: int = 0) -> int:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            self.problems.append(f"{self._key(key)}: must be a whole number")
            return default
        if int(value) < low:
            self.problems.append(f"{self._key(key)}: must be at least {low}")
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
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problems.append(f"{path}: {value!r} is not a date (YYYY-MM-DD)")
            return dt.date.min

    def strings(self, key: str, *, upper: bool = False) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.append(f"{self._key(key)}: must be a list of names")
            return ()
        return tuple(v.strip().upper() if upper else v.strip() for v in value)

    def section(
        self, key: str, known: tuple[str, ...], *, required: bool = True
    ) -> _Section | None:
        value = self._get(key, required)
        return (
            None if value is None else _Section(value, self._key(key), self.problems, known=known)
        )

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


def _to_decimal(value: object) -> Decimal | None:
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


def parse_terms(data: Mapping[str, Any]) -> FacilityTerms:
    """Validate a terms mapping (from YAML or stored JSON); raise TermsError listing every problem."""
    problems: list[str] = []
    top = _Section(
        data,
        "",
        problems,
        known=(
            "facility",
            "receivables",
            "inventory",
            "reserves",
            "reporting",
            "covenants",
            "fees",
            "pricing",
            "sources",
        ),
    )
    facility = _facility(top)
    receivables = _receivables(top)
    inventory = _inventory(top)
    reserves = _reserves(top)
    reporting = _reporting(top)
    covenants = _covenants(top)
    fees = _fees(top)
    pricing = _pricing(top)
    sources = top.section("sources", ("letter", "clauses"), required=False)
    letter = sources.strings("letter") if sources else ()
    clauses = []
    for path, clause in sources.items("clauses") if sources else []:
        if not isinstance(clause, str) or not clause.strip():
            problems.append(f"sources.clauses.{path}: must be text")
        else:
            clauses.append((path, clause.strip()))
    if (
        facility.terms_date != dt.date.min
        and facility.maturity_date != dt.date.min
        and (facility.maturity_date <= facility.terms_date)
    ):
        problems.append("facility.maturity_date: must be after facility.terms_date")
    if problems:
        raise TermsError(problems)
    return FacilityTerms(
        facility,
        receivables,
        inventory,
        reserves,
        reporting,
        covenants,
        fees,
        pricing,
        letter,
        tuple(clauses),
    )


def _facility(top: _Section) -> FacilityInfo:
    s = top.section(
        "facility", ("id", "lender", "borrower", "commitment", "terms_date", "maturity_date")
    )
    s = s or _absent("facility")
    ident = s.text("id")
    if ident and not all(ch.isalnum() or ch in "-_" for ch in ident):
        top.problems.append("facility.id: letters, digits, '-' and '_' only")
    return FacilityInfo(
        id=ident,
        lender=s.text("lender"),
        borrower=s.text("borrower"),
        commitment=s.money("commitment"),
        terms_date=s.date("terms_date"),
        maturity_date=s.date("maturity_date"),
    )


def _receivables(top: _Section) -> ReceivablesTerms:
    s = top.section(
        "receivables",
        (
            "advance_rate",
            "age_limit_days",
            "cross_age_pct",
            "concentration_limit_pct",
            "concentration_overrides",
            "eligible_countries",
        ),
    ) or _absent("receivables")
    overrides = {
        name.strip().upper(): s.decimal_at(
            value, f"receivables.concentration_overrides.{name}", high="1"
        )
        for name, value in s.items("concentration_overrides")
    }
    countries = s.strings("eligible_countries", upper=True) or ("US",)
    for country in countries:
        if len(country) != 2 or not country.isalpha():
            top.problems.append(
                f"receivables.eligible_countries: {country!r} is not an ISO alpha-2 code"
            )
    return ReceivablesTerms(
        advance_rate=s.rate("advance_rate"),
        age_limit_days=s.integer("age_limit_days", required=False, default=90, low=1),
        cross_age_pct=s.rate("cross_age_pct", required=False, default="0.50"),
        concentration_limit_pct=s.rate("concentration_limit_pct", required=False, default="0.25"),
        concentration_overrides=overrides,
        eligible_countries=countries,
    )


def _inventory(top: _Section) -> InventoryTerms:
    s = top.section(
        "inventory",
        (
            "advance_rate",
            "sublimit",
            "ineligible_categories",
            "approved_locations",
            "programs",
        ),
        required=False,
    ) or _Section({}, "inventory", top.problems, known=())
    categories = (
        s.strings("ineligible_categories")
        if "ineligible_categories" in s.data
        else ("work_in_process",)
    )
    for category in categories:
        if category not in INVENTORY_CATEGORIES:
            top.problems.append(
                f"inventory.ineligible_categories: {category!r} is not one of {', '.join(INVENTORY_CATEGORIES)}"
            )
    programs = {}
    for name, value in s.items("programs"):
        p = _Section(
            value,
            f"inventory.programs.{name}",
            top.problems,
            known=("advance_rate", "requires_consent", "consent_received"),
        )
        programs[name.strip().upper()] = Program(
            advance_rate=p.rate("advance_rate"),
            requires_consent=p.boolean("requires_consent", required=False),
            consent_received=p.boolean("consent_received", required=False),
        )
    return InventoryTerms(
        advance_rate=s.rate("advance_rate", required=bool(s.data), default="0"),
        sublimit=s.money("sublimit", required=bool(s.data)),
        ineligible_categories=categories,
        approved_locations=s.strings("approved_locations"),
        programs=programs,
    )


def _reserves(top: _Section) -> tuple[Reserve, ...]:
    reserves = []
    for path, value in top.entries("reserves", required=False):
        r = _Section(value, path, top.problems, known=("name", "amount", "reason"))
        reserves.append(
            Reserve(
                name=r.text("name"),
                amount=r.money("amount"),
                reason=r.text("reason", required=False),
            )
        )
    return tuple(reserves)


def _reporting(top: _Section) -> ReportingTerms:
    s = top.section(
        "reporting",
        (
            "threshold_pct",
            "basis",
            "cure_days",
            "monthly_due_days",
            "weekly_due_weekday",
            "financials_due_days",
        ),
        required=False,
    ) or _Section({}, "reporting", top.problems, known=())
    basis = s.text("basis", required=False, default="line_cap")
    if basis not in BASES:
        top.problems.append(f"reporting.basis: must be one of {', '.join(BASES)}")
    weekday = s.text("weekly_due_weekday", required=False, default="wednesday").lower()
    if weekday not in WEEKDAYS:
        top.problems.append("reporting.weekly_due_weekday: must be a day of the week")
    return ReportingTerms(
        threshold_pct=s.rate("threshold_pct", required=False, default="0.15"),
        basis=basis,
        cure_days=s.integer("cure_days", required=False, default=0),
        monthly_due_days=s.integer("monthly_due_days", required=False, default=15),
        weekly_due_weekday=weekday,
        financials_due_days=s.integer("financials_due_days", required=False, default=30),
    )


def _schedule(section: _Section, key: str, value_key: str) -> tuple[Step, ...]:
    steps = []
    for path, entry in section.entries(key):
        e = _Section(entry, path, section.problems, known=("date", value_key))
        steps.append(Step(date=e.date("date"), value=e.decimal(value_key)))
    dates = [s.date for s in steps]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        section.problems.append(f"{section._key(key)}: dates must be in increasing order")
    return tuple(steps)


def _absent(path: str) -> _Section:
    """Stands in for a required section that is missing: its own problems are not reported."""
    return _Section({}, path, [], known=())


def _covenants(top: _Section) -> Covenants | None:
    s = top.section(
        "covenants",
        (
            "tangible_net_worth",
            "fixed_charge_coverage",
            "debt_to_tangible_net_worth",
            "capital_expenditures",
        ),
        required=False,
    )
    if s is None:
        return None
    tnw = s.section(
        "tangible_net_worth", ("schedule", "quarterly_increase", "deferred_tax_asset_is_intangible")
    )
    # A missing covenant is one problem (reported above), not one more per key inside it.
    tnw = tnw or _absent("covenants.tangible_net_worth")
    fcc = s.section("fixed_charge_coverage", ("schedule",)) or _absent(
        "covenants.fixed_charge_coverage"
    )
    dtnw = s.section("debt_to_tangible_net_worth", ("schedule",)) or _absent(
        "covenants.debt_to_tangible_net_worth"
    )
    capex = s.section("capital_expenditures", ("fiscal_years",)) or _absent(
        "covenants.capital_expenditures"
    )
    years = []
    for path, entry in capex.entries("fiscal_years"):
        e = _Section(entry, path, top.problems, known=("year", "limit", "new_business_allowance"))
        years.append(
            CapexYear(
                year=e.integer("year", low=1900),
                limit=e.money("limit"),
                new_business_allowance=e.money("new_business_allowance", required=False),
            )
        )
    return Covenants(
        tangible_net_worth=TangibleNetWorth(
            schedule=_schedule(tnw, "schedule", "minimum"),
            quarterly_increase=tnw.money("quarterly_increase", required=False),
            deferred_tax_asset_is_intangible=tnw.boolean(
                "deferred_tax_asset_is_intangible", required=False
            ),
        ),
        fixed_charge_coverage=_schedule(fcc, "schedule", "minimum"),
        debt_to_tangible_net_worth=_schedule(dtnw, "schedule", "maximum"),
        capital_expenditures=tuple(years),
    )


def _fees(top: _Section) -> Fees | None:
    s = top.section("fees", ("monthly_monitoring", "online_setup", "field_exam"), required=False)
    if s is None:
        return None
    exam = s.section("field_exam", ("typical", "max_per_year")) or _Section(
        {}, "", top.problems, known=()
    )
    return Fees(
        monthly_monitoring=s.money("monthly_monitoring"),
        online_setup=s.money("online_setup"),
        field_exam=FieldExamFee(
            typical=exam.money("typical"), max_per_year=exam.integer("max_per_year")
        ),
    )


def _pricing(top: _Section) -> Pricing | None:
    s = top.section(
        "pricing",
        ("given_by_letter", "base_rate", "measured_by", "day_count", "levels"),
        required=False,
    )
    if s is None:
        return None
    levels = []
    for path, entry in s.entries("levels"):
        e = _Section(entry, path, top.problems, known=("up_to", "margin"))
        up_to = e.decimal("up_to", required=False, default="-1")
        levels.append(
            PricingLevel(
                up_to=None if up_to == Decimal(-1) else up_to, margin=e.decimal("margin", high="1")
            )
        )
    return Pricing(
        given_by_letter=s.boolean("given_by_letter"),
        base_rate=s.text("base_rate"),
        measured_by=s.text("measured_by"),
        day_count=s.text("day_count", required=False, default="actual/360"),
        levels=tuple(levels),
    )


# ---------------------------------------------------------------- back to data


def terms_to_data(terms: FacilityTerms) -> dict[str, Any]:
    """JSON-ready data (decimals as strings, dates ISO) that parse_terms reads back equal."""
    data: dict[str, Any] = _plain(dataclasses.asdict(terms))
    data["sources"] = {"letter": data.pop("letter_paths")}
    clauses = data.pop("letter_clauses")
    if clauses:
        data["sources"]["clauses"] = dict(clauses)
    for key in ("covenants", "fees", "pricing"):
        if data[key] is None:
            del data[key]
    if "covenants" in data:
        tnw = data["covenants"]["tangible_net_worth"]
        tnw["schedule"] = [{"date": s["date"], "minimum": s["value"]} for s in tnw["schedule"]]
        for key, value_key in (
            ("fixed_charge_coverage", "minimum"),
            ("debt_to_tangible_net_worth", "maximum"),
        ):
            steps = data["covenants"][key]
            data["covenants"][key] = {
                "schedule": [{"date": s["date"], value_key: s["value"]} for s in steps]
            }
        data["covenants"]["capital_expenditures"] = {
            "fiscal_years": data["covenants"]["capital_expenditures"]
        }
    if "pricing" in data:
        for level in data["pricing"]["levels"]:
            if level["up_to"] is None:
                del level["up_to"]
    return data


def _plain(value: Any) -> Any:
    converters: dict[type, Callable[[Any], Any]] = {
        Decimal: str,
        dt.date: lambda d: d.isoformat(),
    }
    for kind, convert in converters.items():
        if isinstance(value, kind):
            return convert(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
