r"""Distributions of data sets: the samples plus a Gaussian kernel density estimate."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from explorer._validation import as_finite_array, as_rng, as_sample_count, as_scale, check_locations
from explorer.distributions.base import _LOG_2PI, Distribution, RngLike, _fmt

__all__ = ['Empirical', 'silverman_bandwidth']


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """Row-wise log-sum-exp of a finite 2-D array (faster than scipy's general version)."""
    m = a.max(axis=1)
    a -= m[:, None]
    np.exp(a, out=a)
    return m + np.log(a.sum(axis=1))


def silverman_bandwidth(x: Any) -> float:
    r"""Silverman's rule of thumb :math:`h = 0.9\,\min(\hat\sigma, \mathrm{IQR}/1.34)\, n^{-1/5}`.

    Silverman (1986), *Density Estimation for Statistics and Data Analysis*, eq. (3.31).
    Falls back to :math:`\hat\sigma` when the IQR is zero.
    """
    x = as_finite_array(x, "samples", ndim=1)
    n = x.size
    sigma = float(np.std(x, ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    iqr = float(q75 - q25) / 1.34
    spread = min(sigma, iqr) if iqr > 0 else sigma
    if spread <= 0:
        raise ValueError("samples have zero spread; a bandwidth cannot be chosen")
    return 0.9 * spread * n ** (-0.2)


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
    bandwidth : float or {"silverman", "scott"}, optional
        1-D: the kernel standard deviation :math:`h` in data units, or a rule; default
        Silverman's rule of thumb :math:`0.9\min(\hat\sigma, \mathrm{IQR}/1.34)n^{-1/5}`.
        d-D: a float gives the isotropic kernel :math:`H = h^2 I`; the default ``"scott"`` gives
        :math:`H = n^{-2/(d+4)}\hat\Sigma` (Scott 1992).
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
        if self.dim == 1:
            if np.ptp(x) == 0:
                raise ValueError("samples are all equal; a density cannot be estimated")
            if bandwidth is None or bandwidth == "silverman":
                h = silverman_bandwidth(x)
                self.bandwidth_rule = "Silverman's rule of thumb 0.9·min(σ, IQR/1.34)·n^(−1/5)"
            elif bandwidth == "scott":
                h = 1.06 * float(np.std(x, ddof=1)) * n ** (-0.2)
                self.bandwidth_rule = "Scott's rule 1.06·σ·n^(−1/5)"
            elif isinstance(bandwidth, str):
                raise ValueError(f"bandwidth must be a float, 'silverman' or 'scott', got {bandwidth!r}")
            else:
                h = as_scale(bandwidth, "bandwidth")
                self.bandwidth_rule = "fixed"
            self.bandwidth_ = as_scale(h, "bandwidth")
            self.kernel_cov = np.array([[h * h]])
            self._sorted = np.sort(x)
        else:
            if bandwidth is None or bandwidth == "scott":
                sigma = np.cov(x, rowvar=False)
                H = n ** (-2.0 / (self.dim + 4)) * sigma
                self.bandwidth_rule = "Scott's rule H = n^(−2/(d+4))·Σ̂"
            elif isinstance(bandwidth, str):
                raise ValueError(f"bandwidth must be a float or 'scott' in {self.dim}-D, got {bandwidth!r}")
            else:
                h = as_scale(bandwidth, "bandwidth")
                H = h * h * np.eye(self.dim)
                self.bandwidth_rule = "fixed isotropic"
            try:
                self._chol = np.linalg.cholesky(H)
            except np.linalg.LinAlgError:
                raise ValueError("samples are degenerate (singular covariance)") from None
            self.kernel_cov = H
            self.bandwidth_ = float(np.sqrt(np.min(np.linalg.eigvalsh(H))))

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

    def _lse_1d(self, x: np.ndarray, centres: np.ndarray) -> np.ndarray:
        out = np.empty(x.size)
        block = max(1, 4_000_000 // centres.size)
        for s in range(0, x.size, block):
            z = (x[s:s + block, None] - centres[None, :]) / self.bandwidth_
            out[s:s + block] = _logsumexp_rows(-0.5 * z * z)
        return out

    def logpdf(self, x: Any) -> np.ndarray:
        x = self._points(x)
        n = self.n
        if self.dim == 1:
            flat = x.reshape(-1)
            h = self.bandwidth_
            out = np.empty(flat.size)
            left, right, near = self._split_1d(flat)
            srt = self._sorted
            out[near] = self._lse_1d(flat[near], srt)
            out[left] = self._lse_1d(flat[left], srt[srt < srt[0] + h])
            out[right] = self._lse_1d(flat[right], srt[srt > srt[-1] - h])
            out += -math.log(n) - math.log(h) - 0.5 * _LOG_2PI
            return out.reshape(x.shape)
        flat = x.reshape(-1, self.dim)
        Linv = np.linalg.inv(self._chol)
        ys = self.samples @ Linv.T
        logdet = 2.0 * float(np.sum(np.log(np.diag(self._chol))))
        const = -math.log(n) - 0.5 * (logdet + self.dim * _LOG_2PI)
        out = np.empty(flat.shape[0])
        block = max(1, 4_000_000 // n)
        for s in range(0, flat.shape[0], block):
            xs = flat[s:s + block] @ Linv.T
            d2 = (
                np.sum(xs * xs, axis=1)[:, None] + np.sum(ys * ys, axis=1)[None, :]
                - 2.0 * xs @ ys.T
            )
            out[s:s + block] = _logsumexp_rows(-0.5 * np.maximum(d2, 0.0)) + const
        return out.reshape(x.shape[:-1])

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

