"""A simulated Raqqa-2017 campaign with known ground truth. Pure: no database, no Django.

:func:`generate` writes a folder of files in the formats ``civharm import`` reads,
the texts a parser will one day read (strike releases, monthly civilian casualty
reports), damage observations, and the truth they were made from. Everything it
writes is labelled SIMULATED DATA and describes no real person.

The constants below cost nothing to import; the rest loads on first use, so that
commands which never simulate do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

DEFAULT_SEED = 2017
LABEL = "SIMULATED DATA"
MARKER = "SIMULATED-DATA.txt"

if TYPE_CHECKING:
    from civharm.simulation.scenario import Scenario, ScenarioError, generate, importable_files

_FROM_SCENARIO = frozenset({"Scenario", "ScenarioError", "generate", "importable_files"})


def __getattr__(name: str) -> Any:
    if name in _FROM_SCENARIO:
        from civharm.simulation import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_SEED",
    "LABEL",
    "MARKER",
    "Scenario",
    "ScenarioError",
    "generate",
    "importable_files",
]
