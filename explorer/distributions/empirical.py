r"""Distributions of data sets: the samples plus a Gaussian kernel density estimate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from explorer._validation import as_finite_array, as_rng, as_sample_count, as_scale, check_locations
from explorer.distributions.base import Distribution, RngLike, _fmt

__all__ = ['Empirical', 'silverman_bandwidth']


def silverman_bandwidth(x: Any) -> float:
    r"""Silverman's rule of thumb :math:`h = 0.9\,\min(\hat\sigma, \mathrm{IQR}/1.34)\, n^{-1/5}`.

    Silverman (1986), *Density Estimation for Statistics and Data Analysis*, eq. (3.31); the rule
    of :data:`explorer.kde.BANDWIDTH_RULES` (the package's one KDE).
    """
    from explorer.kde import bandwidth

    x = as_finite_array(x, "samples", ndim=1)
    if x.size >= 2 and np.ptp(x) == 0:
        raise ValueError("samples have zero spread; a bandwidth cannot be chosen")
    return float(bandwidth(x, "silverman"))


class Empirical(Distribution):
    r"""Distribution of a data set: samples plus a Gaussian kernel density estimate.

    The density is the KDE :math:`\hat p(x) = \frac1n\sum_i \mathcal N(x; x_i, H)`, evaluated
    with ``logsumexp``; :meth:`sample` draws from that same density (smoothed bootstrap), so
    ``logpdf`` and ``sample`` describe one distribution. The raw data stay in ``samples``, and
    sample-based divergence estimators use them directly.

    Parameters
    ----------
    samples : array_like, shape (n,) or (n, d)
        The data (at least 2 points, finite, not all equal).
    bandwidth : float, (d, d) array or a rule name of :data:`explorer.kde.BANDWIDTH_RULES`, optional
        1-D: the kernel standard deviation :math:`h` in data units, or a rule ("silverman",
        "scott", "isj", "lscv", "mlcv"); default Silverman's rule of thumb
        :math:`0.9\min(\hat\sigma, \mathrm{IQR}/1.34)n^{-1/5}`. d-D: a float gives the isotropic
        kernel :math:`H = h^2 I`, a matrix H itself; the default ``"scott"`` gives
        :math:`H = n^{-2/(d+4)}\hat\Sigma` (Scott 1992). Resolved by
        :func:`explorer.kde.resolve_bandwidth`: the package has one KDE.
    name : str, optional
        Label shown in plots.

    Attributes
    ----------
    bandwidth_ : float
        Resolved 1-D bandwidth (d-D: the square root of the smallest kernel eigenvalue).
    kernel_cov : ndarray, shape (d, d)
        Kernel covariance :math:`H`.
    """

    def __init__(self, samples: Any, bandwidth: Any = None, name: str | None = None):
        x = check_locations(as_finite_array(samples, "samples"), "samples")
        if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
            x = x.reshape(-1)
            self.dim = 1
        elif x.ndim == 2:
            self.dim = x.shape[1]
        else:
            raise ValueError(f"samples must have shape (n,) or (n, d), got {x.shape}")
        n = x.shape[0]
        if n < 2:
            raise ValueError(f"samples must hold at least 2 points, got {n}")
        self.samples = x
        self.name = name
        if self.dim == 1 and np.ptp(x) == 0:
            raise ValueError("samples are all equal; a density cannot be estimated")
        if self.dim > 1 and np.any(np.ptp(x, axis=0) == 0):
            raise ValueError("samples are degenerate (a constant column); a density cannot be estimated")
        from explorer.kde import resolve_bandwidth

        try:
            bw = resolve_bandwidth(x, bandwidth)
        except np.linalg.LinAlgError:
            raise ValueError("samples are degenerate (singular covariance)") from None
        as_scale(bw.h, "bandwidth")
        self._bw = bw
        self.bandwidth_rule = bw.rule
        self.kernel_cov = bw.cov
        self.bandwidth_ = float(bw.h)
        if self.dim == 1:
            self._sorted = np.sort(x)
        else:
            try:
                self._chol = np.linalg.cholesky(bw.cov)
            except np.linalg.LinAlgError:
                raise ValueError("samples are degenerate (singular covariance)") from None

    @property
    def n(self) -> int:
        """Number of data points."""
        return int(self.samples.shape[0])

    # 1-D evaluation points further than _FAR bandwidths from every sample only "see" the
    # samples within one bandwidth of the nearest extreme: every other kernel term is below
    # e^-40 of the largest, so dropping them changes the log-density by < n·e^-40.
    _FAR = 40.0

    def _split_1d(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h = self.bandwidth_
        lo, hi = self._sorted[0], self._sorted[-1]
        left = flat < lo - self._FAR * h
        right = flat > hi + self._FAR * h
        return left, right, ~(left | right)

    def logpdf(self, x: Any) -> np.ndarray:
        """Exact log-density of the KDE (:func:`explorer.kde.log_density`, log space; ``-inf``, never
        NaN, where every kernel underflows)."""
        from explorer.kde import log_density

        x = self._points(x)
        if self.dim == 1:
            return log_density(x.reshape(-1), self.samples, self._bw).reshape(x.shape)
        return log_density(x.reshape(-1, self.dim), self.samples, self._bw).reshape(x.shape[:-1])

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        n = as_sample_count(n)
        g = as_rng(rng)
        idx = g.integers(0, self.n, n)
        if self.dim == 1:
            return self.samples[idx] + self.bandwidth_ * g.standard_normal(n)
        return self.samples[idx] + g.standard_normal((n, self.dim)) @ self._chol.T

    @property
    def mean(self) -> Any:
        m = self.samples.mean(axis=0)
        return float(m) if self.dim == 1 else m

    @property
    def cov(self) -> np.ndarray:
        """Covariance of the KDE: the data covariance (ddof=0) plus the kernel covariance."""
        if self.dim == 1:
            return np.array([[float(np.var(self.samples)) + self.bandwidth_**2]])
        return np.cov(self.samples, rowvar=False, ddof=0) + self.kernel_cov

    def cdf_sf(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """KDE cdf and survival function, each accurate in its own tail, in one pass."""
        x = self._points(x)
        flat = x.reshape(-1)
        left, right, near = self._split_1d(flat)
        cdf, sf = np.where(right, 1.0, 0.0), np.where(left, 1.0, 0.0)  # Φ(±40) is 0 or 1 in float64
        idx = np.flatnonzero(near)
        block = max(1, 4_000_000 // self.n)
        for s in range(0, idx.size, block):
            sel = idx[s:s + block]
            z = (flat[sel, None] - self.samples[None, :]) / self.bandwidth_
            tail = special.ndtr(-np.abs(z))  # the small one of Φ(z), 1 − Φ(z)
            neg = z < 0
            cdf[sel] = np.where(neg, tail, 1.0 - tail).mean(axis=1)
            sf[sel] = np.where(neg, 1.0 - tail, tail).mean(axis=1)
        return cdf.reshape(x.shape), sf.reshape(x.shape)

    def cdf(self, x: Any) -> np.ndarray:
        return self.cdf_sf(x)[0]

    def sf(self, x: Any) -> np.ndarray:
        return self.cdf_sf(x)[1]

    def resolution(self) -> float:
        return self.bandwidth_

    def plot_range(self) -> Any:
        if self.dim == 1:
            return (float(self.samples.min()) - 3 * self.bandwidth_,
                    float(self.samples.max()) + 3 * self.bandwidth_)
        sd = np.sqrt(np.diag(self.kernel_cov))
        return tuple(
            (float(self.samples[:, i].min() - 3 * sd[i]), float(self.samples[:, i].max() + 3 * sd[i]))
            for i in range(self.dim)
        )

    def smoothed(self, s: float) -> Distribution | None:
        if self.dim != 1:
            return None
        return Empirical(self.samples, bandwidth=math.hypot(self.bandwidth_, s), name=self.name)

    def _gm_parts(self):
        n = self.n
        return (
            np.full(n, 1.0 / n),
            self.samples.reshape(n, self.dim),
            np.broadcast_to(self.kernel_cov, (n, self.dim, self.dim)),
        )

    def describe(self) -> str:
        label = self.name or "data"
        return f"KDE of {label} (n={self.n}, h={_fmt(self.bandwidth_)})"

