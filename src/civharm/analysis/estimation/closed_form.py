"""Closed-form two-list estimators, the textbook answers the models must reproduce.

Both assume the two lists capture independently in a closed, homogeneous population:

* Lincoln–Petersen, N̂ = n1·n2 / m, the maximum-likelihood estimate (conditional on the people
  seen) and the independence log-linear model's answer; infinite when the lists share no one.
* Chapman's correction, N̂ = (n1 + 1)(n2 + 1) / (m + 1) − 1, nearly unbiased and always finite.

Here n1 and n2 are the people on each list and m the people on both.
"""

from __future__ import annotations

import math

from civharm.analysis.estimation.capture import CaptureTable


def _two_list_counts(table: CaptureTable) -> tuple[int, int, int]:
    if len(table.lists) != 2:
        raise ValueError(f"these estimators need exactly two lists, not {len(table.lists)}")
    first, second = table.list_totals
    return first, second, table.count((1, 1))


def lincoln_petersen(table: CaptureTable) -> float:
    first, second, both = _two_list_counts(table)
    return first * second / both if both else math.inf


def chapman(table: CaptureTable) -> float:
    first, second, both = _two_list_counts(table)
    return (first + 1) * (second + 1) / (both + 1) - 1
