r"""Model families q_θ for fitting: torch parametrisations with unconstrained parameters.

A :class:`ModelFamily` maps unconstrained parameters θ of shape (R, n_params), one row per
restart, to log-densities, reparametrised samples and Gaussian-mixture parts (all in torch, so
autograd flows through), and a row back to an :class:`~explorer.distributions.Distribution`.
:data:`MODEL_FAMILIES` names the families :func:`explorer.fitting.fit` accepts (the model q; the
data sets and target presets of the demos are a different thing, in ``explorer.presets``).
"""

from __future__ import annotations

import math

import numpy as np

from explorer.distributions import Distribution, Gaussian, Mixture

__all__ = ["MODEL_FAMILIES", "Gaussian1D", "Gaussian2D", "GaussianMixtureFamily", "ModelFamily",
           "model_family"]

_LOG_2PI = math.log(2 * math.pi)


def _torch():
    import torch

    return torch


class ModelFamily:
    """A parametric family q_θ: unconstrained θ of shape (R, n_params) for R restarts."""

    name = ""
    dim = 1
    k = 1

    @property
    def n_params(self) -> int:
        raise NotImplementedError

    def init(self, rng: np.random.Generator, box: np.ndarray, r: int, centres: np.ndarray,
             widths: np.ndarray | None = None) -> np.ndarray:
        """Starting parameters (r, n_params): means at ``centres`` (r, d) (drawn from p, or p's modes),
        and widths ``widths`` (r,) if given (a Gaussian family), else random widths of 4-30 % of
        the scene."""
        raise NotImplementedError

    def logpdf(self, theta, x):
        """(R, m) log-densities at points x (m,) in 1-D or (m, 2) in 2-D."""
        raise NotImplementedError

    def sample(self, theta, eps):
        """Reparametrised samples (R, n, d) and their weights (R, n) from fixed noise ``eps``."""
        raise NotImplementedError

    def distribution(self, th: np.ndarray) -> Distribution:
        raise NotImplementedError

    def signature(self, th: np.ndarray, scale: float) -> np.ndarray:
        """Interpretable, permutation-invariant coordinates used to tell optima apart."""
        raise NotImplementedError

    def gm_parts(self, theta):
        """Torch mixture form: weights (R, K), means (R, K, d), covariances (R, K, d, d)."""
        raise NotImplementedError

    def lengths(self) -> np.ndarray:
        """1 for coordinates in units of x (locations, Cholesky off-diagonals), else 0."""
        raise NotImplementedError

    def from_moments(self, mean: np.ndarray, cov: np.ndarray) -> np.ndarray | None:
        """Parameters (n_params,) of the member with this mean and covariance (``None``: not a
        Gaussian family)."""
        return None


def _gauss_parts_1d(th):
    return th[..., 0], th[..., 1]


class Gaussian1D(ModelFamily):
    name, dim, k = "gaussian", 1, 1
    n_params = 2

    def init(self, rng, box, r, centres, widths=None):
        w = box[0, 1] - box[0, 0]
        ls = np.log(w) + rng.uniform(math.log(0.04), math.log(0.3), r)
        if widths is not None:
            ls = np.log(widths)
        return np.column_stack([centres[:, 0], ls])

    def logpdf(self, theta, x):
        mu, ls = theta[:, 0:1], theta[:, 1:2]
        z = (x[None, :] - mu) * (-ls).exp()
        return -0.5 * z * z - ls - 0.5 * _LOG_2PI

    def sample(self, theta, eps):
        torch = _torch()
        x = theta[:, 0:1] + theta[:, 1:2].exp() * eps[None, :, 0]
        n = eps.shape[0]
        return x[..., None], torch.full(x.shape, 1.0 / n, dtype=theta.dtype)

    def distribution(self, th):
        return Gaussian(float(th[0]), float(math.exp(th[1])))

    def signature(self, th, scale):
        return np.array([th[0] / scale, th[1]])

    def gm_parts(self, theta):
        torch = _torch()
        r = theta.shape[0]
        var = (2 * theta[:, 1]).exp()
        return (torch.ones(r, 1, dtype=theta.dtype), theta[:, None, 0:1], var[:, None, None, None])

    def lengths(self):
        return np.array([1.0, 0.0])

    def from_moments(self, mean, cov):
        return np.array([float(mean[0]), 0.5 * math.log(float(cov[0, 0]))])


def _chol2(a, b, c):
    return a.exp(), b, c.exp()


class Gaussian2D(ModelFamily):
    """2-D Gaussian with full covariance Σ = L Lᵀ, L = [[e^a, 0], [b, e^c]]."""

    name, dim, k = "gaussian", 2, 1
    n_params = 5

    def init(self, rng, box, r, centres, widths=None):
        scale = float(np.mean(box[:, 1] - box[:, 0]))
        la = np.log(scale) + rng.uniform(math.log(0.04), math.log(0.25), r)
        lc = np.log(scale) + rng.uniform(math.log(0.04), math.log(0.25), r)
        if widths is not None:
            la = lc = np.log(widths)
        return np.column_stack([centres[:, 0], centres[:, 1], la, np.zeros(r), lc])

    def logpdf(self, theta, x):
        mu1, mu2 = theta[:, 0:1], theta[:, 1:2]
        l11, l21, l22 = _chol2(theta[:, 2:3], theta[:, 3:4], theta[:, 4:5])
        z1 = (x[None, :, 0] - mu1) / l11
        z2 = (x[None, :, 1] - mu2 - l21 * z1) / l22
        return -0.5 * (z1 * z1 + z2 * z2) - theta[:, 2:3] - theta[:, 4:5] - _LOG_2PI

    def sample(self, theta, eps):
        torch = _torch()
        l11, l21, l22 = _chol2(theta[:, 2:3], theta[:, 3:4], theta[:, 4:5])
        e1, e2 = eps[None, :, 0], eps[None, :, 1]
        x1 = theta[:, 0:1] + l11 * e1
        x2 = theta[:, 1:2] + l21 * e1 + l22 * e2
        n = eps.shape[0]
        return torch.stack([x1, x2], dim=-1), torch.full(x1.shape, 1.0 / n, dtype=theta.dtype)

    @staticmethod
    def _cov(th):
        L = np.array([[math.exp(th[2]), 0.0], [th[3], math.exp(th[4])]])
        return L @ L.T

    def distribution(self, th):
        return Gaussian(mean=th[:2], cov=self._cov(th))

    def signature(self, th, scale):
        c = self._cov(th)
        return np.array([th[0] / scale, th[1] / scale, *(0.5 * np.log(np.diag(c))), c[0, 1] / scale**2])

    def gm_parts(self, theta):
        torch = _torch()
        r = theta.shape[0]
        l11, l21, l22 = _chol2(theta[:, 2], theta[:, 3], theta[:, 4])
        cov = torch.stack([torch.stack([l11 * l11, l11 * l21], -1),
                           torch.stack([l11 * l21, l21 * l21 + l22 * l22], -1)], -2)
        return (torch.ones(r, 1, dtype=theta.dtype), theta[:, None, 0:2], cov[:, None])

    def lengths(self):
        return np.array([1.0, 1.0, 0.0, 1.0, 0.0])

    def from_moments(self, mean, cov):
        L = np.linalg.cholesky(cov)
        return np.array([mean[0], mean[1], math.log(L[0, 0]), L[1, 0], math.log(L[1, 1])])


class GaussianMixtureFamily(ModelFamily):
    """K-component Gaussian mixture: softmax weights, 1-D (μ, log σ) or 2-D (μ, Cholesky) components."""

    name = "mixture"

    def __init__(self, dim: int, k: int):
        if k < 1:
            raise ValueError(f"components must be >= 1, got {k}")
        self.dim, self.k = dim, k
        self.base = Gaussian1D() if dim == 1 else Gaussian2D()

    @property
    def n_params(self) -> int:
        return self.k * (1 + self.base.n_params)

    def _split(self, theta):
        r = theta.shape[0]
        logits = theta[:, : self.k]
        comps = theta[:, self.k:].reshape(r, self.k, self.base.n_params)
        return logits, comps

    def init(self, rng, box, r, centres, widths=None):
        comps = np.stack([self.base.init(rng, box, r, centres[j * r:(j + 1) * r]) for j in range(self.k)],
                         axis=1)
        return np.concatenate([np.zeros((r, self.k)), comps.reshape(r, -1)], axis=1)

    def logpdf(self, theta, x):
        torch = _torch()
        logits, comps = self._split(theta)
        logw = torch.log_softmax(logits, dim=-1)
        parts = [logw[:, j:j + 1] + self.base.logpdf(comps[:, j, :], x) for j in range(self.k)]
        return torch.logsumexp(torch.stack(parts, dim=0), dim=0)

    def sample(self, theta, eps):
        """Stratified: the same noise in every component, weighted by the mixture weights."""
        torch = _torch()
        logits, comps = self._split(theta)
        w = torch.softmax(logits, dim=-1)
        xs, ws = [], []
        for j in range(self.k):
            xj, wj = self.base.sample(comps[:, j, :], eps)
            xs.append(xj)
            ws.append(wj * w[:, j:j + 1])
        return torch.cat(xs, dim=1), torch.cat(ws, dim=1)

    def _weights(self, th):
        logits = th[: self.k]
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def distribution(self, th):
        comps = th[self.k:].reshape(self.k, self.base.n_params)
        return Mixture([self.base.distribution(c) for c in comps], self._weights(th))

    def signature(self, th, scale):
        comps = th[self.k:].reshape(self.k, self.base.n_params)
        w = self._weights(th)
        sigs = [np.concatenate([[w[j]], self.base.signature(comps[j], scale)]) for j in range(self.k)]
        sigs.sort(key=lambda s: tuple(np.round(s[1:], 3)))
        return np.concatenate(sigs)

    def gm_parts(self, theta):
        torch = _torch()
        logits, comps = self._split(theta)
        parts = [self.base.gm_parts(comps[:, j, :]) for j in range(self.k)]
        return (torch.softmax(logits, dim=-1), torch.cat([m for _, m, _ in parts], dim=1),
                torch.cat([c for _, _, c in parts], dim=1))

    def lengths(self):
        return np.concatenate([np.zeros(self.k), np.tile(self.base.lengths(), self.k)])


def model_family(name: str, dim: int, components: int) -> ModelFamily:
    if name == "gaussian":
        return Gaussian1D() if dim == 1 else Gaussian2D()
    if name == "mixture":
        return GaussianMixtureFamily(dim, components)
    raise ValueError(f"family must be one of {MODEL_FAMILIES}, got {name!r}")


MODEL_FAMILIES = ("gaussian", "mixture")
"""Names of the model families of :func:`model_family`."""
