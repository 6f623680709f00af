r"""Bandwidth rules: one name → rule registry, and :func:`resolve_bandwidth` for every consumer.

The bandwidth is the kernel's **standard deviation** h in data units (1-D), or the kernel's
covariance matrix H (d ≥ 2); see :mod:`explorer.kde.kernels`. Rules (``BANDWIDTH_RULES``):

* ``silverman`` — 1-D: :math:`0.9\min(\hat\sigma, \mathrm{IQR}/1.34)\,n^{-1/5}` (Silverman 1986,
  eq. (3.31)); d-D: the normal-reference matrix
  :math:`H = (4/((d+2)n))^{2/(d+4)}\hat\Sigma` (Silverman 1986, eq. (4.14); scipy's
  ``silverman_factor``).
* ``scott`` — 1-D: :math:`(4/3)^{1/5}\hat\sigma n^{-1/5} = 1.059\,\hat\sigma n^{-1/5}`, the
  normal-reference rule (Scott 1992, eq. (6.17)); d-D: :math:`H = n^{-2/(d+4)}\hat\Sigma`
  (Scott 1992, eq. (6.43); scipy's ``scott_factor``). (In d-D "silverman" carries the normal
  constant and "scott" drops it; in 1-D they differ by the robust spread and 0.9 vs 1.059.)
* ``isj`` — improved Sheather–Jones, Botev, Grotowski & Kroese (2010), Ann. Statist. 38, 2916.
* ``lscv`` — least-squares cross-validation (Rudemo 1982; Bowman 1984).
* ``mlcv`` — likelihood cross-validation (Habbema et al. 1974; Duin 1976).

With weights, n is Kish's effective size 1/Σw² (scipy's ``neff``), moments are weighted
(unbiased with reliability weights, like ``np.cov(aweights=...)``) and quantiles are weighted.
ISJ, LSCV and MLCV target the Gaussian kernel; with the unit-variance convention their h is a
sensible choice for the other kernels too (Marron & Nolan 1988's canonical bandwidths differ
by < 2 % between these kernels).

Why hand-written: KDEpy (BSD-3) has ISJ, Scott and Silverman, statsmodels has LSCV/MLCV, scipy
the d-D factors; they are this package's *test references* and benchmark peers. Scott/Silverman
are one line each; KDEpy's ISJ raises when its root bracket fails and bins on 2^10 nodes; and
statsmodels' cross-validation is O(n²) per evaluation with a Nelder–Mead search (seconds at
n = 1000). Writing ISJ/LSCV/MLCV from the papers keeps the tests against those libraries
independent checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.kde import _cv, _isj
from explorer.kde._checks import as_data, as_positive, as_weights, effective_n
from explorer.params import Param, ParamSet

__all__ = [
    "BANDWIDTH",
    "BANDWIDTH_RULES",
    "Bandwidth",
    "BandwidthRule",
    "bandwidth",
    "resolve_bandwidth",
    "rule_names",
]

#: The bandwidth as a slider parameter (for data of unit scale; ``.scaled(sigma)`` for others).
BANDWIDTH = Param("bandwidth", 0.3, low=0.0, low_open=True, unit=1, log=True, slider=(0.005, 3.0),
                  label="bandwidth h", doc="kernel standard deviation, in data units")


@dataclass(frozen=True)
class BandwidthRule:
    """A registered bandwidth rule.

    Attributes
    ----------
    name, title : str
        Registry key and display name.
    formula, reference : str
        What it computes and where it comes from.
    dims : str
        ``"1-D"`` or ``"any"`` (d-D rules return a full matrix).
    cost : str
        Cost in n (how it scales).
    func : callable
        ``func(x, w, n_eff) -> (value, note)``; ``x`` is checked data, ``w`` normalised weights
        or None; value is a float (1-D) or a (d, d) matrix.
    params : ParamSet
        Tunable parameters (none of the current rules has one).
    """

    name: str
    title: str
    formula: str
    reference: str
    dims: str
    cost: str
    func: Callable[[np.ndarray, np.ndarray | None, float], tuple[Any, str]]
    params: ParamSet = field(default_factory=ParamSet)

    def accepts(self, d: int) -> bool:
        return self.dims == "any" or d == 1


def _moments(x: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    """Weighted (unbiased) standard deviation and IQR of 1-D data."""
    if w is None:
        sd = float(np.std(x, ddof=1))
        q75, q25 = np.percentile(x, [75, 25])
        return sd, float(q75 - q25)
    mean = float(np.sum(w * x))
    sd = math.sqrt(float(np.sum(w * (x - mean) ** 2)) / (1.0 - float(np.sum(w * w))))
    order = np.argsort(x)
    xs, cw = x[order], np.cumsum(w[order])
    mid = cw - 0.5 * w[order]                       # weighted plotting positions
    q25, q75 = np.interp([0.25, 0.75], mid, xs)
    return sd, float(q75 - q25)


def _cov(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    return np.atleast_2d(np.cov(x, rowvar=False, aweights=w))


def _silverman(x, w, n_eff):
    if x.ndim == 2:
        d = x.shape[1]
        return (4.0 / ((d + 2) * n_eff)) ** (2.0 / (d + 4)) * _cov(x, w), ""
    sd, iqr = _moments(x, w)
    spread = min(sd, iqr / 1.34) if iqr > 0 else sd
    return 0.9 * spread * n_eff ** (-0.2), "" if iqr > 0 else "IQR is 0: used σ"


def _scott(x, w, n_eff):
    if x.ndim == 2:
        d = x.shape[1]
        return n_eff ** (-2.0 / (d + 4)) * _cov(x, w), ""
    sd, _ = _moments(x, w)
    return (4.0 / 3.0) ** 0.2 * sd * n_eff ** (-0.2), ""


BANDWIDTH_RULES: dict[str, BandwidthRule] = {
    r.name: r
    for r in (
        BandwidthRule("silverman", "Silverman's rule of thumb",
                      "1-D 0.9·min(σ, IQR/1.34)·n^(−1/5); d-D H = (4/((d+2)n))^(2/(d+4))·Σ",
                      "Silverman (1986), Density Estimation, eqs. (3.31), (4.14)", "any", "O(n)",
                      _silverman),
        BandwidthRule("scott", "Scott's rule",
                      "1-D (4/3)^(1/5)·σ·n^(−1/5); d-D H = n^(−2/(d+4))·Σ",
                      "Scott (1992), Multivariate Density Estimation, eqs. (6.17), (6.43)", "any",
                      "O(n)", _scott),
        BandwidthRule("isj", "Improved Sheather–Jones (ISJ)",
                      "fixed point t = ξγ^[5](t) of the plug-in AMISE bandwidth, DCT of binned data",
                      "Botev, Grotowski & Kroese (2010), Ann. Statist. 38, 2916–2957", "1-D",
                      "O(n) + O(m log m), m = 2^14", _isj.isj),
        BandwidthRule("lscv", "Least-squares cross-validation",
                      "argmin ∫f̂² − 2Σ w_i f̂_{−i}(x_i)",
                      "Rudemo (1982), Scand. J. Statist. 9, 65; Bowman (1984), Biometrika 71, 353",
                      "1-D", "O(n²) for n ≤ 800, else O(n) binned", _cv.lscv),
        BandwidthRule("mlcv", "Likelihood cross-validation",
                      "argmax Σ w_i log f̂_{−i}(x_i)",
                      "Habbema, Hermans & van den Broek (1974); Duin (1976), IEEE Trans. Comput. 25",
                      "1-D", "O(n²) for n ≤ 800, else O(n) binned", _cv.mlcv),
    )
}


def rule_names(d: int | None = None) -> list[str]:
    """Names of the rules (those valid in dimension ``d`` if given)."""
    return [k for k, r in BANDWIDTH_RULES.items() if d is None or r.accepts(d)]


def _rule(name: str, d: int) -> BandwidthRule:
    try:
        rule = BANDWIDTH_RULES[name]
    except (KeyError, TypeError):
        raise ValueError(f"parameter 'bandwidth': unknown rule {name!r}; valid: "
                         f"{', '.join(BANDWIDTH_RULES)} (or a positive number)") from None
    if not rule.accepts(d):
        raise ValueError(f"parameter 'bandwidth': rule {name!r} is for 1-D data; for {d}-D data choose "
                         f"one of: {', '.join(rule_names(d))} (or a number, or a (d, d) matrix)")
    return rule


@dataclass(frozen=True)
class Bandwidth:
    """A resolved bandwidth: what :func:`log_density` and :func:`estimate` use.

    Attributes
    ----------
    cov : ndarray, shape (d, d)
        Kernel covariance H (1-D: [[h²]]).
    h : float
        1-D: the bandwidth h. d-D: √ of H's smallest eigenvalue (the narrowest kernel width).
    method : str
        Rule name, ``"fixed"`` (a number) or ``"matrix"``.
    rule : str
        Human-readable description (with the rule's note, e.g. an ISJ fallback).
    """

    cov: np.ndarray
    h: float
    method: str
    rule: str

    @property
    def dim(self) -> int:
        return int(self.cov.shape[0])

    @property
    def chol(self) -> np.ndarray:
        return np.linalg.cholesky(self.cov)

    @property
    def value(self) -> float | np.ndarray:
        """h in 1-D, H in d-D (what :func:`bandwidth` returns)."""
        return self.h if self.dim == 1 else self.cov


def _from_number(h: float, d: int) -> Bandwidth:
    return Bandwidth(np.eye(d) * h * h, h, "fixed", f"fixed h = {h:.4g}" + (" (isotropic)" if d > 1 else ""))


def resolve_bandwidth(x: Any, bandwidth: Any = None, weights: Any = None) -> Bandwidth:
    """Resolve ``bandwidth`` for data ``x`` into a :class:`Bandwidth`.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The data (n ≥ 2, finite, not constant).
    bandwidth : None, str, float, (d, d) array or Bandwidth
        ``None``: ``"silverman"`` in 1-D, ``"scott"`` in d-D (the project's defaults); a rule name
        from ``BANDWIDTH_RULES``; a positive number h (d-D: isotropic H = h²I); a symmetric
        positive-definite (d, d) matrix H; or an already resolved :class:`Bandwidth`.
    weights : array_like, optional
        Non-negative weights (normalised here).

    Raises
    ------
    ValueError
        Naming the parameter: bad data, bandwidth ≤ 0, an unknown rule (listing the valid ones),
        a 1-D-only rule on d-D data, a matrix that is not SPD.
    """
    if isinstance(bandwidth, Bandwidth):
        arr = np.asarray(x)
        d = 1 if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1) else arr.shape[-1]
        if bandwidth.dim != d:
            raise ValueError(f"parameter 'bandwidth' is {bandwidth.dim}-D but x is {d}-D")
        return bandwidth
    x = as_data(x)
    return _resolve(x, bandwidth, as_weights(weights, x.shape[0]))


def _resolve(x: np.ndarray, bandwidth: Any, w: np.ndarray | None) -> Bandwidth:
    """resolve_bandwidth for data already checked (``as_data``) and weights normalised."""
    d = 1 if x.ndim == 1 else x.shape[1]
    if isinstance(bandwidth, Bandwidth):
        if bandwidth.dim != d:
            raise ValueError(f"parameter 'bandwidth' is {bandwidth.dim}-D but x is {d}-D")
        return bandwidth
    if bandwidth is None:
        bandwidth = "silverman" if d == 1 else "scott"
    if isinstance(bandwidth, str):
        rule = _rule(bandwidth, d)
        value, note = rule.func(x, w, effective_n(x.shape[0], w))
        text = rule.title + (f" ({note})" if note else "")
        if d == 1:
            h = float(value)
            if not (math.isfinite(h) and h > 0):
                raise ValueError(f"parameter 'bandwidth': rule {rule.name!r} gave h = {h} for these data")
            return Bandwidth(np.array([[h * h]]), h, rule.name, text)
        return _matrix(value, d, rule.name, text)
    arr = np.asarray(bandwidth, dtype=float) if not isinstance(bandwidth, bool) else None
    if arr is not None and arr.ndim == 2:
        return _matrix(arr, d, "matrix", "given matrix H")
    return _from_number(as_positive(bandwidth, "bandwidth"), d)


def _matrix(H: np.ndarray, d: int, method: str, text: str) -> Bandwidth:
    H = np.asarray(H, dtype=float)
    if H.shape != (d, d):
        raise ValueError(f"parameter 'bandwidth' must be a ({d}, {d}) matrix, got shape {H.shape}")
    if not np.all(np.isfinite(H)) or not np.allclose(H, H.T, rtol=1e-10, atol=0):
        raise ValueError("parameter 'bandwidth' must be a finite symmetric matrix")
    ev = np.linalg.eigvalsh(H)
    if ev.min() <= 0:
        raise ValueError("parameter 'bandwidth' must be positive definite "
                         "(data degenerate or matrix singular)")
    return Bandwidth(0.5 * (H + H.T), float(math.sqrt(ev.min())), method, text)


def bandwidth(x: Any, method: str = "silverman", weights: Any = None) -> float | np.ndarray:
    """The bandwidth chosen by rule ``method``: h (float) for 1-D data, H ((d, d) array) for d-D.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal(1000)
    >>> round(bandwidth(x, "silverman"), 4)
    0.2203
    """
    if not isinstance(method, str):
        raise ValueError(f"parameter 'method' must be a rule name; valid: {', '.join(BANDWIDTH_RULES)}")
    return resolve_bandwidth(x, method, weights).value
