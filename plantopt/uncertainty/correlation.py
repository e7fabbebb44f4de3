"""Correlated metal prices: a table of K joint price factors with exact marginals.

The log price of material m is sigma_m z_m with z_m standard normal (as without correlation);
with a correlation table the z's are jointly drawn with normal-score correlation C[m, m'].
The spec turns this into the kernel's scenario price mode (one uniform per sample picks one
of K equally likely rows), so the kernel is unchanged and every draw still depends only on
(seed, sample):

    q_k       = ndtri((k + 1/2) / K), k = 0..K-1      stratified normal quantiles
    X         = K x P scores: column j a fixed permutation of q (numpy seed 0), P priced mats
    T         = X chol(E)^-T chol(C)^T                E = corr(X) (Iman and Conover 1982)
    z[:, j]   = q ranked as T[:, j]                    (exact marginal, rank correlation ~ C)
    factor[k, m] = exp(sigma_m z[k, m])

Each marginal is the K-point stratified normal: Kolmogorov distance to N(0, 1) <= 1 / K.
C is made positive definite by clipping its eigenvalues at 1e-6 and rescaling to unit
diagonal. Iman, R. L. and Conover, W. J. (1982), "A distribution-free approach to inducing
rank correlation among input variables", Communications in Statistics B 11(3), 311-334.

The default table (:data:`DEFAULT_PRICE_CORRELATION`) states each value with its source;
where no dated coefficient was found the value is an assumption and says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.uncertainty.normal import ndtri_numpy

TABLE_ROWS = 1024  # K: joint price rows (marginal Kolmogorov distance <= 1/K)

DEFAULT_PRICE_CORRELATION: tuple[tuple[str, str, float, str], ...] = (
    (
        "Au",
        "Ag",
        0.8,
        "Futures Magazine (1 May 2011): daily % changes of Dec-2011 silver vs gold futures, "
        "1 Sep 2010 - 1 Mar 2011 (123 days), correlation coefficient 0.84; rounded down",
    ),
    (
        "Au",
        "Pd",
        0.5,
        "assumption: palladium follows autocatalyst demand more than bullion demand; "
        "no dated coefficient found, half-way between independent and gold-silver",
    ),
    ("Ag", "Pd", 0.5, "assumption: as Au-Pd"),
    (
        "Ni",
        "Co",
        0.5,
        "Nornickel Q2 2018 results presentation (via Reuters, A. Home, Jul 2018): nickel's "
        "price now correlated with cobalt rather than stainless steel; no coefficient "
        "published, 0.5 assumed (cobalt is a nickel and copper by-product)",
    ),
    (
        "Nd",
        "Pr",
        0.9,
        "assumption: Nd and Pr are traded mostly as one mixed NdPr oxide, so their prices "
        "move together",
    ),
)


def default_price_correlation() -> pd.DataFrame:
    """The default pairs: columns material_a, material_b, rho, source."""
    return pd.DataFrame(
        DEFAULT_PRICE_CORRELATION, columns=["material_a", "material_b", "rho", "source"]
    )


def correlation_matrix(table: pd.DataFrame, materials: tuple[str, ...]) -> np.ndarray:
    """C over ``materials`` from pairs (unknown materials are skipped: not in the instance)."""
    need = {"material_a", "material_b", "rho"}
    if not need <= set(table.columns):
        raise PlantoptError("price correlation table needs columns material_a, material_b, rho")
    idx = {m: i for i, m in enumerate(materials)}
    c = np.eye(len(materials))
    for row, (a, b, rho) in enumerate(
        zip(table["material_a"], table["material_b"], table["rho"]), start=2
    ):
        r = float(rho)
        if not -1.0 <= r <= 1.0:
            raise PlantoptError(
                f"price correlation, row {row}, column 'rho': {rho!r} (expected -1..1)"
            )
        if a in idx and b in idx and a != b:
            c[idx[a], idx[b]] = c[idx[b], idx[a]] = r
    return c


def nearest_correlation(c: np.ndarray) -> np.ndarray:
    """C with eigenvalues clipped at 1e-6, rescaled to unit diagonal (positive definite)."""
    w, v = np.linalg.eigh(c)
    c2 = (v * np.maximum(w, 1e-6)) @ v.T
    d = np.sqrt(np.diag(c2))
    return c2 / np.outer(d, d)


def correlated_normals(c: np.ndarray, k: int = TABLE_ROWS) -> np.ndarray:
    """K x P normal scores with exact stratified marginals and rank correlation ~ C."""
    p = c.shape[0]
    q = ndtri_numpy((np.arange(k) + 0.5) / k)
    if p == 0:
        return np.zeros((k, 0))
    rng = np.random.default_rng(0)
    x = np.column_stack([q[rng.permutation(k)] for _ in range(p)])
    e = np.corrcoef(x, rowvar=False).reshape(p, p)
    t = x @ np.linalg.inv(np.linalg.cholesky(e)).T @ np.linalg.cholesky(nearest_correlation(c)).T
    out = np.empty_like(x)
    for j in range(p):
        out[np.argsort(t[:, j], kind="stable"), j] = q
    return out


def price_factor_table(
    table: pd.DataFrame, materials: tuple[str, ...], sigma: np.ndarray, k: int = TABLE_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """(factor (K, M), cumulative weights (K,)) for the kernel's scenario price mode."""
    priced = np.flatnonzero(sigma > 0)
    c = correlation_matrix(table, tuple(materials[i] for i in priced))
    z = correlated_normals(c, k)
    factor = np.ones((k, len(materials)))
    factor[:, priced] = np.exp(sigma[priced][None, :] * z)
    cum = (np.arange(k) + 1.0) / k
    cum[-1] = 1.0
    return factor, cum


__all__ = [
    "DEFAULT_PRICE_CORRELATION",
    "TABLE_ROWS",
    "correlated_normals",
    "default_price_correlation",
    "price_factor_table",
]
