"""Survey weighting and weighted KPIs with design-based (linearisation) intervals.

Weights make the respondents look like the population on known margins. Four ways to get them
(section ``weighting`` of ``engagement.yaml``, validated by :class:`WeightingParams`):

- ``rake``: iterative proportional fitting (IPF) to the population shares of several margins
  (Deming & Stephan 1940; the raking estimator of Deville & Särndal 1992);
- ``poststratify``: one classification (one column, or the cells crossed from several), each cell
  weighted to its population share;
- ``design``: the inverse of the sampling plan's selection probabilities (Horvitz–Thompson);
- ``column``: a weight column the client delivers, used as it is (``method: design``) or as the
  starting weights that ``rake``/``poststratify`` calibrate.

YAML form
---------
::

    weighting:
      method: rake                      # rake | poststratify | design
      margins:                          # population shares per column (each sums to 1 ± 0.001)
        tier: {platinum: 0.12, gold: 0.28, ordinary: 0.45, potential: 0.15}
        Customer Type: {Loyal Customer: 0.7, disloyal Customer: 0.3}
      trim: [0.3, 3.0]                  # optional bounds on weight / mean weight (low < 1 < high)
      column: null                      # or a weight column the client delivers
      probabilities: null               # design: a column of selection probabilities, or {column: {level: π}}

Cells over several columns (``poststratify``, and allowed as a raking margin too) are written with
``|`` between the column names and between the levels, so the YAML stays a plain mapping::

    weighting:
      method: poststratify
      margins:
        "tier|channel": {"platinum|app": 0.054, "platinum|store": 0.030, ...}   # every cell, sums to 1

(from Python a tuple key ``("tier", "channel"): {("platinum", "app"): 0.054, ...}`` works too).
Levels are matched as text: ``1``, ``1.0`` and ``"1"`` are the same level. A column or level name
cannot contain ``|``.

Formulas
--------
All weights are returned normalised to mean 1 (sum n). With weights :math:`w_i`, i = 1..n:

- Kish (1965) effective sample size ``n_eff = (Σ w)² / Σ w²`` and design effect due to weighting
  ``deff = n / n_eff = 1 + CV²(w)`` (CV with the population variance of the weights).
- Raking: each sweep multiplies the weights of level l of margin m by ``T_ml / Σ_{i∈l} w_i`` with
  ``T_ml = share_ml · n``; sweeps stop when no margin moves more than ``tol`` (in shares). Respondents
  with the same margin levels and base weight get the same factors, so IPF runs on the table of
  those groups (fast on millions of rows) and the result is the raking solution of
  ``survey::rake``/``calibrate(calfun = "raking")``.
- Trimming (R ``survey::trimWeights(strict = TRUE)`` then ``rake`` again, repeated): weights outside
  ``[low, high] × mean`` are set to the bound and the cut (or added) weight is shared equally by
  the weights inside, repeatedly, then the weights are raked again; rounds stop when every raked
  weight is within the bounds (relative tolerance 1e-9). So the final weights meet the margins
  exactly and the bounds up to that tolerance.
- Estimates are ratio means ``ȳ = Σ w y / Σ w``. Their variance is the linearisation (Taylor)
  variance of a with-replacement single-stage design with weights only, as R
  ``svydesign(ids = ~1, weights = ~w)``::

      z_i = w_i (y_i − ȳ) / Σ w,     V(ȳ) = n / (n − 1) · Σ (z_i − z̄)²

  For raked and post-stratified weights the influence values are first replaced by their
  residuals from the calibration regression on the margin dummies (Deville & Särndal 1992;
  Lumley 2010, §7.3): ``z_i = w_i (u_i − x_iᵀ B)`` with ``u_i = (y_i − ȳ)/Σ w`` and ``B`` the
  least-squares fit of u on the dummies weighted by the base weights — what R's
  ``calibrate(calfun = "raking")`` and ``postStratify`` do. R's ``rake()`` instead backfits the
  *unweighted* regression (10 sweeps); with equal base weights the two coincide, with unequal base
  weights ``variance="rake"`` reproduces ``rake()``.
- Missing values and subsets are domains, as ``svymean(na.rm = TRUE)`` / ``subset()``: their
  respondents contribute z_i = 0 (with calibrated weights, before the residuals are taken) and
  n stays the design's n; the degrees of freedom are (respondents used − 1), R's ``degf`` of the
  subset design.
- Trimmed raking: the variance uses one calibration adjustment on the final weights (as R
  ``rake()`` applied to the trimmed weights taken as given). R's own trimWeights + rake loop stacks
  one adjustment per round with each round's weights; its SEs differ from ours by < 0.5 % on the
  reference data.
- Intervals: means ``ȳ ± q·se`` with the normal quantile (R ``confint(svymean())``) or Student t on
  ``n − 1`` degrees of freedom; proportions by ``svyciprop``'s default ``method = "logit"``:
  ``expit(logit p ± t_{n−1} · se/(p(1 − p)))`` (also ``"beta"``, Korn & Graubard 1998, and ``"mean"``);
  NPS is the mean of the +1/0/−1 scores (× 100) with its linearisation variance.
- Rao–Scott (1984) test of independence in a two-way table, R ``svychisq(statistic = "F")``:
  Pearson X² of the weighted table scaled to n, ``F = X² / tr(Δ)`` on ``d₀ = tr(Δ)²/tr(Δ²)`` and
  ``d₀ (n − 1)`` degrees of freedom, ``Δ = (C'D⁻¹C/n)⁻¹ C'D⁻¹ V D⁻¹ C`` with C the interaction
  contrasts, D the estimated cell shares and V their design covariance.

Checked against R survey 4.x (tests/test_weighting.py, figures in tests/data/r_reference/weighting.json).

References
----------
Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency table
when the expected marginal totals are known. *Ann. Math. Statist.* 11, 427–444.
Kish, L. (1965). *Survey Sampling*. Wiley.
Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA* 87, 376–382.
Rao, J. N. K. & Scott, A. J. (1984). On chi-squared tests for multiway contingency tables with cell
proportions estimated from survey data. *Ann. Statist.* 12, 46–60.
Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small expected
number of positive counts estimated from survey data. *Survey Methodology* 24, 193–201.
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import AnalysisError, ConfigError, DataError, Problem

SEP = "|"
SHARE_TOL = 0.001
PARAMS_FILE = "engagement.yaml"
#: Weights outside these bounds (× mean weight) after trimming produce a warning in the result.
WARN_BOUNDS = (0.2, 5.0)

Margins = Mapping[Any, Mapping[Any, float]]


# --------------------------------------------------------------------------- margins
def _key(v: Any) -> str:
    """A level as text: 1, 1.0 and "1" are the same level."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)) and math.isfinite(float(v)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _parts(key: Any, what: str) -> tuple[str, ...]:
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    return tuple(_key(key).split(SEP))


def _label(cols: tuple[str, ...]) -> str:
    return SEP.join(cols)


def _margin_problems(margins: Any, where: str) -> list[tuple[str, str]]:
    """(key path, message) of every problem in a margins mapping; empty when it is valid."""
    out: list[tuple[str, str]] = []
    if not isinstance(margins, Mapping):
        return [(where, f"expected a mapping of column -> {{level: share}}, got {type(margins).__name__}")]
    for spec, shares in margins.items():
        cols = _parts(spec, "columns")
        lab = _label(cols)
        here = f"{where}.{lab}"
        if any(c == "" for c in cols):
            out.append((here, f"empty column name in '{lab}' (columns of a cell are separated by '{SEP}')"))
            continue
        if len(set(cols)) < len(cols):
            out.append((here, f"a column is named twice in '{lab}'"))
        if not isinstance(shares, Mapping) or not shares:
            out.append((here, f"expected a mapping of level -> population share for column '{lab}'"))
            continue
        total, seen = 0.0, set()
        for lev, sh in shares.items():
            levs = _parts(lev, "levels")
            if len(levs) != len(cols):
                out.append((here, f"level '{_label(levs)}' must name one level per column of '{lab}' "
                                  f"({len(cols)}, separated by '{SEP}')"))
                continue
            if levs in seen:
                out.append((here, f"level '{_label(levs)}' is given twice"))
            seen.add(levs)
            try:
                v = float(sh)
            except (TypeError, ValueError):
                out.append((here, f"share of level '{_label(levs)}' is not a number ({sh!r})"))
                continue
            if not math.isfinite(v) or v < 0:
                out.append((here, f"share of level '{_label(levs)}' must be ≥ 0, got {sh!r}"))
                continue
            total += v
        if not out or out[-1][0] != here:
            if abs(total - 1) > SHARE_TOL:
                hint = " (write shares as fractions: 0.12, not 12)" if abs(total - 100) < 100 * SHARE_TOL * 10 else ""
                out.append((here, f"population shares of column '{lab}' sum to {total:.6g}, not 1 (±{SHARE_TOL:g}); "
                                  f"correct them so they add up to 1{hint}"))
    return out


def _normalise_margins(margins: Margins, where: str = "weighting.margins"
                       ) -> dict[tuple[str, ...], dict[tuple[str, ...], float]]:
    """Validated margins as {column tuple: {level tuple: share}}, shares rescaled to sum exactly 1."""
    probs = _margin_problems(margins, where)
    if probs:
        raise ConfigError([Problem(PARAMS_FILE, w, m) for w, m in probs])
    out = {}
    for spec, shares in margins.items():
        cols = _parts(spec, "columns")
        sh = {_parts(lev, "levels"): float(v) for lev, v in shares.items()}
        tot = sum(sh.values())
        out[cols] = {k: v / tot for k, v in sh.items()}
    return out


# --------------------------------------------------------------------------- params
def _stringify_keys(v: Any) -> Any:
    """YAML reads ``1: 0.3`` as an int key; tuples from Python become "a|b"."""
    if not isinstance(v, Mapping):
        return v
    return {(_label(tuple(_key(x) for x in k)) if isinstance(k, tuple) else _key(k)): _stringify_keys(x)
            for k, x in v.items()}


class WeightingParams(BaseModel):
    """Section ``weighting`` of ``engagement.yaml`` (see the module docstring for the YAML form).

    An empty section is valid and means no weighting (``enabled`` is False). Without ``method``,
    ``margins`` mean ``rake`` and a lone ``column``/``probabilities`` means ``design``.
    Rules: ``rake`` needs ``margins`` (one or more columns or cells); ``poststratify`` needs exactly
    one entry in ``margins`` (one column, or ``"a|b"`` cells over several columns); ``design`` needs
    ``column`` (a delivered weight column, used as it is) or ``probabilities`` (a column of selection
    probabilities, or ``{column: {level: π}}`` from the sampling plan) and no ``margins``. With
    ``rake``/``poststratify``, ``column`` or ``probabilities`` give the starting (base) weights.
    ``trim: [low, high]`` bounds weight / mean weight, ``0 ≤ low < 1 < high``.

    >>> p = WeightingParams.model_validate({"method": "rake", "margins": {"tier": {"a": 0.4, "b": 0.6}},
    ...                                     "trim": [0.3, 3.0]})
    >>> p.method, p.trim, p.enabled
    ('rake', (0.3, 3.0), True)
    >>> WeightingParams.model_validate({}).enabled, WeightingParams.model_validate({"column": "w"}).method
    (False, 'design')
    >>> try:
    ...     WeightingParams.model_validate({"margins": {"tier": {"a": 0.4, "b": 0.5}}})
    ... except ValidationError as exc:
    ...     print(exc.errors()[0]["msg"])
    Value error, population shares of column 'tier' sum to 0.9, not 1 (±0.001); correct them so they add up to 1
    """

    model_config = ConfigDict(extra="forbid")

    method: Literal["rake", "poststratify", "design"] | None = None
    margins: dict[str, dict[str, float]] = Field(default_factory=dict)
    trim: tuple[float, float] | None = None
    column: str | None = None
    probabilities: str | dict[str, dict[str, float]] | None = None
    region_shares: dict[str, float] | None = None
    max_iter: int = Field(1000, ge=1, le=100_000)
    tol: float = Field(1e-10, gt=0, le=1e-3)

    @field_validator("margins", "probabilities", mode="before")
    @classmethod
    def _keys_as_text(cls, v: Any) -> Any:
        return _stringify_keys(v)

    @field_validator("margins")
    @classmethod
    def _margins_ok(cls, v: dict) -> dict:
        probs = _margin_problems(v, "margins")
        if probs:
            raise ValueError("; ".join(m for _, m in probs))      # each message names the column and level
        return v

    @field_validator("region_shares")
    @classmethod
    def _region_shares_ok(cls, v):
        if v is not None:
            bad = {k: x for k, x in v.items() if not (0 < x <= 1)}
            if bad:
                k, x = next(iter(bad.items()))
                raise ValueError(f"population share of region '{k}' must be in (0, 1], got {x:g}")
            if abs(sum(v.values()) - 1) > SHARE_TOL:
                raise ValueError(f"region_shares sum to {sum(v.values()):.4g}, not 1 (±{SHARE_TOL:g}); "
                                 "give each region's share of the population")
        return v

    @field_validator("trim")
    @classmethod
    def _trim_ok(cls, v):
        if v is not None:
            lo, hi = v
            if not (0 <= lo < 1 < hi) or not math.isfinite(hi):
                raise ValueError(f"trim must be [low, high] with 0 ≤ low < 1 < high (bounds on weight / mean weight), "
                                 f"got [{lo:g}, {hi:g}]")
        return v

    @field_validator("probabilities")
    @classmethod
    def _probs_ok(cls, v):
        if isinstance(v, dict):
            for col, m in v.items():
                bad = {k: p for k, p in m.items() if not (0 < p <= 1)}
                if bad:
                    k, p = next(iter(bad.items()))
                    raise ValueError(f"selection probability of level '{k}' of column '{col}' must be in (0, 1], got {p:g}")
        return v

    @property
    def enabled(self) -> bool:
        """False for an empty section (``weighting: {}`` or absent): results stay unweighted."""
        return self.method is not None

    @model_validator(mode="after")
    def _method_rules(self):
        if self.method is None:          # inferred: margins -> rake; a weight column or probabilities -> design
            if self.margins:
                self.method = "rake"
            elif self.column or self.probabilities:
                self.method = "design"
            elif self.trim is not None:
                raise ValueError("trim needs something to weight: margins, column or probabilities")
        if self.column and self.probabilities:
            raise ValueError("give either column (delivered weights) or probabilities (selection probabilities), not both")
        if self.method == "rake" and not self.margins:
            raise ValueError("method rake needs margins: population shares per column, e.g. "
                             "margins: {tier: {platinum: 0.12, gold: 0.28, ordinary: 0.45, potential: 0.15}}")
        if self.method == "poststratify" and len(self.margins) != 1:
            raise ValueError(f"method poststratify needs exactly one entry in margins (one column, or cells over several "
                             f"columns written \"a|b\"), got {len(self.margins)}; to match several margins use method rake")
        if self.method == "design":
            if self.margins:
                raise ValueError("method design does not use margins; use method rake with column or probabilities "
                                 "to calibrate design weights to margins")
            if not (self.column or self.probabilities):
                raise ValueError("method design needs column (a weight column the client delivers) or probabilities "
                                 "(a column of selection probabilities, or {column: {level: probability}})")
        return self


def _params(p: WeightingParams | Mapping[str, Any]) -> WeightingParams:
    if isinstance(p, WeightingParams):
        return p
    try:
        return WeightingParams.model_validate(dict(p or {}))
    except ValidationError as exc:
        probs = []
        for e in exc.errors():
            where = ".".join(["weighting", *map(str, e["loc"])])
            probs.append(Problem(PARAMS_FILE, where, e["msg"].removeprefix("Value error, ")))
        raise ConfigError(probs) from None


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Weights:
    """Survey weights and how they were obtained.

    ``weights`` are normalised to mean 1 (they sum to ``n``), in the row order of the data
    (``index`` is the data's index). ``effective_n`` is Kish's ``(Σw)²/Σw²`` and ``deff`` Kish's
    design effect due to weighting ``n / effective_n = 1 + CV²``. ``converged`` and ``iterations``
    (IPF sweeps, all trimming rounds included) describe raking; ``trimmed`` counts respondents whose
    weight was cut or raised at least once; ``warnings`` holds texts to show (extreme weights,
    non-convergence when not raised). Pass the object itself to :func:`weighted_mean` & co. so the
    variance accounts for the calibration.
    """

    weights: np.ndarray
    method: str
    n: int
    effective_n: float
    deff: float
    min: float
    max: float
    converged: bool = True
    iterations: int = 0
    trimmed: int = 0
    trim_rounds: int = 0
    max_gap: float = 0.0
    warnings: tuple[str, ...] = ()
    index: Any = None
    variance: str = "weights"          # "weights" (weights only), "calibrate" or "rake"
    calibration: tuple[tuple[np.ndarray, int], ...] | None = field(default=None, repr=False)
    regression_weights: np.ndarray | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """The results entry ``weights: {method, n, effective_n, deff, min, max, converged, iterations}``."""
        return {"method": self.method, "n": int(self.n), "effective_n": float(self.effective_n),
                "deff": float(self.deff), "min": float(self.min), "max": float(self.max),
                "converged": bool(self.converged), "iterations": int(self.iterations)}

    def distribution(self, probs: Sequence[float] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)) -> dict[str, Any]:
        """:meth:`summary` plus the weights' quantiles ``{"p01": …, "p50": …}`` (numpy's linear interpolation,
        R ``quantile(type = 7)``) and the share of respondents beyond the warning bounds :data:`WARN_BOUNDS`.

        >>> d = from_column(pd.DataFrame({"w": [0.5, 1.0, 1.5]}), "w").distribution((0.5,))
        >>> d["quantiles"], d["share_extreme"]
        ({'p50': 1.0}, 0.0)
        """
        q = np.quantile(self.weights, probs)
        lo, hi = WARN_BOUNDS
        return {**self.summary(), "quantiles": {f"p{round(100 * p):02d}": float(v) for p, v in zip(probs, q)},
                "share_extreme": float(np.mean((self.weights < lo) | (self.weights > hi)))}

    def series(self, name: str = "weight") -> pd.Series:
        """The weights as a Series on the data's index."""
        return pd.Series(self.weights, index=self.index, name=name)


@dataclass(frozen=True)
class Estimate:
    """A weighted estimate with its linearisation standard error and interval."""

    estimate: float
    se: float
    low: float
    high: float
    n: int            # respondents used (non-missing, in the subset)
    df: int           # degrees of freedom (respondents used − 1, R degf of the subset design)
    method: str       # interval: normal, t, logit, beta, mean

    @property
    def ci(self) -> list[float]:
        return [self.low, self.high]

    def as_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "se": self.se, "ci": self.ci, "n": self.n, "df": self.df,
                "method": self.method}


@dataclass(frozen=True)
class ChisqTest:
    """Rao–Scott F test of independence (R ``svychisq(statistic = "F")``)."""

    statistic: float   # F = X² / tr(Δ)
    ndf: float         # d₀ = tr(Δ)² / tr(Δ²)
    ddf: float         # d₀ · (respondents used − 1)
    p_value: float
    chisq: float       # Pearson X² of the weighted table scaled to n (uncorrected)
    n: int
    table: pd.DataFrame = field(repr=False)   # weighted shares (rows × columns), sums to 1

    def as_dict(self) -> dict[str, Any]:
        return {"F": self.statistic, "ndf": self.ndf, "ddf": self.ddf, "p": self.p_value, "chisq": self.chisq,
                "n": self.n}


# --------------------------------------------------------------------------- data -> codes
def _rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:6]]


def _need_column(df: pd.DataFrame, col: str, what: str) -> pd.Series:
    if col not in df.columns:
        close = difflib.get_close_matches(str(col), [str(c) for c in df.columns], n=1)
        raise DataError(f"the {what} column is not in the data" + (f" (did you mean '{close[0]}'?)" if close else ""),
                        column=col, hint=f"name a column of the response file in weighting ({what})")
    return df[col]


def _column_codes(df: pd.DataFrame, col: str) -> tuple[np.ndarray, list[str]]:
    s = _need_column(df, col, "weighting")
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniq = s.cat.codes.to_numpy(np.int64), list(s.cat.categories)
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        codes = codes.astype(np.int64)
    miss = codes < 0
    if miss.any():
        raise DataError(f"{int(miss.sum())} respondent(s) have no value in a weighting column",
                        column=col, rows=_rows(miss),
                        hint="fill them in (e.g. an 'unknown' level with its own population share) "
                             "or drop those respondents before weighting")
    keys = [_key(u) for u in uniq]
    levels = list(dict.fromkeys(keys))
    if len(levels) < len(keys):          # 1 and "1" in one column: the same level
        remap = np.array([levels.index(k) for k in keys], dtype=np.int64)
        codes = remap[codes]
    return codes, levels


def _spec_codes(df: pd.DataFrame, cols: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Codes of the (crossed) classification by ``cols`` and its levels present in the data."""
    code, levels = _column_codes(df, cols[0])
    levs = [(lv,) for lv in levels]
    for c in cols[1:]:
        c2, l2 = _column_codes(df, c)
        combo = code * len(l2) + c2
        code, uniq = pd.factorize(combo)
        code = code.astype(np.int64)
        levs = [levs[u // len(l2)] + (l2[u % len(l2)],) for u in uniq]
    return code, levs


def _match_margin(df: pd.DataFrame, cols: tuple[str, ...], shares: dict[tuple[str, ...], float], kind: str
                  ) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Map respondents to the levels of one margin; return (codes, target shares, levels)."""
    code, data_levels = _spec_codes(df, cols)
    counts = np.bincount(code, minlength=len(data_levels))
    lab = _label(cols)
    where = f"weighting.margins.{lab}"
    margin_levels = list(shares)
    unknown = [lv for lv in data_levels if lv not in shares]
    if unknown:
        names = ", ".join(f"'{_label(lv)}' ({counts[data_levels.index(lv)]} respondents)" for lv in unknown[:5])
        close = difflib.get_close_matches(_label(unknown[0]), [_label(m) for m in margin_levels], n=1)
        raise DataError(f"level(s) in the data without a population share in {where}: {names}"
                        + (f"; did you mean '{close[0]}'?" if close else ""), column=lab,
                        hint=f"add their shares to {where} (the shares must still sum to 1), "
                             "or recode or drop those respondents")
    present = set(data_levels)
    absent = [lv for lv in margin_levels if lv not in present and shares[lv] > 0]
    if absent:
        lv = absent[0]
        thing = f"cell {', '.join(f'{c}={v}' for c, v in zip(cols, lv))}" if len(cols) > 1 else f"level '{lv[0]}'"
        what = "empty post-stratification cell" if kind == "poststratify" else "margin level absent from the data"
        more = f" (and {len(absent) - 1} more: {', '.join(repr(_label(a)) for a in absent[1:4])})" if len(absent) > 1 else ""
        raise DataError(f"{what}: {thing} has population share {shares[lv]:g} but no respondent{more}", column=lab,
                        hint="collapse it with a neighbouring level/cell (and add the shares), "
                             + ("or rake on the single columns instead" if kind == "poststratify"
                                else "or remove it and rescale the other shares"))
    zero = [lv for lv in data_levels if shares[lv] == 0]
    if zero:
        lv = zero[0]
        raise DataError(f"level '{_label(lv)}' has population share 0 in {where} but "
                        f"{counts[data_levels.index(lv)]} respondent(s)", column=lab,
                        hint="drop those respondents before weighting, or give the level its population share")
    target = np.array([shares[lv] for lv in data_levels])
    return code, target, data_levels


def _positive_weights(values: Any, name: str, n: int) -> np.ndarray:
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if len(s) != n:
        raise DataError(f"{len(s)} weights for {n} respondents", column=name)
    x = pd.to_numeric(s, errors="coerce").to_numpy(float)
    raw_missing = s.isna().to_numpy()
    if raw_missing.any():
        raise DataError(f"{int(raw_missing.sum())} respondent(s) have no weight", column=name, rows=_rows(raw_missing),
                        hint="every respondent needs a weight: ask the client for the missing weights or drop those rows")
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(f"{int(bad.sum())} weight(s) are not numbers (e.g. {s.iloc[int(np.flatnonzero(bad)[0])]!r})",
                        column=name, rows=_rows(bad), hint="weights must be positive numbers")
    nonpos = x <= 0
    if nonpos.any():
        raise DataError(f"{int(nonpos.sum())} weight(s) are ≤ 0 (e.g. {x[nonpos][0]:g})", column=name,
                        rows=_rows(nonpos), hint="weights must be > 0; drop respondents who should not count")
    return x


def _base(df: pd.DataFrame, base_weights: Any) -> tuple[np.ndarray | None, str]:
    if base_weights is None:
        return None, ""
    if isinstance(base_weights, str):
        return _positive_weights(_need_column(df, base_weights, "weight"), base_weights, len(df)), base_weights
    return _positive_weights(np.asarray(base_weights), "base_weights", len(df)), "base_weights"


# --------------------------------------------------------------------------- IPF and trimming
def _groups(codes: list[np.ndarray], base: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Group respondents with identical margin levels (and base weight): (group id, counts, group base)."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = key * (int(c.max()) + 1) + c
        if key.max() > 2 ** 40:       # keep the combined key small
            key = pd.factorize(key)[0].astype(np.int64)
    if base is not None:
        bcode = pd.factorize(base)[0].astype(np.int64)
        key = key * (int(bcode.max()) + 1) + bcode
    gid, _ = pd.factorize(key)
    gid = gid.astype(np.int64)
    counts = np.bincount(gid).astype(float)
    first = np.empty(len(counts), dtype=np.int64)
    first[gid] = np.arange(len(gid))
    return gid, counts, None if base is None else base[first]


def _sweep(w: np.ndarray, counts: np.ndarray, gcodes: list[np.ndarray], targets: list[np.ndarray], n: float
           ) -> float:
    """One IPF sweep over the margins (in place); return the largest gap met (in shares)."""
    gap = 0.0
    for c, t in zip(gcodes, targets):
        tot = np.bincount(c, weights=counts * w, minlength=len(t))
        gap = max(gap, float(np.max(np.abs(tot - t))) / n)
        w *= (t / tot)[c]
    return gap


def _gaps(w, counts, gcodes, targets, n) -> list[np.ndarray]:
    return [(np.bincount(c, weights=counts * w, minlength=len(t)) - t) / n for c, t in zip(gcodes, targets)]


def _ipf(w, counts, gcodes, targets, n, max_iter, tol) -> tuple[np.ndarray, int, bool]:
    w = w.copy()
    if len(gcodes) == 1:                 # one classification: post-stratification is exact in one step
        _sweep(w, counts, gcodes, targets, n)
        return w, 1, True
    for it in range(1, max_iter + 1):
        if _sweep(w, counts, gcodes, targets, n) < tol:
            return w, it, True
    return w, max_iter, False


def _trim_r(w: np.ndarray, counts: np.ndarray, lower: float, upper: float, ever: np.ndarray) -> np.ndarray:
    """R ``trimWeights(strict = TRUE)`` on grouped weights: clip, share the cut equally among the others, repeat."""
    w = w.copy()
    for _ in range(10_000):
        outside = (w < lower) | (w > upper)
        if not outside.any():
            return w
        ever |= outside
        new = np.clip(w, lower, upper)
        inside = counts[~outside].sum()
        if inside == 0:
            raise ConfigError(f"weighting.trim: every weight is outside [{lower:g}, {upper:g}] × mean weight",
                              hint="widen weighting.trim")
        new[~outside] += float(np.sum(counts * (w - new))) / inside
        w = new
    raise AnalysisError("trimming did not settle after 10,000 passes")  # pragma: no cover - theoretical


def _kish(w: np.ndarray) -> tuple[float, float]:
    s, s2 = float(w.sum()), float(np.sum(w * w))
    neff = s * s / s2
    return neff, len(w) / neff


def _finish(w_rows: np.ndarray, df: pd.DataFrame, method: str, *, converged=True, iterations=0, trimmed=0,
            trim_rounds=0, max_gap=0.0, warnings: Sequence[str] = (), variance="weights", calibration=None,
            regression_weights=None) -> Weights:
    w = w_rows / w_rows.mean()
    neff, deff = _kish(w)
    warns = list(warnings)
    lo, hi = WARN_BOUNDS
    out = (w < lo) | (w > hi)
    if out.any():
        warns.append(f"extreme weights: {int(out.sum())} respondent(s) weigh outside [{lo:g}, {hi:g}] × the mean weight "
                     f"(min {w.min():.3g}, max {w.max():.3g}, max/min {w.max() / w.min():.3g}); "
                     f"Kish design effect {deff:.2f}, effective n {neff:.0f} of {len(w)}. "
                     "Consider weighting.trim (e.g. [0.3, 3.0]) or collapsing sparse levels")
    return Weights(weights=w, method=method, n=len(w), effective_n=neff, deff=deff, min=float(w.min()),
                   max=float(w.max()), converged=bool(converged), iterations=int(iterations), trimmed=int(trimmed),
                   trim_rounds=int(trim_rounds), max_gap=float(max_gap), warnings=tuple(warns), index=df.index,
                   variance=variance, calibration=calibration, regression_weights=regression_weights)


def _trim_feasible(codes, targets, levels, specs, n, lo, hi):
    """Each level's weights must average share·n/count; outside the trim bounds no weights can do it."""
    for c, t, levs, cols in zip(codes, targets, levels, specs):
        cnt = np.bincount(c, minlength=len(t))
        need = t / cnt
        for j in np.flatnonzero((need < lo) | (need > hi)):
            side, bound = ("below the lower", lo) if need[j] < lo else ("above the upper", hi)
            raise ConfigError([Problem(PARAMS_FILE, "weighting.trim",
                                       f"bounds [{lo:g}, {hi:g}] cannot be met: column '{_label(cols)}' level "
                                       f"'{_label(levs[j])}' has {cnt[j]} respondents for a population share "
                                       f"{t[j] / n:.4g}, so its weights must average {need[j]:.3g} × the mean weight, "
                                       f"{side} bound {bound:g}")],
                              hint="widen weighting.trim or collapse sparse levels")


def _bounds_feasible(counts, gcodes, targets, lo, hi, max_groups: int = 50_000) -> bool | None:
    """Can any weights within [lo, hi] meet the margins? A linear program on the groups (None: not checked)."""
    if len(counts) > max_groups:
        return None
    from scipy.optimize import linprog

    rows = [np.where(c == k, counts, 0.0) for c, t in zip(gcodes, targets) for k in range(len(t))]
    res = linprog(np.zeros(len(counts)), A_eq=np.array(rows), b_eq=np.concatenate(targets), bounds=(lo, hi),
                  method="highs")
    return {0: True, 2: False}.get(res.status)


def _calibrate(df: pd.DataFrame, margins: dict, method: str, *, base_weights: Any, trim, max_iter: int, tol: float,
               on_failure: str, variance: str, max_trim_rounds: int = 100) -> Weights:
    n = len(df)
    if n < 2:
        raise DataError(f"cannot weight {n} respondent(s)")
    base, _ = _base(df, base_weights)
    specs, codes, targets, levels = [], [], [], []
    for cols, shares in margins.items():
        c, t, levs = _match_margin(df, cols, shares, method)
        specs.append(cols)
        codes.append(c)
        targets.append(t * n)
        levels.append(levs)
    if trim is not None:
        lo, hi = map(float, trim)
        if not (0 <= lo < 1 < hi):
            raise ConfigError([Problem(PARAMS_FILE, "weighting.trim",
                                       f"trim must be [low, high] with 0 ≤ low < 1 < high, got [{lo:g}, {hi:g}]")])
        _trim_feasible(codes, targets, levels, specs, n, lo, hi)
    gid, counts, gbase = _groups(codes, base)
    first = np.empty(len(counts), dtype=np.int64)
    first[gid] = np.arange(n)
    gcodes = [c[first] for c in codes]
    w0 = np.ones(len(counts)) if gbase is None else gbase / (np.sum(counts * gbase) / n)
    w, iters, ok = _ipf(w0, counts, gcodes, targets, n, max_iter, tol)
    rounds, ever = 0, np.zeros(len(counts), dtype=bool)
    settled = True
    if trim is not None:
        settled = False
        while ok:
            m = float(np.sum(counts * w) / n)
            if w.max() <= hi * m * (1 + 1e-9) and w.min() >= lo * m * (1 - 1e-9):
                settled = True
                break
            if rounds >= max_trim_rounds:
                break
            w = _trim_r(w, counts, lo * m, hi * m, ever)
            w, it, ok = _ipf(w, counts, gcodes, targets, n, max_iter, tol)
            iters += it
            rounds += 1
    gaps = _gaps(w, counts, gcodes, targets, n)
    k = int(np.argmax([np.max(np.abs(g)) for g in gaps]))
    j = int(np.argmax(np.abs(gaps[k])))
    max_gap = float(abs(gaps[k][j]))
    warns = []
    if not ok:
        msg = (f"raking did not converge after {iters} iterations: the largest remaining gap is {max_gap:.3g} "
               f"(share {targets[k][j] / n + gaps[k][j]:.6g} against the target {targets[k][j] / n:.6g}) "
               f"at level '{_label(levels[k][j])}'")
        hint = ("the margins may contradict the data (a level of one column occurs only with some levels of another; "
                "check their cross-tabulation): collapse sparse levels"
                + (", widen weighting.trim" if trim is not None else "") + " or raise max_iter")
        if on_failure == "raise":
            raise DataError(msg, column=_label(specs[k]), hint=hint)
        warns.append(f"column '{_label(specs[k])}': {msg}; {hint}")
    elif not settled:
        m = float(np.sum(counts * w) / n)
        msg = (f"weights still outside the trim bounds [{lo:g}, {hi:g}] × mean after {rounds} rounds of trimming and "
               f"re-raking (min {w.min() / m:.4g}, max {w.max() / m:.4g} × mean)")
        feasible = _bounds_feasible(counts, gcodes, targets, lo, hi)
        if feasible is False:
            msg += (f": no weights within [{lo:g}, {hi:g}] × mean can meet all the margins "
                    "(checked by linear programming)")
        hint = "widen weighting.trim or collapse sparse levels"
        if on_failure == "raise":
            raise DataError(msg, hint=hint)
        warns.append(f"{msg}; {hint}")
    w_rows = w[gid]
    regw = np.ones(n) if (base is None or variance == "rake") else base / base.mean()
    calib = tuple((c, len(t)) for c, t in zip(codes, targets))
    return _finish(w_rows, df, method, converged=ok and settled, iterations=iters,
                   trimmed=int(counts[ever].sum()), trim_rounds=rounds, max_gap=max_gap, warnings=warns,
                   variance=variance if base is not None else "calibrate", calibration=calib,
                   regression_weights=regw)


# --------------------------------------------------------------------------- public weighting
def rake(df: pd.DataFrame, margins: Margins, *, base_weights: Any = None, trim: Sequence[float] | None = None,
         max_iter: int = 1000, tol: float = 1e-10, variance: Literal["calibrate", "rake"] = "calibrate",
         on_failure: Literal["raise", "warn"] = "raise") -> Weights:
    """Rake (iterative proportional fitting) respondents to population margins.

    Each sweep multiplies the weights of every level l of margin m by ``share_ml · n / Σ_{i∈l} w_i``,
    margins in the order given, until a sweep moves no margin by more than ``tol`` (shares)
    (Deming & Stephan 1940; the raking ratio estimator of Deville & Särndal 1992). The solution is
    R's ``survey::rake`` (and ``calibrate(calfun = "raking")``) at convergence. With ``trim``, the
    raked weights are trimmed as R ``trimWeights(strict = TRUE)`` (bounds ``trim × mean weight``, the
    cut weight shared equally among the others) and raked again, round after round, until they
    are within the bounds; bounds that a margin level cannot meet are refused up front.

    Parameters
    ----------
    df : DataFrame of respondents.
    margins : {column: {level: share}}; a margin over several columns is ``"a|b": {"x|y": share}``
        (or tuple keys). Each margin's shares must be ≥ 0 and sum to 1 (± 0.001; rescaled to 1).
    base_weights : starting weights (a column name or values), e.g. design weights; default 1.
    trim : optional ``(low, high)`` bounds on weight / mean weight, ``0 ≤ low < 1 < high``.
    max_iter, tol : IPF sweeps per raking and convergence tolerance (largest gap, in shares).
    variance : residuals for the variance: ``"calibrate"`` regresses on the margin dummies weighted
        by the base weights (R ``calibrate``); ``"rake"`` unweighted (R ``rake``). Same without base weights.
    on_failure : ``"raise"`` a :class:`DataError` when raking does not converge (default), or
        ``"warn"``: return the last weights with ``converged=False`` and the text in ``warnings``.

    Returns
    -------
    Weights (mean 1), with Kish effective n and design effect, convergence and trimming counts.

    Raises
    ------
    ConfigError : shares not summing to 1, negative shares, bad trim bounds.
    DataError : missing values in a margin column, data levels without a share, a margin level
        with a share but no respondent, non-convergence (iterations and the largest remaining gap).

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> df = pd.DataFrame({"tier": list("aaabbb"), "loyal": list("ynynny")})
    >>> w = rake(df, {"tier": {"a": 0.5, "b": 0.5}, "loyal": {"y": 0.6, "n": 0.4}})
    >>> [round(float(x), 4) for x in w.weights], w.converged       # R rake(): the same weights
    ([1.1388, 0.7224, 1.1388, 0.8388, 0.8388, 1.3224], True)
    >>> round(w.effective_n, 3), round(w.deff, 3)
    (5.74, 1.045)
    """
    m = _normalise_margins(margins)
    if not m:
        raise ConfigError([Problem(PARAMS_FILE, "weighting.margins", "raking needs at least one margin")])
    return _calibrate(df, m, "rake", base_weights=base_weights, trim=trim, max_iter=max_iter, tol=tol,
                      on_failure=on_failure, variance=variance)


def poststratify(df: pd.DataFrame, cells: Margins, *, base_weights: Any = None, trim: Sequence[float] | None = None,
                 on_failure: Literal["raise", "warn"] = "raise") -> Weights:
    """Post-stratify respondents to the population shares of one classification.

    Every respondent of cell c gets ``w_i = d_i · share_c · n / Σ_{j∈c} d_j`` (d: base weights),
    as R ``survey::postStratify``. ``cells`` holds exactly one entry: ``{column: {level: share}}``
    or, for cells crossed from several columns, ``{"a|b": {"x|y": share, ...}}`` (or tuple keys);
    shares ≥ 0 summing to 1 (± 0.001). An empty cell (share > 0, nobody in the data) is an error:
    collapse it with a neighbour. ``trim`` alternates trimming (R ``trimWeights``) and
    post-stratification until the weights are within the bounds.

    Parameters
    ----------
    df : DataFrame of respondents.
    cells : one classification and its population shares (see above).
    base_weights : starting weights (a column name or values), e.g. design weights; default 1.
    trim : optional ``(low, high)`` bounds on weight / mean weight.
    on_failure : ``"raise"`` (default) or ``"warn"`` when trimming does not settle.

    Returns
    -------
    Weights (mean 1); estimates with them use the post-stratified variance (R ``postStratify``).

    Raises
    ------
    ConfigError : shares not summing to 1, several classifications. DataError : an empty cell, data
        levels without a share, missing values in a cell column.

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> df = pd.DataFrame({"tier": ["a", "a", "a", "b"], "loyal": ["y", "n", "y", "y"]})
    >>> [round(float(x), 3) for x in poststratify(df, {"tier": {"a": 0.5, "b": 0.5}}).weights]
    [0.667, 0.667, 0.667, 2.0]
    >>> w = poststratify(df, {"tier|loyal": {"a|y": 0.4, "a|n": 0.2, "b|y": 0.4}})
    >>> [round(float(x), 3) for x in w.weights]
    [0.8, 0.8, 0.8, 1.6]
    """
    m = _normalise_margins(cells)
    if len(m) != 1:
        raise ConfigError([Problem(PARAMS_FILE, "weighting.margins",
                                   f"post-stratification needs exactly one classification (one column or \"a|b\" "
                                   f"cells), got {len(m)}; to match several margins use rake")])
    return _calibrate(df, m, "poststratify", base_weights=base_weights, trim=trim, max_iter=1, tol=1.0,
                      on_failure=on_failure, variance="calibrate")


def _trim_only(w: np.ndarray, trim) -> tuple[np.ndarray, int]:
    if trim is None:
        return w, 0
    lo, hi = map(float, trim)
    if not (0 <= lo < 1 < hi):
        raise ConfigError([Problem(PARAMS_FILE, "weighting.trim",
                                   f"trim must be [low, high] with 0 ≤ low < 1 < high, got [{lo:g}, {hi:g}]")])
    m = w.mean()
    ever = np.zeros(len(w), dtype=bool)
    return _trim_r(w, np.ones(len(w)), lo * m, hi * m, ever), int(ever.sum())


def design_weights(df: pd.DataFrame, selection_probabilities: Any, *, trim: Sequence[float] | None = None) -> Weights:
    """Design weights: the inverse of each respondent's selection probability, ``w_i = 1 / π_i``.

    ``selection_probabilities`` is a column of per-respondent probabilities, an array of them, or the
    sampling plan's probabilities per stratum ``{column: {level: π}}`` (``"a|b"`` keys for strata over
    several columns), e.g. ``π_h = n_h / N_h``. Probabilities must be in (0, 1]. ``trim`` trims the
    weights once as R ``trimWeights(strict = TRUE)`` (no re-calibration). The variance of estimates
    is then the weights-only linearisation (R ``svydesign(ids = ~1, probs = ~π)``).

    Parameters
    ----------
    df : DataFrame of respondents.
    selection_probabilities : column name, values, or ``{column: {level: π}}``.
    trim : optional ``(low, high)`` bounds on weight / mean weight.

    Returns
    -------
    Weights (mean 1, method ``"design"``).

    Raises
    ------
    DataError : missing or non-positive probabilities, probabilities above 1, strata without a probability.

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> df = pd.DataFrame({"tier": ["a", "a", "b"], "pi": [0.5, 0.5, 0.25]})
    >>> [float(x) for x in design_weights(df, "pi").weights]
    [0.75, 0.75, 1.5]
    >>> [float(x) for x in design_weights(df, {"tier": {"a": 0.5, "b": 0.25}}).weights]
    [0.75, 0.75, 1.5]
    """
    n = len(df)
    if isinstance(selection_probabilities, Mapping):
        if len(selection_probabilities) != 1:
            raise ConfigError([Problem(PARAMS_FILE, "weighting.probabilities",
                                       "give the selection probabilities of one stratification: {column: {level: π}}")])
        (spec, probs), = selection_probabilities.items()
        cols = _parts(spec, "columns")
        pm = {_parts(k, "levels"): float(v) for k, v in probs.items()}
        bad = [k for k, v in pm.items() if not (0 < v <= 1)]
        if bad:
            raise ConfigError([Problem(PARAMS_FILE, f"weighting.probabilities.{_label(cols)}",
                                       f"selection probability of level '{_label(bad[0])}' must be in (0, 1], "
                                       f"got {pm[bad[0]]:g}")])
        code, levs = _spec_codes(df, cols)
        unknown = [lv for lv in levs if lv not in pm]
        if unknown:
            raise DataError(f"stratum level(s) in the data without a selection probability: "
                            f"{', '.join(repr(_label(u)) for u in unknown[:5])}", column=_label(cols),
                            hint=f"add them to weighting.probabilities.{_label(cols)}")
        pi = np.array([pm[lv] for lv in levs])[code]
        name = _label(cols)
    else:
        name = selection_probabilities if isinstance(selection_probabilities, str) else "selection_probabilities"
        vals = _need_column(df, name, "selection probability") if isinstance(selection_probabilities, str) \
            else selection_probabilities
        pi = _positive_weights(vals, name, n)
        over = pi > 1
        if over.any():
            raise DataError(f"{int(over.sum())} selection probabilit(y/ies) above 1 (e.g. {pi[over][0]:g})", column=name,
                            rows=_rows(over), hint="selection probabilities are in (0, 1]; is this a weight column? "
                                                   "then use weighting.column")
    w, trimmed = _trim_only(1.0 / pi, trim)
    return _finish(w, df, "design", trimmed=trimmed)


def from_column(df: pd.DataFrame, column: str, *, trim: Sequence[float] | None = None) -> Weights:
    """Use a weight column the client delivers (positive numbers, no missing values), normalised to mean 1.

    ``trim`` trims once as R ``trimWeights(strict = TRUE)``. The variance of estimates is the
    weights-only linearisation (R ``svydesign(ids = ~1, weights = ~column)``): the client's
    calibration, if any, is unknown to us, so intervals are slightly conservative for calibrated
    weights.

    Parameters
    ----------
    df : DataFrame of respondents.
    column : the weight column.
    trim : optional ``(low, high)`` bounds on weight / mean weight.

    Returns
    -------
    Weights (mean 1, method ``"column"``).

    Raises
    ------
    DataError : the column is absent, or has missing, non-numeric or non-positive weights.

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> df = pd.DataFrame({"w": [2.0, 2.0, 4.0, 8.0]})
    >>> w = from_column(df, "w")
    >>> [float(x) for x in w.weights], round(w.effective_n, 3)
    ([0.5, 0.5, 1.0, 2.0], 2.909)
    """
    w = _positive_weights(_need_column(df, column, "weight"), column, len(df))
    w, trimmed = _trim_only(w, trim)
    return _finish(w, df, "column", trimmed=trimmed)


def weight(df: pd.DataFrame, params: WeightingParams | Mapping[str, Any], *,
           on_failure: Literal["raise", "warn"] = "raise") -> Weights:
    """Weights as the ``weighting`` section asks (see :class:`WeightingParams`).

    ``rake``/``poststratify`` start from ``column`` (delivered weights) or ``1/probabilities`` when
    given; ``design`` uses ``column`` as it is or ``1/probabilities``.

    Examples
    --------
    >>> df = pd.DataFrame({"tier": ["a", "a", "a", "b"]})
    >>> w = weight(df, {"method": "poststratify", "margins": {"tier": {"a": 0.5, "b": 0.5}}})
    >>> w.summary()["method"], [round(float(x), 3) for x in w.weights]
    ('poststratify', [0.667, 0.667, 0.667, 2.0])
    """
    p = _params(params)
    if not p.enabled:
        raise ConfigError([Problem(PARAMS_FILE, "weighting", "weighting is not configured: give margins (rake, "
                                   "poststratify), a weight column or selection probabilities (design)")])
    base: Any = p.column
    if p.probabilities is not None and p.method != "design":
        base = design_weights(df, p.probabilities).weights
    if p.method == "design":
        if p.column:
            return from_column(df, p.column, trim=p.trim)
        return design_weights(df, p.probabilities, trim=p.trim)
    if p.method == "rake":
        return rake(df, p.margins, base_weights=base, trim=p.trim, max_iter=p.max_iter, tol=p.tol,
                    on_failure=on_failure)
    return poststratify(df, p.margins, base_weights=base, trim=p.trim, on_failure=on_failure)


# --------------------------------------------------------------------------- linearisation
def _fitted(U: np.ndarray, calibration, r: np.ndarray) -> np.ndarray:
    """Fitted values of the least-squares regression of U on the margin dummies, weighted by r.

    Dummies: all levels of the first margin, all but the first level of the others (full rank
    unless margins are confounded; least squares copes either way).
    """
    blocks = []
    for k, (c, L) in enumerate(calibration):
        blocks.append((c, L, 0 if k == 0 else 1))
    sizes = [L - drop for _, L, drop in blocks]
    off = np.concatenate([[0], np.cumsum(sizes)])
    P = int(off[-1])
    A = np.zeros((P, P))
    B = np.zeros((P, U.shape[1]))
    for a, (ca, La, da) in enumerate(blocks):
        for b, (cb, Lb, db) in enumerate(blocks):
            if b < a:
                continue
            if a == b:
                block = np.diag(np.bincount(ca, weights=r, minlength=La))
            else:
                block = np.bincount(ca * Lb + cb, weights=r, minlength=La * Lb).reshape(La, Lb)
            block = block[da:, db:]
            A[off[a]:off[a + 1], off[b]:off[b + 1]] = block
            A[off[b]:off[b + 1], off[a]:off[a + 1]] = block.T
        for j in range(U.shape[1]):
            B[off[a]:off[a + 1], j] = np.bincount(ca, weights=r * U[:, j], minlength=La)[da:]
    beta = np.linalg.lstsq(A, B, rcond=None)[0]
    fit = np.zeros_like(U)
    for a, (ca, _, da) in enumerate(blocks):
        coef = np.vstack([np.zeros((da, U.shape[1])), beta[off[a]:off[a + 1]]])
        fit += coef[ca]
    return fit


def _weights_of(w: Any, n: int) -> tuple[np.ndarray, Weights | None]:
    if isinstance(w, Weights):
        if w.n != n:
            raise DataError(f"{n} values for {w.n} weights: pass the whole column of the data that was weighted "
                            "(for a group of respondents use subset=mask, which keeps the design's variance)")
        return w.weights, w
    vals = np.asarray(w, dtype=float).ravel()
    if len(vals) != n:
        raise DataError(f"{n} values for {len(vals)} weights")
    if not np.all(np.isfinite(vals)) or np.any(vals < 0):
        raise DataError("weights must be finite and ≥ 0")
    return vals, None


def _linearise(Y: np.ndarray, w: Any, subset: Any = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Weighted means of the columns of Y and their linearisation covariance (R ``svymean``).

    Returns (means, covariance, rows used, degrees of freedom). As R, the factor n/(n − 1) counts
    every respondent of the design (a domain keeps the design's n); the degrees of freedom are
    those of R's subset design (``degf``): respondents used − 1.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n = Y.shape[0]
    wv, wo = _weights_of(w, n)
    ok = np.all(np.isfinite(Y), axis=1)
    if subset is not None:
        ok &= np.asarray(subset, dtype=bool).ravel()
    n_used = int(ok.sum())
    if n_used == 0:
        raise AnalysisError("no respondent with a value (and weight) to estimate from")
    calibrated = wo is not None and wo.calibration is not None
    if not calibrated:
        Yk, wk = Y[ok], wv[ok]
        S = wk.sum()
        if S <= 0:
            raise AnalysisError("the respondents with a value all have weight 0")
        est = wk @ Yk / S
        Z = wk[:, None] * (Yk - est) / S
    else:
        wd = np.where(ok, wv, 0.0)
        Yf = np.where(ok[:, None], Y, 0.0)
        S = wd.sum()
        est = wd @ Yf / S
        U = np.where(ok[:, None], (Yf - est) / S, 0.0)
        U = U - _fitted(U, wo.calibration, wo.regression_weights)
        Z = wv[:, None] * U
    if n < 2:
        raise AnalysisError(f"a design-based variance needs at least 2 respondents, got {n}")
    Zc = Z - Z.mean(axis=0)
    cov = n / (n - 1) * (Zc.T @ Zc)
    return est, cov, n_used, n_used - 1


def _quantile(conf: float, df: float | None) -> float:
    from scipy import stats

    if not 0 < conf < 1:
        raise ConfigError(f"confidence must be between 0 and 1, got {conf}")
    return float(stats.norm.ppf((1 + conf) / 2) if df is None else stats.t.ppf((1 + conf) / 2, df))


def _numeric(x: Any, name: str = "values") -> np.ndarray:
    s = x if isinstance(x, pd.Series) else pd.Series(np.asarray(x).ravel() if not isinstance(x, list) else x)
    v = pd.to_numeric(s, errors="coerce").to_numpy(float)
    bad = np.isnan(v) & s.notna().to_numpy()
    if bad.any():
        raise DataError(f"{int(bad.sum())} value(s) are not numbers (e.g. {s[bad].iloc[0]!r})",
                        column=str(s.name) if s.name is not None else name, rows=_rows(bad))
    return v


def weighted_mean(x: Any, w: Any, *, subset: Any = None, conf: float = 0.95,
                  ci: Literal["normal", "t"] = "normal") -> Estimate:
    """Weighted mean ``Σ w y / Σ w`` with its linearisation standard error and interval (R ``svymean``).

    ``w`` is a :class:`Weights` (raked/post-stratified weights then use the calibration-adjusted
    variance) or plain weights (weights-only design, ``svydesign(ids = ~1, weights = ~w)``).
    Missing values in ``x`` and rows outside ``subset`` are a domain, as ``svymean(na.rm = TRUE)``.
    ``ci="normal"`` is R's ``confint(svymean(...))``; ``"t"`` uses ``n − 1`` degrees of freedom
    (``confint(..., df = degf(design))``). Variance::

        z_i = w_i (y_i − ȳ) / Σ w  (calibration residuals for raked weights),   V = n/(n−1) Σ (z_i − z̄)²

    Parameters
    ----------
    x : numeric values (missing values are left out as a domain).
    w : :class:`Weights` (calibration-adjusted variance for raked/post-stratified weights) or plain
        weights (weights-only variance), one per respondent.
    subset : optional boolean mask: estimate for a domain (e.g. one tier) with the design's variance.
    conf : confidence level.
    ci : ``"normal"`` (R ``confint`` default) or ``"t"`` on respondents − 1 degrees of freedom.

    Returns
    -------
    Estimate (estimate, se, low, high, n, df, method); ``.ci`` is ``[low, high]``.

    Kish (1965); Lumley (2010) §2.2, §7; checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> e = weighted_mean([1, 2, 3, 4], [1, 1, 2, 4])
    >>> round(e.estimate, 4), round(e.se, 4), [round(v, 4) for v in e.ci]
    (3.125, 0.614, [1.9217, 4.3283])
    """
    y = _numeric(x)
    est, cov, n_used, df = _linearise(y, w, subset)
    se = float(math.sqrt(max(cov[0, 0], 0.0)))
    q = _quantile(conf, None if ci == "normal" else df)
    e = float(est[0])
    return Estimate(e, se, e - q * se, e + q * se, n_used, df, ci)


def weighted_proportion(x: Any, w: Any, *, subset: Any = None, conf: float = 0.95,
                        method: Literal["logit", "beta", "mean"] = "logit") -> Estimate:
    """Weighted share of respondents with ``x`` true (e.g. top-box) with R ``svyciprop``'s interval.

    ``method="logit"`` (R's default): ``expit(logit p̂ ± t_{n−1} se / (p̂(1 − p̂)))``, the Wald
    interval of the intercept of a survey logistic regression; ``"beta"``: Korn & Graubard (1998),
    Clopper–Pearson with the effective sample size ``p̂(1 − p̂)/se²``; ``"mean"``: ``p̂ ± t_{n−1} se``.
    At p̂ = 0 or 1 the logit interval collapses to the point: use ``"beta"`` there. ``x`` is
    boolean or 0/1 (missing values are a domain, as ``na.rm = TRUE``).

    Parameters
    ----------
    x : booleans or 0/1 (e.g. ``csat >= 4``).
    w : :class:`Weights` (calibration-adjusted variance for raked/post-stratified weights) or plain
        weights (weights-only variance), one per respondent.
    subset : optional boolean mask: estimate for a domain (e.g. one tier) with the design's variance.
    conf : confidence level.
    method : ``"logit"`` (default, as R), ``"beta"`` or ``"mean"``.

    Returns
    -------
    Estimate of the share (0..1) with its interval.

    Lumley (2010) §2.3.1; checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> e = weighted_proportion([1, 1, 0, 1, 0, 0, 1, 1], [1, 2, 1, 1, 2, 1, 1, 1])
    >>> round(e.estimate, 4), [round(v, 4) for v in e.ci]
    (0.6, [0.1754, 0.9136])
    """
    from scipy import stats

    y = _numeric(x)
    vals = y[~np.isnan(y)]
    if np.any((vals != 0) & (vals != 1)):
        raise DataError("a proportion needs 0/1 (or true/false) values", hint="e.g. (csat >= 4) for the top-2 box")
    est, cov, n_used, df = _linearise(y, w, subset)
    p, var = float(est[0]), float(max(cov[0, 0], 0.0))
    se = math.sqrt(var)
    if method == "logit":
        if p <= 0 or p >= 1:
            lo = hi = p
        else:
            q = _quantile(conf, df)
            th, s = math.log(p / (1 - p)), se / (p * (1 - p))
            lo, hi = (1 / (1 + math.exp(-(th - q * s))), 1 / (1 + math.exp(-(th + q * s))))
    elif method == "beta":
        a = (1 - conf) / 2
        neff = p * (1 - p) / var if var > 0 else float(n_used)
        lo = 0.0 if p <= 0 else float(stats.beta.ppf(a, neff * p, neff * (1 - p) + 1))
        hi = 1.0 if p >= 1 else float(stats.beta.ppf(1 - a, neff * p + 1, neff * (1 - p)))
    elif method == "mean":
        q = _quantile(conf, df)
        lo, hi = p - q * se, p + q * se
    else:
        raise ConfigError(f"unknown proportion interval method {method!r}; use logit, beta or mean")
    return Estimate(p, se, float(lo), float(hi), n_used, df, method)


def weighted_nps(scores: Any, w: Any, *, subset: Any = None, conf: float = 0.95,
                 ci: Literal["normal", "t"] = "normal") -> Estimate:
    """Weighted Net Promoter Score on −100..100 with its linearisation interval.

    NPS = 100 × the weighted mean of the trinomial score (+1 for 9–10, 0 for 7–8, −1 for 0–6), so
    its variance is ``svymean``'s of that score (for equal weights it reduces to
    ``[p₊ + p₋ − (p₊ − p₋)²]/n``, the trinomial variance, up to the factor n/(n − 1)). The interval
    is not clipped to ±100 (as R).

    Parameters
    ----------
    scores : answers 0–10.
    w : :class:`Weights` (calibration-adjusted variance for raked/post-stratified weights) or plain
        weights (weights-only variance), one per respondent.
    subset : optional boolean mask: estimate for a domain (e.g. one tier) with the design's variance.
    conf : confidence level.
    ci : ``"normal"`` (default) or ``"t"``.

    Returns
    -------
    Estimate on −100..100 (estimate, se and interval × 100).

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> e = weighted_nps([10, 9, 8, 6, 3, 10], [1, 1, 1, 2, 1, 1])
    >>> round(e.estimate, 2), round(e.se, 2)
    (0.0, 44.26)
    """
    s = _numeric(scores, "nps")
    v = s[~np.isnan(s)]
    if np.any((v < 0) | (v > 10)):
        raise DataError(f"NPS answers must be 0–10, got e.g. {v[(v < 0) | (v > 10)][0]:g}")
    score = np.where(np.isnan(s), np.nan, (s >= 9).astype(float) - (s <= 6).astype(float))
    e = weighted_mean(score, w, subset=subset, conf=conf, ci=ci)
    return Estimate(100 * e.estimate, 100 * e.se, 100 * e.low, 100 * e.high, e.n, e.df, e.method)


def _level_codes(s: pd.Series, ok: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes of the levels (as text, sorted) met in the rows ``ok``; -1 elsewhere."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    keys = [_key(u) for u in uniq]
    levels = sorted(set(np.asarray(keys, dtype=object)[np.unique(codes[ok & (codes >= 0)])]))
    pos = {k: i for i, k in enumerate(levels)}
    remap = np.array([pos.get(k, -1) for k in keys] + [-1], dtype=np.int64)
    return remap[codes], levels


def weighted_chisq(x: Any, y: Any, w: Any, *, subset: Any = None) -> ChisqTest:
    """Rao–Scott corrected test of independence of two categorical variables (R ``svychisq``, ``"F"``).

    ``F = X² / tr(Δ)`` with ``X²`` Pearson's statistic of the weighted table scaled to n, on
    ``d₀ = tr(Δ)²/tr(Δ²)`` and ``d₀ (n − 1)`` degrees of freedom; ``Δ`` is the generalised design
    effect matrix of the interaction contrasts (Rao & Scott 1984; Lumley 2010 §6.3), from the
    linearisation covariance of the cell shares (calibration-adjusted for raked weights).
    Respondents missing either variable are left out (a domain).

    Parameters
    ----------
    x, y : the two categorical variables (levels compared as text).
    w : :class:`Weights` or plain weights, one per respondent.
    subset : optional boolean mask (a domain).

    Returns
    -------
    ChisqTest (statistic = F, ndf, ddf, p_value, chisq = uncorrected Pearson X², n, table of weighted shares).

    Checked against R survey 4.x (tests/test_weighting.py).

    Examples
    --------
    >>> t = weighted_chisq(list("aabbababab"), list("xyyyxyxyxx"), [1, 2, 1, 1, 1, 2, 1, 1, 2, 1])
    >>> round(t.statistic, 4), round(t.ndf, 4), round(t.ddf, 4), round(t.p_value, 4)
    (2.6041, 1.0, 9.0, 0.141)
    """
    from scipy import stats

    xs = pd.Series(np.asarray(x, dtype=object).ravel())
    ys = pd.Series(np.asarray(y, dtype=object).ravel())
    if len(xs) != len(ys):
        raise DataError(f"the two variables have different lengths ({len(xs)} and {len(ys)})")
    ok = xs.notna().to_numpy() & ys.notna().to_numpy()
    if subset is not None:
        ok &= np.asarray(subset, dtype=bool).ravel()
    ri, rl = _level_codes(xs, ok)
    ci_, cl = _level_codes(ys, ok)
    nr, nc = len(rl), len(cl)
    if nr < 2 or nc < 2:
        raise AnalysisError(f"a test of independence needs at least 2 levels of each variable, got {nr} × {nc}")
    K = nr * nc
    cell = np.where(ok, ri + nr * ci_, 0)               # rows vary fastest, as interaction() in R
    Y = np.zeros((len(xs), K))
    Y[np.arange(len(xs)), cell] = 1.0
    Y[~ok] = np.nan
    mean2, V, n_used, df = _linearise(Y, w, None)
    N = n_used
    # contrasts: interaction columns of the saturated model, residualised on the main effects
    rr, cc = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(K)] + [(rr == i).astype(float) for i in range(1, nr)]
                         + [(cc == j).astype(float) for j in range(1, nc)])
    X2 = np.column_stack([((rr == i) & (cc == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    C = X2 - X1 @ np.linalg.lstsq(X1, X2, rcond=None)[0]
    idm = np.where(mean2 == 0, 0.0, 1 / np.where(mean2 == 0, 1.0, mean2))
    denom = C.T @ (idm[:, None] / N * C)
    numr = C.T @ (idm[:, None] * V * idm[None, :]) @ C
    delta = np.linalg.solve(denom, numr)
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0 = tr * tr / tr2
    tab = mean2.reshape(nc, nr).T * N
    expected = np.outer(tab.sum(1), tab.sum(0)) / N
    chisq = float(np.sum((tab - expected) ** 2 / expected))
    F = chisq / tr
    nu = df
    p = float(stats.f.sf(F, d0, d0 * nu))
    table = pd.DataFrame(tab / N, index=rl, columns=cl)
    return ChisqTest(float(F), float(d0), float(d0 * nu), p, chisq, n_used, table)


@dataclass(frozen=True)
class GroupTest:
    """Design-based comparison of group (domain) means: omnibus test and pairwise differences."""

    levels: list[str]
    estimates: np.ndarray          # domain means, in ``levels`` order
    cov: np.ndarray                # their linearisation covariance
    n: dict[str, int]              # respondents with a value per group
    test: str                      # "wald_f" (means, NPS) or "rao_scott_f" (proportions)
    statistic: float
    df1: float
    df2: float
    p_value: float
    pairwise: pd.DataFrame         # a, b, diff, se, statistic (t), df, p_value


def weighted_group_test(y: Any, groups: Any, w: Any, *, kind: str = "mean",
                        levels: Sequence[str] | None = None) -> GroupTest:
    """Design-based test of equal means (or shares, NPS) across groups, and every pairwise difference.

    The groups are domains of the weighted design: each group mean ``μ_g = Σ_{i∈g} w_i y_i / Σ_{i∈g} w_i``
    has the influence values ``z_ig = w_i 1[i∈g] (y_i − μ_g) / Σ_{i∈g} w_i`` (with calibrated weights, their
    residuals on the calibration dummies, as :func:`weighted_mean`), so the group means have the joint
    covariance ``V = n/(n − 1) Σ (z_i − z̄)(z_i − z̄)ᵀ`` — R ``vcov(svyglm(y ~ g - 1, design))``.

    - ``kind="mean"`` (and ``"nps"``: y the +100/0/−100 scores): Wald test of the k − 1 contrasts
      ``μ_g − μ_1``: ``F = (Cμ)ᵀ(CVCᵀ)⁻¹(Cμ) / (k − 1)`` on (k − 1, m − k) degrees of freedom, m the respondents
      with a value — R ``regTermTest(svyglm(y ~ g, design), ~g)``.
    - ``kind="proportion"`` (y 0/1): the Rao–Scott F of the group × y table, :func:`weighted_chisq`
      (R ``svychisq(~y + g, design)``).
    - Pairwise: ``t = (μ_a − μ_b) / √(V_aa + V_bb − 2V_ab)`` on m − k degrees of freedom (R
      ``svycontrast`` on the cell-means model, t reference as ``summary.svyglm``); corrections are the caller's.

    Respondents whose y or group is missing, or whose group is not in ``levels``, are outside every domain
    (they keep their weight in the design, as R ``subset``). Checked against R survey 4.x
    (tests/test_weighting.py: estimates, covariance, F and p for raked, post-stratified, design and client weights).

    >>> r = weighted_group_test([1, 2, 3, 4, 2, 5], ["a", "a", "a", "b", "b", "b"], [1, 1, 2, 1, 2, 1])
    >>> r.levels, [round(float(v), 3) for v in r.estimates], r.test, r.df1, r.df2
    (['a', 'b'], [2.25, 3.25], 'wald_f', 1, 4)
    >>> round(float(r.pairwise["diff"].iloc[0]), 3)
    -1.0
    """
    from scipy import stats

    yv = _numeric(y, "values")
    g = pd.Series(np.asarray(groups, dtype=object)).where(lambda s: s.notna(), None)
    gtext = g.map(lambda v: None if v is None else _key(v))
    if levels is None:
        levels = [lv for lv in dict.fromkeys(gtext) if lv is not None]
    levels = [_key(lv) for lv in levels]
    k = len(levels)
    if k < 2:
        raise AnalysisError(f"a group comparison needs at least 2 groups with responses, got {k}")
    n = len(yv)
    wv, wo = _weights_of(w, n)
    ok = np.isfinite(yv) & gtext.isin(levels).to_numpy()
    m = int(ok.sum())
    if m <= k:
        raise AnalysisError(f"{m} respondents with a value cannot compare {k} groups")
    D = np.column_stack([(gtext == lv).to_numpy() & ok for lv in levels]).astype(float)
    counts = {lv: int(D[:, j].sum()) for j, lv in enumerate(levels)}
    empty = [lv for lv, c in counts.items() if c == 0]
    if empty:
        raise AnalysisError(f"group(s) {empty} have no respondent with a value; leave them out of the comparison")
    yf = np.where(ok, yv, 0.0)
    S = (wv[:, None] * D).sum(axis=0)
    est = (wv * yf) @ D / S
    U = D * (yf[:, None] - est[None, :]) / S[None, :]
    if wo is not None and wo.calibration is not None:
        U = U - _fitted(U, wo.calibration, wo.regression_weights)
    Z = wv[:, None] * U
    Zc = Z - Z.mean(axis=0)
    V = n / (n - 1) * (Zc.T @ Zc)
    df2 = m - k
    if kind == "proportion":
        ct = weighted_chisq(np.where(ok, yv, np.nan), np.where(ok, gtext.to_numpy(), None), w)
        test, stat, df1, ddf, p = "rao_scott_f", ct.statistic, ct.ndf, ct.ddf, ct.p_value
    elif kind in ("mean", "nps"):
        C = np.column_stack([-np.ones(k - 1), np.eye(k - 1)])
        d = C @ est
        stat = float(d @ np.linalg.solve(C @ V @ C.T, d) / (k - 1))
        test, df1, ddf = "wald_f", k - 1, df2
        p = float(stats.f.sf(stat, df1, ddf))
    else:
        raise AnalysisError(f"kind must be 'mean', 'proportion' or 'nps', got {kind!r}")
    rows = []
    for i in range(k):
        for j in range(i + 1, k):
            diff = float(est[i] - est[j])
            se = float(math.sqrt(max(V[i, i] + V[j, j] - 2 * V[i, j], 0.0)))
            t = diff / se if se > 0 else float("nan")
            rows.append({"a": levels[i], "b": levels[j], "diff": diff, "se": se, "statistic": t, "df": df2,
                         "p_value": float(2 * stats.t.sf(abs(t), df2)) if se > 0 else float("nan")})
    return GroupTest(levels, est, V, counts, test, float(stat), df1, ddf, float(p), pd.DataFrame(rows))


def stratified_rollup(estimates: Mapping[str, Estimate], shares: Mapping[str, float], *,
                      conf: float = 0.95) -> Estimate:
    """The population estimate from independent strata (regions): ``Σ_h W_h ŷ_h`` with variance ``Σ_h W_h² V(ŷ_h)``.

    ``shares`` are the strata's population shares W_h (renormalised over the strata given, so a missing region
    does not bias the rest); each stratum's estimate carries its own design-based SE (e.g. a raked region).
    The interval is normal. This is R ``svymean`` of a stratified design (``svydesign(ids = ~1, strata = ~region,
    weights = ~W_h N / n_h)``) when the strata are unweighted inside (tests/test_weighting.py), and the
    engagement roll-up of issue 19: regions sampled 25/25/25/25 are reported at their population shares.
    Cochran (1977) §5.3.

    >>> e = {"a": Estimate(80.0, 1.0, 0, 0, 100, 99, "normal"), "b": Estimate(60.0, 2.0, 0, 0, 100, 99, "normal")}
    >>> r = stratified_rollup(e, {"a": 0.75, "b": 0.25})
    >>> r.estimate, round(r.se, 6), r.n
    (75.0, 0.901388, 200)
    """
    from scipy import stats

    keys = [h for h in estimates if h in shares]
    missing = [h for h in estimates if h not in shares]
    if missing:
        raise ConfigError([Problem(PARAMS_FILE, "weighting.region_shares",
                                   f"no population share for {', '.join(map(repr, missing))}; give every region a share")])
    tot = sum(float(shares[h]) for h in keys)
    if not keys or tot <= 0:
        raise AnalysisError("no stratum with a population share to roll up")
    W = np.array([float(shares[h]) / tot for h in keys])
    est = float(np.sum(W * [estimates[h].estimate for h in keys]))
    se = float(math.sqrt(np.sum(W ** 2 * np.array([estimates[h].se for h in keys]) ** 2)))
    q = float(stats.norm.ppf(0.5 + conf / 2))
    n = int(sum(estimates[h].n for h in keys))
    return Estimate(est, se, est - q * se, est + q * se, n, n - len(keys), "normal")


def weighted_kpis(df: pd.DataFrame, w: Any, outcomes: Mapping[str, str | None],
                  ranges: Mapping[str, Sequence[float]] | None = None, *, subset: Any = None, conf: float = 0.95,
                  top_box: int = 2, ci: Literal["normal", "t"] = "normal") -> dict[str, Any]:
    """Weighted KPIs of notebook 03 with ``<kpi>_ci: [low, high]`` (same keys and rules as ``metrics.kpi_values``).

    ``outcomes``: {csat, nps, ces, overall: column or None}; ``ranges``: {csat: (1, 5), ces: (1, 7),
    overall: (0, 100)}. Means (CSAT, CES, overall) use :func:`weighted_mean` (normal interval, as
    R ``confint(svymean())``), the top box :func:`weighted_proportion` (logit), NPS
    :func:`weighted_nps`; 0–100 values and their intervals are the same linear rescaling
    (CES ease reverses the interval). Top box = answers ≥ ``hi − b + 1``, ``b = min(top_box, levels // 2)``.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5, 4, 3, 5], "nps": [10, 9, 6, 8]})
    >>> k = weighted_kpis(df, [1, 1, 2, 1], {"csat": "csat", "nps": "nps"})
    >>> k["csat"], k["top_box"], k["nps"], [round(v, 2) for v in k["csat_0_100_ci"]]
    (4.0, 0.6, 0.0, [47.28, 102.72])
    """
    ranges = dict(ranges or {})
    out: dict[str, Any] = {}

    def rng(kind, default):
        lo, hi = ranges.get(kind, default)
        return float(lo), float(hi)

    def vals(col, lo=None, hi=None):
        v = _numeric(_need_column(df, col, "outcome"), col)
        if lo is not None:
            bad = (v < lo) | (v > hi)
            if bad.any():
                raise DataError(f"{int(bad.sum())} value(s) outside {lo:g}–{hi:g} (e.g. {v[bad][0]:g})", column=col,
                                rows=_rows(bad))
        return v

    def put(key, e: Estimate, f=lambda v: v):
        a, b = f(e.low), f(e.high)
        out[key], out[f"{key}_ci"] = f(e.estimate), [min(a, b), max(a, b)]

    if outcomes.get("csat"):
        lo, hi = rng("csat", (1, 5))
        v = vals(outcomes["csat"], lo, hi)
        e = weighted_mean(v, w, subset=subset, conf=conf, ci=ci)
        put("csat", e)
        put("csat_0_100", e, lambda m: 100 * (m - lo) / (hi - lo))
        box = max(1, min(int(top_box), int(round(hi - lo + 1)) // 2))
        put("top_box", weighted_proportion(np.where(np.isnan(v), np.nan, v >= hi - box + 1), w, subset=subset,
                                           conf=conf))
    if outcomes.get("nps"):
        s = vals(outcomes["nps"], 0, 10)
        put("nps", weighted_nps(s, w, subset=subset, conf=conf, ci=ci))
        out["nps_0_100"] = (out["nps"] + 100) / 2
        out["nps_0_100_ci"] = [(c + 100) / 2 for c in out["nps_ci"]]
        out["promoters"] = weighted_mean(np.where(np.isnan(s), np.nan, s >= 9), w, subset=subset).estimate
        out["detractors"] = weighted_mean(np.where(np.isnan(s), np.nan, s <= 6), w, subset=subset).estimate
    if outcomes.get("ces"):
        lo, hi = rng("ces", (1, 7))
        e = weighted_mean(vals(outcomes["ces"], lo, hi), w, subset=subset, conf=conf, ci=ci)
        put("ces", e)
        put("ces_ease_0_100", e, lambda m: 100 * (hi - m) / (hi - lo))
    if outcomes.get("overall"):
        lo, hi = rng("overall", (0, 100))
        put("overall", weighted_mean(vals(outcomes["overall"]), w, subset=subset, conf=conf, ci=ci),
            lambda m: 100 * (m - lo) / (hi - lo))
    sat = "overall" if "overall" in out else "csat_0_100" if "csat_0_100" in out else None
    if sat:
        out["satisfaction"], out["satisfaction_ci"] = out[sat], out[f"{sat}_ci"]
    return out
