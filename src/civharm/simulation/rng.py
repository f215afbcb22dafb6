"""Independent, reproducible random streams, one per part of the simulation.

Each part of a scenario draws from its own stream, named after what it makes, so
adding a draw to one part never shifts the numbers of another, and parts can be
made in any order, or in another process, with the same result.
"""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, *names: object) -> random.Random:
    """A generator seeded from the scenario seed and the names of one part."""
    label = "|".join(["civharm-simulation", str(seed), *(str(n) for n in names)])
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def pick_weighted(rng: random.Random, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
    """One of ``options``, drawn in proportion to ``weights``."""
    total = sum(weights)
    draw = rng.random() * total
    for option, weight in zip(options, weights, strict=True):
        draw -= weight
        if draw < 0:
            return option
    return options[-1]
