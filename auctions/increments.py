"""Bid increments: how much the next bid must add to the current price, by price band.

A table is a list of `[from_cents, step_cents]` rows, the first from 0, ascending: the step of the
last row whose `from_cents` is at most the price applies. Sellers may replace the default with
their own; an auction copies its table when it is made, so a change never moves a running auction.
"""

import itertools

from django.core.exceptions import ValidationError

# $1 steps below $30, $2 from $30, $3 from $50, $5 from $100, $10 from $300, $20 from $1,000 and
# $50 from $2,000: the bands buyers of live auctions are used to.
DEFAULT_INCREMENTS: list[list[int]] = [
    [0, 100],
    [3000, 200],
    [5000, 300],
    [10000, 500],
    [30000, 1000],
    [100000, 2000],
    [200000, 5000],
]
MAX_ROWS = 20
MAX_STEP_CENTS = 1_000_000


def increment_at(table: list[list[int]], price_cents: int) -> int:
    step = table[0][1]
    for start, row_step in table:
        if start > price_cents:
            break
        step = row_step
    return step


def increments_validate(table: object) -> list[list[int]]:
    """The table as rows of two whole numbers, or a ValidationError saying what is wrong with it."""
    if not isinstance(table, list) or not 1 <= len(table) <= MAX_ROWS:
        raise ValidationError(f"Give between 1 and {MAX_ROWS} rows of [from_cents, step_cents].", code="increments")
    rows: list[list[int]] = []
    for row in table:
        if (
            not isinstance(row, list | tuple)
            or len(row) != 2
            or not all(isinstance(value, int) and not isinstance(value, bool) for value in row)
        ):
            raise ValidationError("Each row is [from_cents, step_cents], two whole numbers.", code="increments")
        start, step = row
        if not 0 < step <= MAX_STEP_CENTS or start < 0:
            raise ValidationError(
                f"Steps are between 1 and {MAX_STEP_CENTS} cents, and bands start at 0 or above.", code="increments"
            )
        rows.append([start, step])
    if rows[0][0] != 0:
        raise ValidationError("The first band starts at 0.", code="increments")
    if any(later[0] <= earlier[0] for earlier, later in itertools.pairwise(rows)):
        raise ValidationError("Bands go up: each starts above the one before.", code="increments")
    return rows
