"""Where Splink runs: DuckDB on one machine (the default) or Spark.

One small abstract layer, a subclass per backend: each opens a Splink database API,
registers plain column dictionaries as tables, runs a query and fetches columns
back as Python lists. Everything above this module is backend-neutral SQL.

DuckDB runs in a database file inside a temporary folder, with ``memory_limit``
and ``temp_directory`` set, so that a large linkage spills to disk instead of
exhausting memory; the folder is removed when the backend closes. Spark runs in
local mode (``local[2]`` unless told otherwise), with its UI off and few shuffle
partitions: it is for users who outgrow one machine, and here for proving the
model runs on it unchanged.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

BACKENDS = ("duckdb", "spark")


class Backend(ABC):
    """A Splink database API with the few operations linkage needs."""

    name: str

    @property
    @abstractmethod
    def db_api(self) -> Any:
        """The Splink ``DatabaseAPI``."""

    def register(self, columns: dict[str, list[Any]], name: str | None = None) -> Any:
        """Register a table given column by column; returns a Splink dataframe."""
        return self.db_api.register(columns, table_name=name)

    @abstractmethod
    def fetch(self, sql: str) -> dict[str, list[Any]]:
        """Run a query and return its columns as lists."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBBackend(Backend):
    name = "duckdb"

    def __init__(self, memory_limit: str = "2GB", temp_dir: Path | None = None,
                 threads: int | None = None, on_disk: bool = True):
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        self._folder = Path(tempfile.mkdtemp(prefix="civharm-linkage-", dir=temp_dir))
        try:
            database = str(self._folder / "linkage.duckdb") if on_disk else ":memory:"
            self._con = duckdb.connect(database)
            spill = str(self._folder / "spill").replace("'", "''")
            self._con.execute(f"SET memory_limit = '{_quoted(memory_limit)}'")
            self._con.execute(f"SET temp_directory = '{spill}'")
            self._con.execute("SET preserve_insertion_order = false")
            if threads:
                self._con.execute(f"SET threads = {int(threads)}")
            self._api = DuckDBAPI(self._con)
        except Exception:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    @property
    def db_api(self) -> Any:
        return self._api

    @property
    def connection(self) -> Any:
        return self._con

    def fetch(self, sql: str) -> dict[str, list[Any]]:
        relation = self._con.sql(sql)
        names = [d[0] for d in relation.description]
        rows = relation.fetchall()
        return {name: [row[i] for row in rows] for i, name in enumerate(names)}

    def fetch_numpy(self, sql: str) -> dict[str, Any]:
        """As :meth:`fetch`, as numpy arrays (fast for millions of pairs)."""
        return dict(self._con.sql(sql).fetchnumpy())

    def close(self) -> None:
        try:
            self._con.close()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)


def _quoted(text: str) -> str:
    return text.replace("'", "''")


class SparkBackend(Backend):
    name = "spark"

    def __init__(self, master: str = "local[2]", temp_dir: Path | None = None,
                 shuffle_partitions: int = 2, driver_memory: str = "1g"):
        from pyspark.sql import SparkSession
        from splink.backends.spark import SparkAPI, similarity_jar_location

        self._folder = Path(tempfile.mkdtemp(prefix="civharm-spark-", dir=temp_dir))
        logging.getLogger("py4j").setLevel(logging.ERROR)
        # Spark's own log lines would bury the command's progress on standard error.
        quiet = self._folder / "log4j2.properties"
        quiet.write_text("rootLogger.level = error\nrootLogger.appenderRef.stderr.ref = console\n"
                         "appender.console.type = Console\nappender.console.name = console\n"
                         "appender.console.target = SYSTEM_ERR\n"
                         "appender.console.layout.type = PatternLayout\n"
                         "appender.console.layout.pattern = spark: %p %m%n\n", encoding="utf-8")
        builder = (SparkSession.builder.master(master).appName("civharm-linkage")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                   .config("spark.default.parallelism", str(shuffle_partitions))
                   .config("spark.driver.memory", driver_memory)
                   .config("spark.driver.extraJavaOptions", f"-Dlog4j.configurationFile=file:{quiet}")
                   .config("spark.local.dir", str(self._folder))
                   .config("spark.sql.warehouse.dir", str(self._folder / "warehouse"))
                   .config("spark.jars", similarity_jar_location())
                   .config("spark.sql.ansi.enabled", "false")
                   .config("spark.sql.codegen.wholeStage", "false")
                   .config("spark.sql.adaptive.enabled", "false"))
        self._spark = builder.getOrCreate()
        self._spark.sparkContext.setLogLevel("ERROR")
        self._spark.sparkContext.setCheckpointDir(str(self._folder / "checkpoints"))
        self._api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self._spark, break_lineage_method="persist",
            num_partitions_on_repartition=shuffle_partitions)

    @property
    def db_api(self) -> Any:
        return self._api

    def fetch(self, sql: str) -> dict[str, list[Any]]:
        frame = self._spark.sql(sql)
        names: Sequence[str] = frame.columns
        rows = frame.collect()
        return {name: [row[i] for row in rows] for i, name in enumerate(names)}

    def close(self) -> None:
        try:
            self._spark.catalog.clearCache()
            self._spark.stop()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)


def open_backend(name: str, *, memory_limit: str = "2GB", temp_dir: Path | None = None,
                 threads: int | None = None, on_disk: bool = True,
                 spark_master: str = "local[2]") -> Backend:
    """A backend by name (``duckdb`` or ``spark``); close it when done (it is a context manager)."""
    if name == "duckdb":
        return DuckDBBackend(memory_limit, temp_dir, threads, on_disk)
    if name == "spark":
        return SparkBackend(spark_master, temp_dir)
    raise ValueError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
