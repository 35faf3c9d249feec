"""Money sent in the minor unit of its own currency, whose size depends on the currency.

Payment APIs send amounts as integers of the currency's smallest unit: ``1099`` is 10.99 USD,
but 1,099 JPY (the yen has no minor unit) and 1.099 KWD (the dinar has thousandths). A fixed
`records.Unit` such as CENTS is right for one currency only, so a stream whose rows mix
currencies declares a `MinorUnits` table instead: the exponent of each row's currency, read
from the row (``Maps(units={"gross": STRIPE_MINOR_UNITS}, currency="currency", ...)``).

`ISO_4217` follows the ISO 4217 list of minor units (two decimals unless listed). A vendor
whose API departs from ISO declares its own table from its documentation (Stripe keeps the
Icelandic krona two-decimal in its API and treats the Malagasy ariary as zero-decimal: see
`sources/stripe`). The conversion is exact, in Python (`to_currency`) and in SQL (`sql`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping


@dataclass(frozen=True)
class MinorUnits:
    """Exponents of the minor unit per currency: ``amount / 10**exponent`` is the amount in
    currency units. Codes are matched without regard to case (Stripe writes ``"jpy"``)."""

    name: str
    #: Currency code -> exponent, for every currency whose exponent is not `default`.
    exceptions: Mapping[str, int] = field(default_factory=dict)
    default: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "exceptions", {code.upper(): int(e) for code, e in self.exceptions.items()})

    def exponent(self, currency: str | None) -> int:
        """The exponent of `currency`'s minor unit (the default for a code the table does not list)."""
        return self.exceptions.get((currency or "").upper(), self.default)

    def to_currency(self, amount: Any, currency: str | None) -> Decimal | None:
        """`amount` (minor units, an integer or its text) in units of `currency`, exactly."""
        if amount is None or amount == "":
            return None
        return Decimal(str(amount)).scaleb(-self.exponent(currency))

    def sql(self, amount: str, currency: str) -> str:
        """SQL for the amount in currency units as ``decimal(38, 9)``: `amount` and `currency` are
        SQL expressions of the row. Multiplies by an exact decimal factor (DuckDB divides decimals
        as doubles), chosen by the currency with a CASE over the table."""
        scale = max([self.default, *self.exceptions.values()])
        by_exponent: dict[int, list[str]] = {}
        for code, exponent in sorted(self.exceptions.items()):
            if exponent != self.default:
                by_exponent.setdefault(exponent, []).append(code)

        def factor(exponent: int) -> str:
            return f"{Decimal(1).scaleb(-exponent):.{scale}f}"

        cases = " ".join(
            f"when upper({currency}) in ({', '.join(repr(c) for c in codes)}) then {factor(exponent)}"
            for exponent, codes in sorted(by_exponent.items())
        )
        multiplier = f"case {cases} else {factor(self.default)} end" if cases else factor(self.default)
        return f"cast(cast({amount} as decimal(38, 9)) * {multiplier} as decimal(38, 9))"


#: ISO 4217 minor units (the ISO list of currency codes, "Minor unit" column): two decimals
#: unless listed here. Funds and units of account included (CLF, UYI, UYW).
ISO_4217 = MinorUnits(
    "the currency's ISO 4217 minor unit",
    exceptions={
        **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                         "VUV", "XAF", "XOF", "XPF"), 0),
        **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
        **dict.fromkeys(("CLF", "UYW"), 4),
    },
)


__all__ = ["ISO_4217", "MinorUnits"]
