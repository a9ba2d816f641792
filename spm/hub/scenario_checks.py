"""The per-row checks `full_clean` made, for the set-based writers of `load_scenario` (sellers, quotas,
deals, accounts, fx rates): the same messages, naming the record, raised as a ValidationError by field."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError


def too_long(value: str | None, limit: int, where: str, field: str) -> None:
    """The max_length check, with its message ("name: Ensure this value has at most …")."""
    if value is not None and len(value) > limit:
        raise ValidationError({field: [f"{where}: Ensure this value has at most {limit} characters "
                                       f"(it has {len(value)})."]})


def fits_decimal_field(model, name: str, value: Decimal) -> bool:
    """The cheap digits test: `value` has no more decimal places and whole digits than the field allows."""
    field = model._meta.get_field(name)
    exponent = value.as_tuple().exponent
    return (isinstance(exponent, int) and exponent >= -field.decimal_places
            and abs(value) < Decimal(10) ** (field.max_digits - field.decimal_places))


def check_decimal(model, name: str, value: Decimal | None, where: str) -> None:
    """A cheap digits test per row; only a value that fails it runs the field's validators (full_clean's messages)."""
    if value is None:
        return
    if not fits_decimal_field(model, name, value):
        field = model._meta.get_field(name)
        try:
            field.run_validators(value)
        except ValidationError as exc:
            raise ValidationError({name: [f"{where}: {m}" for m in exc.messages]}) from None
