"""Where civharm's linkage loses F1 on the benchmark's simulated lists, and how much it must.

    python benchmarks/linkage_errors.py --records 100000 [--data DIR] [--no-check]

On the lists ``benchmarks/linkage.py`` simulates for ``--records`` (same seed and scale,
made by its ``simulate``), this runs civharm's linkage as that benchmark's end-to-end
figure does (``read_simulated_lists``, ``link`` with ``LinkageSettings(temp_dir=…)``) and
prints:

- pairwise precision, recall and F1 (``evaluate``), and, unless ``--no-check``, the F1
  the benchmark's own end-to-end subprocess reports on the same lists;
- what the linkage can see of each record after civharm's own normalisation (the
  prepared table of ``civharm.analysis.linkage.prepare``: the given, father's,
  grandfather's and family name keys, taken from the Arabic form where a record has
  one, sex, the age interval, the day of death and the place skeleton), and:

  * *indistinguishable* pairs: records of different true persons whose visible fields
    are equal wherever both records give them (a blank cannot separate); *within
    tolerance*: the same with ages (or age bands) shifted by at most a year and days of
    death at most three days apart counted as equal;
  * two ceilings. The **link-all oracle** links every true pair and every
    indistinguishable pair of different persons: F1 = 2T / (2T + I). The **best
    pairwise rule** is a true upper bound for any method whose decision on a pair of
    records depends only on their visible fields and whether they are on one list:
    such a method decides alike all pairs in one class (the unordered pair of visible
    records, blanks included as values, and same list or not), so the best it can do
    is choose, class by class, to link all of a class's pairs or none; the best such
    choice is found exactly (classes by rising ratio of wrong to right pairs, best
    prefix). Clustering (transitivity) can only lower it further.

- civharm's wrong pairs by kind, each pair in the first kind that fits: false positives
  (different persons linked) and false negatives (one person not linked).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import linkage as bench  # noqa: E402  (benchmarks/linkage.py, the benchmark this one explains)

NAMES = ("given", "father", "grandfather", "family")
# Visible fields: a record's "mask" says which it gives. Age is one field of two columns.
FIELDS = (*NAMES, "sex", "age", "day", "place")
DAY_TOLERANCE = 3
AGE_TOLERANCE = 1


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _codes(values: Sequence[Any]) -> np.ndarray:
    """Integer codes of values, -1 for a blank."""
    codes, _ = pd.factorize(pd.Series(list(values), dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64)


def _ints(values: Sequence[Any]) -> np.ndarray:
    return np.array([-1 if v is None else int(v) for v in values], dtype=np.int64)


def visible_table(records: list[Any], truth: dict[Any, str]) -> pd.DataFrame:
    """One row per record: its true person, list, script and visible fields as integer
    codes (-1 where blank), from civharm's prepared table."""
    from civharm.analysis.linkage import name_script, prepare

    prepared = prepare(records)
    columns = prepared.columns
    frame = pd.DataFrame({
        "person": _codes([truth[r.key] for r in records]),
        "list": _codes([r.source for r in records]),
        "script": [name_script(r) for r in records],
    })
    for link in NAMES:
        frame[link] = _codes(columns[f"{link}_key"])
    frame["sex"] = _codes(columns["sex"])
    frame["age_lo"] = _ints(columns["age_lo"])
    frame["age_hi"] = _ints(columns["age_hi"])
    frame["day"] = _ints(columns["day"])
    frame["place"] = _codes(columns["place"])
    mask = np.zeros(len(frame), dtype=np.int64)
    for bit, field in enumerate(FIELDS):
        column = "age_lo" if field == "age" else field
        mask |= (frame[column].to_numpy() >= 0).astype(np.int64) << bit
    frame["mask"] = mask
    return frame


# --- pairs ---------------------------------------------------------------------------


def pairs_within(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j by position in the sorted order) of rows sharing a label."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(labels)])
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for size in np.unique(sizes[sizes > 1]):
        group_starts = starts[sizes == size]
        a, b = np.triu_indices(int(size), k=1)
        left.append((group_starts[:, None] + a[None, :]).ravel())
        right.append((group_starts[:, None] + b[None, :]).ravel())
    if not left:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return order[np.concatenate(left)], order[np.concatenate(right)]


def agree(frame: pd.DataFrame, i: np.ndarray, j: np.ndarray, soft: bool) -> dict[str, np.ndarray]:
    """Per visible field, whether the pairs (i, j) agree on it (a blank on either side agrees)."""
    out: dict[str, np.ndarray] = {}
    for field in (*NAMES, "sex", "place"):
        a, b = frame[field].to_numpy()[i], frame[field].to_numpy()[j]
        out[field] = (a < 0) | (b < 0) | (a == b)
    lo, hi = frame["age_lo"].to_numpy(), frame["age_hi"].to_numpy()
    shift = lo[i] - lo[j]
    blank = (lo[i] < 0) | (lo[j] < 0)
    same_width = (hi[i] - lo[i]) == (hi[j] - lo[j])
    out["age"] = blank | (same_width & (np.abs(shift) <= (AGE_TOLERANCE if soft else 0)))
    day = frame["day"].to_numpy()
    out["day"] = (day[i] < 0) | (day[j] < 0) | (np.abs(day[i] - day[j]) <= (DAY_TOLERANCE if soft else 0))
    return out


def all_agree(flags: dict[str, np.ndarray]) -> np.ndarray:
    result = np.ones(len(next(iter(flags.values()))), dtype=bool)
    for value in flags.values():
        result &= value
    return result


# --- indistinguishable pairs, counted without listing them ------------------------------


def compatible_pairs(frame: pd.DataFrame, soft: bool) -> int:
    """Pairs of records (any persons) whose visible fields agree wherever both give them.

    Records are taken mask by mask: two masks share some fields, and the pairs between
    them that agree are counted by grouping on those fields (with the right side shifted
    by each tolerated offset when ``soft``)."""
    masks = sorted(int(m) for m in frame["mask"].unique())
    by_mask = {m: frame[frame["mask"].to_numpy() == m] for m in masks}
    total = 0
    for x, mask_a in enumerate(masks):
        for mask_b in masks[x:]:
            common = mask_a & mask_b
            fields = [f for bit, f in enumerate(FIELDS) if common >> bit & 1]
            columns = [c for f in fields for c in (("age_lo", "age_hi") if f == "age" else (f,))]
            left, right = by_mask[mask_a], by_mask[mask_b]
            if not columns:
                n_a, n_b = len(left), len(right)
                total += n_a * (n_a - 1) // 2 if mask_a == mask_b else n_a * n_b
                continue
            counts_a = left.groupby(columns, sort=False).size().rename("n_a").reset_index()
            counts_b = right.groupby(columns, sort=False).size().rename("n_b").reset_index()
            ages = range(-AGE_TOLERANCE, AGE_TOLERANCE + 1) if soft and "age" in fields else (0,)
            days = range(-DAY_TOLERANCE, DAY_TOLERANCE + 1) if soft and "day" in fields else (0,)
            ordered = 0
            for age_shift in ages:
                for day_shift in days:
                    shifted = counts_b
                    if age_shift or day_shift:
                        shifted = counts_b.copy()
                        if age_shift:
                            shifted["age_lo"] += age_shift
                            shifted["age_hi"] += age_shift
                        if day_shift:
                            shifted["day"] += day_shift
                    joined = counts_a.merge(shifted, on=columns, how="inner")
                    ordered += int((joined["n_a"].to_numpy() * joined["n_b"].to_numpy()).sum())
            if mask_a == mask_b:  # ordered pairs of one set, each record with itself once
                total += (ordered - len(left)) // 2
            else:
                total += ordered
    return total


# --- the exact ceiling of pairwise rules on visible fields ------------------------------


def best_rule(frame: pd.DataFrame, true_i: np.ndarray, true_j: np.ndarray) -> dict[str, Any]:
    """The best pairwise F1 of any rule deciding a pair from its two visible records
    (blanks as values) and whether they share a list (see the module documentation)."""
    visible = ["given", "father", "grandfather", "family", "sex", "age_lo", "age_hi", "day", "place"]
    vid = frame.groupby(visible, sort=False).ngroup().to_numpy().astype(np.int64)
    lists = frame["list"].to_numpy()
    n_lists = int(lists.max()) + 1
    count = np.bincount(vid)
    per_list = pd.Series(1, index=pd.MultiIndex.from_arrays([vid, lists])).groupby(level=[0, 1]).size()
    per_list_dict = per_list.to_dict()

    a, b = vid[true_i], vid[true_j]
    low, high = np.minimum(a, b), np.maximum(a, b)
    same = (lists[true_i] == lists[true_j]).astype(np.int64)
    classes = pd.DataFrame({"low": low, "high": high, "same": same})
    t = classes.groupby(["low", "high", "same"]).size()
    f_values = []
    for (v, w, same_list), t_c in t.items():
        if v == w:
            same_pairs = sum(n * (n - 1) // 2 for n in (per_list_dict.get((v, s), 0) for s in range(n_lists)))
            all_pairs = count[v] * (count[v] - 1) // 2
        else:
            same_pairs = sum(per_list_dict.get((v, s), 0) * per_list_dict.get((w, s), 0)
                             for s in range(n_lists))
            all_pairs = int(count[v]) * int(count[w])
        total = same_pairs if same_list else all_pairs - same_pairs
        f_values.append(total - t_c)
    t_arr = t.to_numpy().astype(np.float64)
    f_arr = np.array(f_values, dtype=np.float64)
    true_total = t_arr.sum()
    order = np.argsort(f_arr / t_arr, kind="stable")
    tp = np.cumsum(t_arr[order])
    fp = np.cumsum(f_arr[order])
    f1 = 2 * tp / (tp + true_total + fp)
    best = int(np.argmax(f1))
    return {"classes": len(t_arr), "mixed_classes": int((f_arr > 0).sum()),
            "wrong_pairs_in_mixed": int(f_arr.sum()),
            "f1": float(f1[best]), "precision": float(tp[best] / (tp[best] + fp[best])),
            "recall": float(tp[best] / true_total),
            "link_all_f1": float(2 * true_total / (2 * true_total + f_arr.sum()))}


# --- error kinds -------------------------------------------------------------------------


def false_positive_kinds(frame: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> dict[str, int]:
    strict = all_agree(agree(frame, i, j, soft=False))
    soft = all_agree(agree(frame, i, j, soft=True))

    def same(field: str) -> np.ndarray:
        a, b = frame[field].to_numpy()[i], frame[field].to_numpy()[j]
        return (a >= 0) & (a == b)

    def differ(field: str) -> np.ndarray:
        a, b = frame[field].to_numpy()[i], frame[field].to_numpy()[j]
        return (a >= 0) & (b >= 0) & (a != b)

    kinds = [
        ("indistinguishable (all visible fields agree)", strict),
        ("indistinguishable within tolerance (age ±1, day ±3)", soft),
        ("relatives (same father+family keys, other given)",
         same("father") & same("family") & differ("given")),
        ("same given+family keys, other father", same("given") & same("family") & differ("father")),
    ]
    return _first_kind(kinds, len(i))


def false_negative_kinds(frame: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> dict[str, int]:
    script = frame["script"].to_numpy()
    cross = (((script[i] == "arabic") & (script[j] == "latin"))
             | ((script[i] == "latin") & (script[j] == "arabic")))
    missing = np.zeros(len(i), dtype=bool)
    for link in NAMES:
        a, b = frame[link].to_numpy()[i], frame[link].to_numpy()[j]
        missing |= (a < 0) != (b < 0)
    soft = agree(frame, i, j, soft=True)
    kinds = [
        ("different scripts (Arabic-only vs Latin-only)", cross),
        ("a name part given on one side only", missing),
        ("age or day apart beyond tolerance", ~(soft["age"] & soft["day"])),
    ]
    return _first_kind(kinds, len(i))


def _first_kind(kinds: list[tuple[str, np.ndarray]], n: int) -> dict[str, int]:
    left = np.ones(n, dtype=bool)
    counts: dict[str, int] = {}
    for name, flags in kinds:
        hit = left & flags
        counts[name] = int(hit.sum())
        left &= ~hit
    counts["other"] = int(left.sum())
    return counts


# --- the run -----------------------------------------------------------------------------


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(folder: Path, check: bool) -> dict[str, Any]:
    from civharm.analysis.linkage import LinkageSettings, evaluate, link, read_simulated_lists

    timings: dict[str, tuple[float, float]] = {}
    wall, cpu = time.perf_counter(), _cpu()
    records, truth = read_simulated_lists(folder)
    _log(f"… civharm on {len(records):,} records")
    with tempfile.TemporaryDirectory(prefix="civharm-linkage-errors-") as temp:
        linked = link(records, LinkageSettings(temp_dir=Path(temp)))
    quality = evaluate(linked.clusters, truth)
    timings["read + link + evaluate"] = (time.perf_counter() - wall, _cpu() - cpu)
    result: dict[str, Any] = {"records": len(records), "pairwise": quality.pairwise}
    if check:
        wall, cpu = time.perf_counter(), _cpu()
        with tempfile.TemporaryDirectory(prefix="civharm-linkage-errors-check-") as temp:
            figure = bench.run_child("civharm", folder, Path(temp))
        result["benchmark_f1"] = figure.get("f1")
        timings["benchmark's own end-to-end subprocess"] = (time.perf_counter() - wall, _cpu() - cpu)

    wall, cpu = time.perf_counter(), _cpu()
    _log("… visible fields")
    frame = visible_table(records, truth)
    person = frame["person"].to_numpy()
    found = _codes([linked.clusters[r.key] for r in records])
    true_i, true_j = pairs_within(person)
    found_i, found_j = pairs_within(found)
    assert len(true_i) == quality.pairwise.true_pairs and len(found_i) == quality.pairwise.found_pairs
    wrong = person[found_i] != person[found_j]
    missed = found[true_i] != found[true_j]
    result["fp"] = false_positive_kinds(frame, found_i[wrong], found_j[wrong])
    result["fn"] = false_negative_kinds(frame, true_i[missed], true_j[missed])
    timings["visible fields, pairs, error kinds"] = (time.perf_counter() - wall, _cpu() - cpu)

    wall, cpu = time.perf_counter(), _cpu()
    _log("… indistinguishable pairs")
    true_total = len(true_i)
    for name, soft in (("strict", False), ("tolerant", True)):
        compatible = compatible_pairs(frame, soft)
        true_compatible = int(all_agree(agree(frame, true_i, true_j, soft)).sum())
        result[name] = {"compatible": compatible, "true_compatible": true_compatible,
                        "indistinguishable": compatible - true_compatible}
    result["masks"] = int(frame["mask"].nunique())
    result["true_pairs"] = true_total
    result["best_rule"] = best_rule(frame, true_i, true_j)
    timings["indistinguishable pairs and ceilings"] = (time.perf_counter() - wall, _cpu() - cpu)
    result["timings"] = timings
    result["peak_mb"] = bench._peak_mb()
    return result


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    —"


def show(result: dict[str, Any], records_arg: int) -> None:
    p = result["pairwise"]
    print(f"Linkage errors on the benchmark's simulated lists (--records {records_arg:,}: "
          f"{result['records']:,} named records)")
    print()
    print("civharm, end to end (as benchmarks/linkage.py)")
    print(f"  true pairs {p.true_pairs:,}   found pairs {p.found_pairs:,}   correct {p.correct_pairs:,}")
    print(f"  P {p.precision:.4f}   R {p.recall:.4f}   F1 {p.f1:.4f}")
    if "benchmark_f1" in result:
        f1 = result["benchmark_f1"]
        same = "equal" if f1 is not None and abs(f1 - p.f1) < 1e-12 else "DIFFERENT"
        print(f"  benchmarks/linkage.py's own end-to-end figure: F1 {f1:.4f} ({same})"
              if f1 is not None else "  benchmarks/linkage.py's own figure: failed")
    print()
    true_total = result["true_pairs"]
    print(f"Indistinguishable pairs of different persons ({result['masks']} patterns of blank fields)")
    print(f"  {'':<34} {'pairs agreeing':>16} {'of which true':>14} {'different persons':>18} "
          f"{'link-all F1':>12}")
    for name, label in (("strict", "all visible fields equal"),
                        ("tolerant", "age ±1 y, day ±3 d tolerated")):
        s = result[name]
        link_all = 2 * true_total / (2 * true_total + s["indistinguishable"])
        print(f"  {label:<34} {s['compatible']:>16,} {s['true_compatible']:>14,} "
              f"{s['indistinguishable']:>18,} {link_all:>12.4f}")
    print(f"  (true pairs: {true_total:,}; link-all F1 = 2T / (2T + different-person pairs agreeing))")
    b = result["best_rule"]
    print()
    print("Best pairwise rule on visible fields (blanks as values) and same-list-or-not")
    print(f"  classes holding a true pair {b['classes']:,}, of which also holding different persons "
          f"{b['mixed_classes']:,} ({b['wrong_pairs_in_mixed']:,} different-person pairs)")
    print(f"  ceiling: P {b['precision']:.4f}   R {b['recall']:.4f}   F1 {b['f1']:.4f}   "
          f"(linking every such class: F1 {b['link_all_f1']:.4f})")
    print()
    for key, title in (("fp", "False positives (different persons linked)"),
                       ("fn", "False negatives (one person not linked)")):
        kinds = result[key]
        whole = sum(kinds.values())
        print(f"{title}: {whole:,} pairs")
        for name, n in kinds.items():
            print(f"  {name:<55} {n:>12,}  {_share(n, whole)}")
        print()
    print("Time (wall / CPU incl. child processes)")
    for name, (wall, cpu) in result["timings"].items():
        print(f"  {name:<45} {wall:8.1f} s  {cpu:8.1f} s")
    print(f"  peak resident memory {result['peak_mb']:,.0f} MB ({os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="simulated records, as the benchmark's")
    parser.add_argument("--data", type=Path, help="folder to keep and reuse simulated lists in")
    parser.add_argument("--no-check", action="store_true",
                        help="skip running the benchmark's own end-to-end figure for comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="civharm-linkage-errors-data-") as temp:
        base = Path(args.data) if args.data else Path(temp)
        folder = base / f"speed-{args.records}"
        bench.simulate(folder, args.records / bench.NAMED_RECORDS_PER_SCALE)
        result = run(folder, not args.no_check)
    show(result, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
