"""The victim model: settings, training, and trained parameters that can be saved.

Training (:func:`train`) estimates the Fellegi–Sunter parameters of the comparisons
in :mod:`.comparisons` with Splink, in steps chosen so that relatives do not
mislead it:

1. **u** (how often unrelated records agree) by random sampling of record pairs. The
   father's and grandfather's u are then taken among pairs whose given names do
   not differ (see :func:`normalise`), as their m are.
2. **m** (how often two records of one person agree) by expectation maximisation,
   starting from :data:`DEFAULT_PARAMETERS`, on pairs that share the given and family
   name and the day, then the place, then the given name, day and exact age
   (:data:`EM_RULES`). Pairs sharing a given name are rarely siblings, whose names
   differ; so father, family, age, date and place are learned from pairs that are
   mostly one person, at any number of records.
3. The given name's own m from pairs that share father, family, day, sex and an
   exact adult age: one person, or (rarely) twins.
4. A check of every learned weight against what the name handling implies (see
   :data:`CAPS` and :data:`FLOORS`): a given name that is another name (different
   skeletons, or one skeleton with other long vowels: محمود against محمد) all but
   rules a match out, so that the given name decides between relatives; a weight
   that breaks such a rule is capped, and the model's ``notes`` say so.

Every step samples pairs (``u_max_pairs``, ``em_max_pairs``), so training costs
about the same on any number of records; sampling records instead would thin out
each person's records within the training blocks. The prior (the probability that
two random records are one person) is not learned by EM, which drifts towards
zero on large lists, but counted from deterministic rules (:func:`estimate_prior`)
on whatever is being linked.

Levels training could not see (too few pairs, as on a short list) keep the
defaults of :data:`DEFAULT_PARAMETERS`, measured once on a simulated campaign.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from civharm.analysis.linkage.backends import BACKENDS, Backend, open_backend
from civharm.analysis.linkage.comparisons import (
    NAME_ONLY_RULES,
    QUALIFIED_RULES,
    TF_COLUMNS,
    settings_dict,
)
from civharm.analysis.linkage.prepare import PreparedRecords, prepare
from civharm.analysis.linkage.records import VictimRecord, check_unique

Progress = Callable[[str, int, int], None]

# Deterministic rules whose pairs are nearly all one person; the prior is the number
# of pairs they find, divided by their assumed recall, over all pairs.
PRIOR_RULES = (
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.day = r.day AND l.place = r.place",
    "l.given_key = r.given_key AND l.father_key = r.father_key AND l.family_key = r.family_key "
    "AND l.age_lo = r.age_lo AND l.age_hi = r.age_hi",
)
# Expectation maximisation needs blocks in which matches are not rare, at any size:
# on a million records the pairs sharing only a given name and a place are almost
# all other people of that name, and EM then learns them as the "matches".
EM_RULES = (
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.day = r.day",
    "l.given_key = r.given_key AND l.family_key = r.family_key AND l.place = r.place",
    "l.given_key = r.given_key AND l.day = r.day AND l.age_lo = r.age_lo AND l.age_hi = r.age_hi "
    "AND l.age_lo = l.age_hi",
    "l.father_key = r.father_key AND l.family_key = r.family_key AND l.day = r.day "
    "AND l.sex = r.sex AND l.age_lo = r.age_lo AND l.age_hi = r.age_hi AND l.age_lo = l.age_hi "
    "AND l.age_lo >= 18",
)
MIN_RECORDS_FOR_U = 200
LEAST_PROBABILITY = {"m_probability": 0.002, "u_probability": 1e-6}
# Lists spell places, record sexes and dates their own way more often than training
# on pairs that agree on a day or place can see: the least m of those disagreements.
LEAST_M = {("place", "different place"): 0.01, ("sex", "different sex"): 0.005,
           ("date_of_death", "dates far apart"): 0.005}
MIN_PAIRS_FOR_EM = 200

# Rules from the name handling: (comparison, level label) -> the largest m/u (Bayes
# factor) a learned weight may have. "different names" on the given name: a true
# match rarely writes another given name. Same skeleton, different exact long
# vowels: another name. Ages far apart: rarely one person.
CAPS: dict[tuple[str, str], float] = {
    ("given_name", "different names"): 1e-6,
    ("given_name", "same consonants, different long vowels"): 1e-6,
    ("given_name", "consonants one edit apart"): 1.0,
    ("family_name", "different names"): 0.05,
    ("family_name", "same consonants, different long vowels"): 2.0,
    ("father_name", "different names"): 0.05,
    ("father_name", "same consonants, different long vowels"): 1.0,
    ("age", "ages differ"): 0.05,
    ("date_of_death", "dates far apart"): 0.05,
    ("sex", "different sex"): 0.05,
}
# Levels that are evidence for a match must stay so.
FLOORS: dict[tuple[str, str], float] = {
    **{(name, level): 2.0
       for name in ("given_name", "father_name", "family_name")
       for level in ("same name (key)", "same name in the other script's form",
                     "same consonants, vowels unsure")},
    ("sex", "same sex"): 1.0,
}

# m and u of every level, in order, measured by training on a simulated campaign
# (seed 1, scale 3: 8,700 records; neither the seed nor the scale of the tests and
# benchmark), normalised and capped as training does; where training did not see a
# level there, the floors of LEAST_M and a by-hand guess (similar place m 0.005,
# given name one edit apart, other script's form) stand. Used wherever training sees
# too few pairs, as on a short list. None: the null level.
DEFAULT_PARAMETERS: dict[str, tuple[tuple[float, float] | None, ...]] = {
    "given_name": (None, (0.9574, 0.01108), (0.00495, 2.635e-05), (0.008183, 0.0001127), (0.004004, 0.004004),
                   (0.00495, 0.01542), (0.009693, 0.9693)),
    "father_name": (None, (0.5, 0.5), (0.98, 0.02299), (0.002, 3.123e-05), (0.01902, 0.009509),
                    (0.002, 0.003347), (0.002553, 0.02019), (0.009786, 0.9439)),
    "grandfather_name": (None, (0.5, 0.5), (0.9897, 0.02314), (0.01027, 0.9769)),
    "family_name": (None, (0.955, 0.02188), (0.01137, 0.0001829), (0.01686, 0.000271), (0.009907, 0.01404),
                    (0.002174, 0.01864), (0.004652, 0.945)),
    "age": (None, (0.5047, 0.01176), (0.13, 0.02584), (0.05599, 0.04736), (0.3074, 0.0896), (0.002, 0.8254)),
    "date_of_death": (None, (0.9381, 0.0112), (0.01532, 0.03456), (0.04158, 0.6312), (0.005, 0.3231)),
    "place": (None, (0.9851, 0.06071), (0.004975, 0.01235), (0.009949, 0.9269)),
    "sex": (None, (0.5, 0.5), (0.995, 0.4897), (0.005, 0.5103)),
    "list": (None, (0.02682, 0.2691), (0.9732, 0.7309)),
}


@dataclass(frozen=True, slots=True)
class LinkageSettings:
    """How to train, score and cluster.

    ``threshold``: the match probability from which two records are one person.
    ``review_band``: pairs with a probability inside it go to review (``uncertain``).
    ``pair_floor``: pairs below it are not returned (default: the band's lower end).
    ``backend``: ``duckdb`` or ``spark``. ``memory_limit``, ``temp_dir``, ``threads`` and
    ``on_disk`` bound DuckDB (a database file in a temporary folder under ``temp_dir``).
    ``u_max_pairs``, ``em_max_pairs``: pairs sampled for u and for each EM step: training
    samples pairs, so it costs about the same on any number of records.
    ``training_records``: :func:`train` on a random sample of this many records only
    (saves preparing them all; but fewer of each person's records meet in the sample).
    ``prior_recall``: the assumed recall of :data:`PRIOR_RULES`.
    ``blocking``: ``names`` (name keys alone), ``qualified`` (name keys with a day,
    place or age), or ``auto``: names unless they give more than
    ``name_pairs_limit`` pairs.
    """

    threshold: float = 0.7
    review_band: tuple[float, float] = (0.5, 0.95)
    pair_floor: float | None = None
    backend: str = "duckdb"
    memory_limit: str = "2GB"
    temp_dir: Path | None = None
    threads: int | None = None
    on_disk: bool = True
    training_records: int | None = None
    u_max_pairs: float = 2e6
    em_max_pairs: float = 1e6
    prior_recall: float = 0.6
    seed: int = 2017
    blocking: str = "auto"
    name_pairs_limit: int = 5_000_000
    spark_master: str = "local[2]"

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold {self.threshold} must be between 0 and 1")
        low, high = self.review_band
        if not 0 <= low <= high <= 1:
            raise ValueError(f"review band {self.review_band} must run upward within 0 to 1")
        if self.pair_floor is not None and not 0 <= self.pair_floor <= 1:
            raise ValueError(f"pair floor {self.pair_floor} must be between 0 and 1")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend {self.backend!r} must be one of {', '.join(BACKENDS)}")
        if self.blocking not in ("auto", "names", "qualified"):
            raise ValueError(f"blocking {self.blocking!r} must be auto, names or qualified")
        if not 0 < self.prior_recall <= 1:
            raise ValueError(f"prior recall {self.prior_recall} must be above 0 and at most 1")
        if self.training_records is not None and self.training_records < 2:
            raise ValueError("training needs at least 2 records")

    @property
    def floor(self) -> float:
        return min(self.pair_floor if self.pair_floor is not None else self.review_band[0], self.threshold)

    def open_backend(self) -> Backend:
        """A backend as these settings say; close it (or use it in a with block)."""
        return open_backend(self.backend, memory_limit=self.memory_limit, temp_dir=self.temp_dir,
                            threads=self.threads, on_disk=self.on_disk, spark_master=self.spark_master)


@dataclass(frozen=True)
class TrainedModel:
    """Trained parameters: a Splink settings dictionary (its model JSON), and notes on training."""

    splink_settings: dict[str, Any]
    notes: tuple[str, ...] = field(default=(), compare=False)

    def save(self, path: Path) -> None:
        """Write the Splink model JSON (loadable by Splink itself, and by :meth:`load`)."""
        path.write_text(json.dumps(self.splink_settings, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrainedModel:
        """Read a model written by :meth:`save`; ValueError when it is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not a readable model file ({error})") from None
        expected = [c["output_column_name"] for c in settings_dict((), 1e-4)["comparisons"]]
        found = [c.get("output_column_name") for c in data.get("comparisons", [])] \
            if isinstance(data, dict) else []
        if found != expected:
            raise ValueError(f"{path} is not a civharm victim model (its comparisons are "
                             f"{', '.join(map(str, found)) or 'missing'})")
        return cls(data)

    def parameters(self) -> dict[str, list[tuple[str, float | None, float | None]]]:
        """(level label, m, u) of every level of every comparison; None where unset."""
        return {c["output_column_name"]: [(lv.get("label_for_charts", ""), lv.get("m_probability"),
                                           lv.get("u_probability")) for lv in c["comparison_levels"]]
                for c in self.splink_settings["comparisons"]}

    def bayes_factor(self, comparison: str, level: str) -> float | None:
        for label, m, u in self.parameters()[comparison]:
            if label == level and m is not None and u:
                return m / u
        return None


def default_model() -> TrainedModel:
    """The model with :data:`DEFAULT_PARAMETERS`: what training starts from."""
    settings = settings_dict(NAME_ONLY_RULES, 1e-4)
    _fill_defaults(settings)
    normalise(settings)
    check_weights(settings)
    return TrainedModel(settings)


def _fill_defaults(settings: dict[str, Any]) -> list[str]:
    filled: list[str] = []
    for comparison in settings["comparisons"]:
        defaults = DEFAULT_PARAMETERS.get(comparison["output_column_name"])
        for index, level in enumerate(comparison["comparison_levels"]):
            if level.get("is_null_level") or not defaults or index >= len(defaults):
                continue
            pair = defaults[index]
            if pair is None:
                continue
            if level.get("m_probability") is None:
                level["m_probability"] = pair[0]
                filled.append(f"{comparison['output_column_name']}: {level['label_for_charts']}")
            if level.get("u_probability") is None:
                level["u_probability"] = pair[1]
    return filled


def normalise(settings: dict[str, Any]) -> None:
    """Make each comparison's m and u sum to one over its levels that are learned, with
    no level below :data:`LEAST_PROBABILITY` (a level training never saw among matches
    must not make a match impossible).

    The father's and grandfather's neutral level (given names differ) is fixed at
    m = u: its share of random pairs says nothing about those names. Their other
    levels' u are therefore shares *among pairs whose given names do not differ*, as
    the m learned from pairs sharing a given name are.
    """
    for comparison in settings["comparisons"]:
        learned = [lv for lv in comparison["comparison_levels"]
                   if not lv.get("is_null_level") and not lv.get("fix_m_probability")]
        for key in ("m_probability", "u_probability"):
            for level in learned:
                if isinstance(level.get(key), float | int):
                    least = LEAST_PROBABILITY[key]
                    if key == "m_probability":
                        least = LEAST_M.get((comparison["output_column_name"], level.get("label_for_charts")),
                                            least)
                    level[key] = max(float(level[key]), least)
                else:
                    level.pop(key, None)
            total = sum(lv.get(key) or 0.0 for lv in learned)
            if total > 0:
                for level in learned:
                    if level.get(key) is not None:
                        level[key] = level[key] / total


def check_weights(settings: dict[str, Any]) -> list[str]:
    """Cap learned weights that break the rules of :data:`CAPS` and :data:`FLOORS`, in
    place; return a note for each change."""
    notes: list[str] = []
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            label = level.get("label_for_charts", "")
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or m is None or not u or level.get("fix_m_probability"):
                continue
            cap, floor = CAPS.get((name, label)), FLOORS.get((name, label))
            if cap is not None and m / u > cap * 1.001:
                level["m_probability"] = cap * u
                notes.append(f"{name}: '{label}' learned Bayes factor {m / u:.3g}, capped at {cap:g}")
            elif floor is not None and m / u < floor / 1.001:
                level["m_probability"] = min(0.999, floor * u)
                notes.append(f"{name}: '{label}' learned Bayes factor {m / u:.3g}, raised to {floor:g}")
    return notes


def blocking_rules(prepared: PreparedRecords, settings: LinkageSettings) -> tuple[str, ...]:
    """The blocking rules for this input (see ``LinkageSettings.blocking``)."""
    if settings.blocking == "names":
        return NAME_ONLY_RULES
    if settings.blocking == "qualified":
        return QUALIFIED_RULES
    pairs = 0
    for column in ("block_gf", "block_gp"):
        counts = Counter(v for v in prepared.columns[column] if v is not None)
        pairs += sum(n * (n - 1) // 2 for n in counts.values())
    return NAME_ONLY_RULES if pairs <= settings.name_pairs_limit else QUALIFIED_RULES


def quiet_splink() -> None:
    """Splink logs every step at INFO; linkage reports its own progress."""
    for name in ("splink", "py4j"):
        logging.getLogger(name).setLevel(logging.ERROR)


def make_linker(backend: Backend, table: Any, splink_settings: dict[str, Any]) -> Any:
    """A Splink linker over a registered prepared table, with deduplicated term frequencies."""
    import splink

    quiet_splink()
    linker = splink.Linker(table, splink_settings, log_level=None)
    for column in TF_COLUMNS:
        # Frequencies over approximate persons (pkey), not records: a person named on
        # five lists must not make their name look five times as common.
        sql = (f"SELECT t.{column}, CAST(COUNT(DISTINCT t.pkey) AS DOUBLE) / MAX(n.total) AS tf_{column} "  # noqa: S608
               f"FROM {table.physical_name} t CROSS JOIN (SELECT COUNT(DISTINCT pkey) AS total "
               f"FROM {table.physical_name} WHERE {column} IS NOT NULL) n "
               f"WHERE t.{column} IS NOT NULL GROUP BY t.{column}")
        frequencies = backend.db_api.query_sql(sql)
        linker.table_management.register_term_frequency_lookup(frequencies, column)
    return linker


def estimate_prior(prepared: PreparedRecords, recall: float) -> float:
    """The probability that two random records are one person, from deterministic rules.

    Counting the pairs that :data:`PRIOR_RULES` find and dividing by their assumed
    ``recall`` scales with the input as it should (about one match per record among all
    pairs), where an estimate by expectation maximisation drifts towards zero on large
    lists. The rules are conjunctions of equalities, so their pairs are counted from
    group sizes (pairs found by both rules once), the same on every backend. Falls
    back to one match per record (2 / n) when the rules find nothing (short lists).
    """
    n = len(prepared)
    fallback = min(0.5, 2 / max(n, 2))
    if n < 3:
        return fallback
    rule_columns = [_rule_columns(rule) for rule in PRIOR_RULES]
    found = 0
    # Inclusion–exclusion over the rules: pairs of every subset's combined equalities.
    for size in range(1, len(rule_columns) + 1):
        for subset in combinations(rule_columns, size):
            columns = sorted(set().union(*subset))
            found += (-1) ** (size + 1) * _equal_pairs(prepared, columns)
    total = n * (n - 1) / 2
    if found <= 0:
        return fallback
    return min(0.5, max(found / recall / total, 1 / (n * n)))


def _rule_columns(rule: str) -> set[str]:
    return {token[2:] for token in rule.replace("(", " ").replace(")", " ").split()
            if token.startswith(("l.", "r."))}


def _equal_pairs(prepared: PreparedRecords, columns: Sequence[str]) -> int:
    """Pairs of records equal (and not null) on every one of ``columns``."""
    values = [prepared.columns[c] for c in columns]
    counts = Counter(key for key in zip(*values, strict=True) if None not in key)
    return sum(k * (k - 1) // 2 for k in counts.values())


def _em_pairs(prepared: PreparedRecords, rule: str) -> int:
    """About the pairs an EM rule blocks: those equal on the columns it names."""
    return _equal_pairs(prepared, sorted(_rule_columns(rule)))


def sample_indices(count: int, size: int, seed: int) -> list[int]:
    """At most ``size`` of ``range(count)``, chosen at random (seeded), in order."""
    if count <= size:
        return list(range(count))
    return sorted(random.Random(seed).sample(range(count), size))


def train(records: Iterable[VictimRecord], settings: LinkageSettings | None = None,
          progress: Progress | None = None) -> TrainedModel:
    """Train the victim model on (a sample of) ``records``; see the module documentation."""
    settings = settings or LinkageSettings()
    listed = sorted(records, key=lambda r: r.key)
    check_unique(listed)
    size = settings.training_records or len(listed)
    chosen = [listed[i] for i in sample_indices(len(listed), size, settings.seed)]
    prepared = prepare(chosen, _stage(progress, "preparing"))
    return train_prepared(prepared, settings, progress)


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    report = progress
    return lambda done, total: report(stage, done, total)


def train_prepared(prepared: PreparedRecords, settings: LinkageSettings,
                   progress: Progress | None = None) -> TrainedModel:
    """:func:`train` on records already prepared."""
    if len(prepared) < MIN_RECORDS_FOR_U:
        return _untrained(prepared, settings)
    with settings.open_backend() as backend:
        return train_registered(backend, backend.register(prepared.columns), prepared, settings, progress)


def _untrained(prepared: PreparedRecords, settings: LinkageSettings) -> TrainedModel:
    notes = [f"{len(prepared)} records are too few to train on; the default parameters are used"]
    default = default_model().splink_settings
    default["blocking_rules_to_generate_predictions"] = list(blocking_rules(prepared, settings))
    return TrainedModel(default, tuple(notes))


def train_registered(backend: Backend, table: Any, prepared: PreparedRecords, settings: LinkageSettings,
                     progress: Progress | None = None) -> TrainedModel:
    """:func:`train` on prepared records already registered with ``backend`` as ``table``.

    Every step samples pairs, not records (``u_max_pairs``, ``em_max_pairs``): sampling
    records would thin out the matches within each training block quadratically,
    and expectation maximisation needs them.
    """
    if len(prepared) < MIN_RECORDS_FOR_U:
        return _untrained(prepared, settings)
    splink_settings = settings_dict(blocking_rules(prepared, settings), 1e-4)
    steps = 2 + len(EM_RULES)
    count = len(prepared)

    def report(step: int) -> None:
        if progress:
            progress("training", count * step // steps, count)

    report(0)
    prior = estimate_prior(prepared, settings.prior_recall)
    linker = make_linker(backend, table, splink_settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    with_u: dict[str, Any] = linker.misc.save_model_to_json()
    normalise(with_u)
    # EM starts from the default m: far better than Splink's generic start, and a
    # level that no EM step sees keeps it.
    _fill_defaults(with_u)
    starting = _m_values(with_u)
    linker = make_linker(backend, table, with_u)
    report(2)
    skipped: list[str] = []
    for number, rule in enumerate(EM_RULES):
        if _em_pairs(prepared, rule) >= MIN_PAIRS_FOR_EM:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=settings.em_max_pairs)
            except (ValueError, ZeroDivisionError) as error:
                # A level with no pairs at all can underflow in Splink's M step: what
                # this step would have learned comes from the others.
                skipped.append(f"expectation maximisation on '{rule}' failed ({error})")
        report(3 + number)
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    trained["probability_two_random_records_match"] = prior
    kept = [f"{name}: {label}" for (name, label), m in _m_values(trained).items()
            if m == starting.get((name, label)) and (name, label) not in _FIXED]
    _fill_defaults(trained)
    normalise(trained)
    notes = skipped + check_weights(trained)
    if kept:
        notes.append("no training step saw these levels; their default m stands: " + "; ".join(kept))
    return TrainedModel(trained, tuple(notes))


def _m_values(settings: dict[str, Any]) -> dict[tuple[str, str], float | None]:
    return {(c["output_column_name"], lv.get("label_for_charts", "")): lv.get("m_probability")
            for c in settings["comparisons"] for lv in c["comparison_levels"] if not lv.get("is_null_level")}


_FIXED = {(c["output_column_name"], lv.get("label_for_charts", ""))
          for c in settings_dict((), 1e-4)["comparisons"] for lv in c["comparison_levels"]
          if lv.get("fix_m_probability")}


def with_rules(model: TrainedModel, rules: tuple[str, ...], prior: float) -> dict[str, Any]:
    """A copy of the model's Splink settings with other blocking rules and prior."""
    copied: dict[str, Any] = json.loads(json.dumps(model.splink_settings))
    copied["blocking_rules_to_generate_predictions"] = list(rules)
    copied["probability_two_random_records_match"] = prior
    copied.pop("linker_uid", None)
    return copied

