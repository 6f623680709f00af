r"""Information bottleneck for regression: Cauchy–Schwarz IB against MSE + variational IB.

Data: scikit-learn's diabetes set (442 patients, 10 standardised features, disease progression
after one year; Efron, Hastie, Johnstone & Tibshirani 2004), bundled with scikit-learn - no
download. A small torch regressor x → MLP → T (``dim_t``) → linear → ŷ is trained with

CS-IB (Yu, Yu, Løkse, Jenssen & Príncipe 2024, "Cauchy–Schwarz divergence information bottleneck
for regression", ICLR)
    :math:`D_{CS}(p(y|x)\,\|\,q(\hat y|x)) + \beta\, I_{CS}(X;T)`, both from Gaussian Gram matrices
    (no variational bound, no noise): with :math:`K^x, K^t, K^y, K^{\hat y}` and the cross Gram
    :math:`K^{y\hat y}_{ji} = \kappa(y_j - \hat y_i)`,

    .. math:: I_{CS}(X;T) = \log\overline{K^x\circ K^t} + \log(\overline{K^x}\,\overline{K^t})
              - 2\log\tfrac1n\textstyle\sum_i \overline{K^x_{i\cdot}}\,\overline{K^t_{i\cdot}}

    (the CS quadratic MI, Príncipe 2010) and the conditional CS divergence, with the
    kernel-weighted neighbourhoods :math:`w_j = K^x_{j\cdot}` of each :math:`x_j` as estimates of
    p(y|x_j) and q(ŷ|x_j):
    :math:`\log\sum_j\frac{w_j^\top K^y w_j}{(\mathbf 1^\top w_j)^2}
    + \log\sum_j\frac{w_j^\top K^{\hat y} w_j}{(\mathbf 1^\top w_j)^2}
    - 2\log\sum_j\frac{w_j^\top K^{y\hat y} w_j}{(\mathbf 1^\top w_j)^2} \ge 0`
    (Cauchy–Schwarz in the kernel's feature space; zero when ŷ has the law of y near every x).
MSE + VIB (Alemi, Fischer, Dillon & Murphy 2017, ICLR)
    a Gaussian encoder :math:`T\sim N(\mu(x), \mathrm{diag}\,\sigma^2(x))` and
    :math:`\mathrm{MSE} + \beta\,KL(N(\mu,\sigma^2)\|N(0, I))`.

Both are placed on one information plane: I(X;T) and I(T;Y) of the trained representation,
estimated on all 442 samples by the same registry estimator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.information.estimators import get, mutual_information

__all__ = ["RegressionIBResult", "diabetes", "ib_regression"]


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    """Standardised features (442, 10) and target (442,) of scikit-learn's bundled diabetes set."""
    from sklearn.datasets import load_diabetes

    x, y = load_diabetes(return_X_y=True)
    return (x - x.mean(0)) / x.std(0), (y - y.mean()) / y.std()


def _gram(torch: Any, a: Any, b: Any, sigma: float) -> Any:
    return torch.exp(-torch.cdist(a, b) ** 2 / (2 * sigma**2))


def cs_mutual_information(torch: Any, kx: Any, kt: Any) -> Any:
    """CS quadratic mutual information from two Gram matrices."""
    return (torch.log((kx * kt).mean()) + torch.log(kx.mean() * kt.mean())
            - 2 * torch.log((kx.mean(1) * kt.mean(1)).mean()))


def cs_conditional_divergence(torch: Any, kx: Any, y: Any, yhat: Any, sigma: float) -> Any:
    """Conditional CS divergence D_CS(p(y|x) ‖ q(ŷ|x)) from samples (Gram-matrix estimator)."""
    den = kx.sum(1) ** 2
    ky, kh, kc = _gram(torch, y, y, sigma), _gram(torch, yhat, yhat, sigma), _gram(torch, y, yhat, sigma)
    def term(k: Any) -> Any:  # Σ_j w_jᵀ K w_j / (Σ_i w_ji)², w_j = row j of K^x
        return torch.log((((kx @ k) * kx).sum(1) / den).sum())

    return term(ky) + term(kh) - 2 * term(kc)


@dataclass(frozen=True, eq=False)
class RegressionIBResult:
    """Per method (``"cs_ib"``, ``"vib"``) and β: test/train RMSE and the plane coordinates."""

    betas: np.ndarray
    methods: tuple[str, ...]
    test_rmse: dict[str, np.ndarray]
    train_rmse: dict[str, np.ndarray]
    I_XT: dict[str, np.ndarray]
    I_TY: dict[str, np.ndarray]
    estimator: str
    units: str = "nats"
    extra: dict[str, Any] = field(default_factory=dict)


def ib_regression(betas: Sequence[float] = (0.0, 0.01, 0.1, 1.0), epochs: int = 400, dim_t: int = 8,
                  estimator: str = "ksg", seed: int = 0, sigma: float = 1.0, sigma_x: float = 1.0,
                  callback: Callable[[int, int], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> RegressionIBResult:
    """Train CS-IB and MSE+VIB regressors on the diabetes data for each β; place them on the plane.

    Parameters
    ----------
    betas : sequence of float
        Compression weights β ≥ 0.
    epochs : int
        Full-batch Adam steps per model.
    dim_t : int
        Dimension of the representation T.
    estimator : str
        Registry estimator for I(X;T), I(T;Y) (``ksg`` default).
    seed : int
        Seed of the train/test split (70/30) and of the initialisations.
    sigma : float
        Gaussian kernel width on y, ŷ and T in the CS terms (standardised units).
    sigma_x : float
        Kernel width on x: the neighbourhoods that stand for p(y|x) (too wide and the
        prediction term only matches the marginal law of y).
    callback, should_stop : callable, optional
        Progress ``callback(done, total)`` and cooperative cancellation (between models).
    """
    import torch

    from explorer._backend import torch_single_thread

    get(estimator)
    b = np.asarray(betas, float).ravel()
    if b.size == 0 or not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError("betas must be a non-empty sequence of finite numbers >= 0")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    x, y = diabetes()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(x.shape[0])
    n_train = int(0.7 * x.shape[0])
    tr, te = perm[:n_train], perm[n_train:]
    methods = ("cs_ib", "vib")
    out = {k: {m: np.full(b.size, np.nan) for m in methods} for k in ("test", "train", "ixt", "ity")}
    total, done = 2 * b.size, 0
    with torch_single_thread():
        xt = torch.as_tensor(x, dtype=torch.float32)
        yt = torch.as_tensor(y[:, None], dtype=torch.float32)
        for i, beta in enumerate(b):
            for m in methods:
                if should_stop is not None and should_stop():
                    break
                torch.manual_seed(seed + i)
                enc = torch.nn.Sequential(torch.nn.Linear(10, 64), torch.nn.ReLU(),
                                          torch.nn.Linear(64, dim_t * (2 if m == "vib" else 1)))
                dec = torch.nn.Linear(dim_t, 1)
                opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=3e-3)

                def represent(inp: Any, sample: bool, m: str = m, enc: Any = enc) -> tuple[Any, Any]:
                    h = enc(inp)
                    if m == "cs_ib":
                        return h, torch.zeros(())
                    mu, logvar = h[:, :dim_t], h[:, dim_t:].clamp(-10, 10)
                    kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()
                    t = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if sample else mu
                    return t, kl

                for _ in range(epochs):
                    t, kl = represent(xt[tr], True)
                    yhat = dec(t)
                    if m == "cs_ib":
                        kx = _gram(torch, xt[tr], xt[tr], sigma_x)
                        loss = cs_conditional_divergence(torch, kx, yt[tr], yhat, sigma) + beta * \
                            cs_mutual_information(torch, kx, _gram(torch, t, t, sigma))
                    else:
                        loss = ((yhat - yt[tr]) ** 2).mean() + beta * kl
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                with torch.no_grad():
                    t_all, _ = represent(xt, True)
                    pred = dec(represent(xt, False)[0]).numpy()[:, 0]
                ta = t_all.numpy().astype(float)
                out["test"][m][i] = float(np.sqrt(np.mean((pred[te] - y[te]) ** 2)))
                out["train"][m][i] = float(np.sqrt(np.mean((pred[tr] - y[tr]) ** 2)))
                if np.all(ta == ta[0]):  # a collapsed representation carries no information
                    out["ixt"][m][i] = out["ity"][m][i] = 0.0
                else:
                    out["ixt"][m][i] = float(mutual_information(x, ta, estimator, seed=seed))
                    out["ity"][m][i] = float(mutual_information(ta, y, estimator, seed=seed))
                done += 1
                if callback is not None:
                    callback(done, total)
    return RegressionIBResult(b, methods, out["test"], out["train"], out["ixt"], out["ity"], estimator,
                              extra={"n_train": n_train, "n_test": int(te.size), "epochs": epochs})
