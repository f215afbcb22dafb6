"""The Spark backend, in local mode on a small list, gives what DuckDB gives.

Slow: starting a Java virtual machine and Spark's per-query overhead take most of a
minute on two cores, for a few hundred records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from civharm.analysis.linkage import LinkageSettings, default_model, link, read_simulated_lists


@pytest.mark.slow
def test_spark_links_a_small_list_as_duckdb_does(tmp_path: Path) -> None:
    from civharm.simulation.scenario import generate

    generate(tmp_path, seed=7, scale=0.1, parallel=False)
    records, _ = read_simulated_lists(tmp_path)
    model = default_model()
    duck = link(records, LinkageSettings(on_disk=False), model)
    spark = link(records, LinkageSettings(backend="spark"), model)
    assert len(spark.pairs) == len(duck.pairs) > 20
    assert spark.prior == duck.prior
    order_duck = np.lexsort((duck.pairs.right, duck.pairs.left))
    order_spark = np.lexsort((spark.pairs.right, spark.pairs.left))
    assert np.array_equal(duck.pairs.left[order_duck], spark.pairs.left[order_spark])
    assert np.allclose(duck.pairs.probability[order_duck], spark.pairs.probability[order_spark])
    assert spark.clusters == duck.clusters
    assert len(set(duck.clusters.values())) < len(records)
