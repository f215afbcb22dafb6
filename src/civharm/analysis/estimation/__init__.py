"""Multiple systems estimation (MSE): how many people died, documented or not.

From a capture table — how many people each combination of lists names — estimate the total
with an interval, by a Bayesian latent-class model (LCMCR, the default) or by log-linear models,
with the warnings that must travel with the figure. Pure code: no database, no Django.

    table = read_capture_table(path.read_text())
    result = estimate(table, "lcmcr", seed=1)
    result.as_json()  # observed, estimate, lower, upper, method, lists, warnings, details
"""

from civharm.analysis.estimation.capture import (
    CaptureTable,
    CaptureTableError,
    TableProblem,
    read_capture_table,
)
from civharm.analysis.estimation.closed_form import chapman, lincoln_petersen
from civharm.analysis.estimation.diagnostics import (
    Diagnostics,
    diagnose,
    effective_sample_size,
    geweke_z,
    split_rhat,
)
from civharm.analysis.estimation.estimate import (
    METHODS,
    Comparison,
    Estimate,
    EstimationError,
    LoglinearSettings,
    compare_methods,
    estimate,
    side_by_side,
    sum_strata,
)
from civharm.analysis.estimation.lcmcr import THOROUGH, LcmcrSamples, LcmcrSettings, sample_lcmcr
from civharm.analysis.estimation.loglinear import (
    LoglinearFit,
    LoglinearModel,
    ModelSelection,
    bootstrap_estimates,
    fit_loglinear,
    profile_interval,
    select_model,
)
from civharm.analysis.estimation.pooling import pool_estimates

__all__ = [
    "METHODS",
    "THOROUGH",
    "CaptureTable",
    "CaptureTableError",
    "Comparison",
    "Diagnostics",
    "Estimate",
    "EstimationError",
    "LcmcrSamples",
    "LcmcrSettings",
    "LoglinearFit",
    "LoglinearModel",
    "LoglinearSettings",
    "ModelSelection",
    "TableProblem",
    "bootstrap_estimates",
    "chapman",
    "compare_methods",
    "diagnose",
    "effective_sample_size",
    "estimate",
    "fit_loglinear",
    "geweke_z",
    "lincoln_petersen",
    "pool_estimates",
    "profile_interval",
    "read_capture_table",
    "sample_lcmcr",
    "select_model",
    "side_by_side",
    "split_rhat",
    "sum_strata",
]
