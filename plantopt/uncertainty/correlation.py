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

The default table (:data:`DEFAULT_PRICE_CORRELATION`) states each value with its source and
date: the precious-metal pairs are published correlations of returns (Futures Magazine 2011;
Michis, J. Risk Financial Manag. 16(5) 280, 2023; Market Realist 2016); for Ni-Co and Nd-Pr
no dated coefficient was found, so the value is an assumption and says why.
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
        "three dated coefficients of gold and silver returns, 0.75-0.84: Futures Magazine "
        "(1 May 2011), daily % changes of Dec-2011 silver vs gold futures, 1 Sep 2010 - "
        "1 Mar 2011 (123 days): 0.84; Michis, J. Risk Financial Manag. 16(5) 280 (May 2023), "
        "Appendix A, first of its two correlation tables (the paper compares the "
        "periods before and after the COVID-19 outbreak): 0.785; Market Realist (July "
        "2016), precious-metal correlation table: about 0.75; 0.8 lies in the middle",
    ),
    (
        "Au",
        "Pd",
        0.37,
        "Michis (J. Risk Financial Manag. 16(5) 280, May 2023), Appendix A, first table: "
        "0.372; Market Realist (July 2016): about 0.29 (palladium follows autocatalyst "
        "demand more than bullion demand)",
    ),
    (
        "Ag",
        "Pd",
        0.5,
        "Michis (2023), Appendix A, first table: 0.498; Market Realist (July 2016): about 0.74",
    ),
    ("Au", "Pt", 0.64, "Michis (2023), Appendix A, first table: 0.640; Market Realist: 0.66"),
    ("Ag", "Pt", 0.67, "Michis (2023), Appendix A, first table: 0.668; Market Realist: 0.74"),
    ("Pd", "Pt", 0.62, "Michis (2023), Appendix A, first table: 0.622; Market Realist: 0.57"),
    (
        "Ni",
        "Co",
        0.5,
        "assumption: no dated coefficient of nickel and cobalt prices was found (searched: "
        "LME nickel and cobalt price correlation, battery-metal co-movement and "
        "connectedness studies such as Bastianin et al., Energy Economics 128, 2023, which "
        "publish spillover indices, not pairwise coefficients); Nornickel Q2 2018 results "
        "(via Reuters, A. Home, Jul 2018): nickel's price now moves with cobalt rather than "
        "stainless steel; 0.5 because cobalt is a by-product of copper and nickel mining, "
        "so the two share battery demand but only part of their supply",
    ),
    (
        "Nd",
        "Pr",
        0.9,
        "assumption: no dated coefficient found; Nd and Pr are traded mostly as one mixed "
        "NdPr oxide, so their prices move together",
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


# ----------------------------------------------------------------------- compositions
#
# A feed's fractions are drawn with a one-factor Gaussian copula per (feed, group): the
# uniform of entry (f, m) becomes u = Phi(l z_fg + sqrt(1 - l^2) Phi^-1(u_fm)), z_fg the
# normal score of the factor of feed f and the group g of material m, so two materials of
# one group in one feed have normal-score correlation l_m l_m' and each marginal stays the
# PERT or triangular of its range (u is uniform). Compositions stay valid as without
# correlation: each draw lies in [low, high], then 'other' absorbs the change or the drawn
# fractions are rescaled to the feed's nominal total (docs/uncertainty.md).

#: material groups that share a factor within a feed (the kernel's COMP_GROUPS)
COMPOSITION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cathode", ("Li", "Ni", "Co", "Mn")),
    ("precious", ("Au", "Ag", "Pd")),
    ("magnet", ("Nd", "Pr", "Dy")),
)

DEFAULT_COMPOSITION_CORRELATION: tuple[tuple[str, str, float, str], ...] = (
    (
        "ev_pack_nmc",
        "cathode",
        0.9,
        "assumption: Li, Ni, Co and Mn sit in one cathode compound of fixed stoichiometry "
        "(e.g. LiNi0.8Mn0.1Co0.1O2 for NMC811), so a pack's contents of all four scale with "
        "its cathode share (cell-to-pack ratio, state of the pack); loading 0.9, normal-score "
        "correlation 0.81, leaving room for cells of mixed grades",
    ),
    ("li_cell", "cathode", 0.9, "assumption: as ev_pack_nmc (one cathode compound)"),
    (
        "li_portable",
        "cathode",
        0.7,
        "assumption: portable cells mix LCO and NMC chemistries, so the cathode metals move "
        "together less than in a single-chemistry EV pack; loading 0.7 (correlation 0.49)",
    ),
    (
        "pcb",
        "precious",
        0.7,
        "assumption: Au, Ag and Pd rise together with board grade (connectors, plated "
        "contacts and MLCCs of high-grade boards such as phones); no dated within-feed "
        "coefficient found; loading 0.7 (normal-score correlation 0.49, rank 0.47); a rough "
        "check: across the six PCB studies that report both Au and Ag in the review 'Toxic "
        "Metal Recovery from Waste Printed Circuit Boards' (Advances in Materials Science "
        "and Engineering 2022, article 6550089, Table 1) their rank correlation is 0.43 and "
        "the Pearson correlation of their logarithms 0.49 (computed here; 6 points, weak)",
    ),
    ("weee_small_it", "precious", 0.7, "assumption: as pcb (boards carry the precious metals)"),
    ("hdd", "precious", 0.7, "assumption: as pcb (the drive's board)"),
    (
        "hdd",
        "magnet",
        0.9,
        "assumption: Nd, Pr and Dy come with the NdFeB magnet mass of the drive (one alloy), "
        "so they scale together; loading 0.9 (correlation 0.81)",
    ),
)


def default_composition_correlation() -> pd.DataFrame:
    """The default loadings: columns feed_class, group, loading, source."""
    return pd.DataFrame(
        DEFAULT_COMPOSITION_CORRELATION, columns=["feed_class", "group", "loading", "source"]
    )


def composition_loadings(
    table: pd.DataFrame, feed_classes: tuple[str, ...], materials: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(loading (F, M), group of each material (M,), -1 for none) from the table's rows
    (feed classes and materials not in the instance are skipped)."""
    need = {"feed_class", "group", "loading"}
    if not need <= set(table.columns):
        raise PlantoptError(
            "composition correlation table needs columns feed_class, group, loading"
        )
    names = [g for g, _ in COMPOSITION_GROUPS]
    group = np.full(len(materials), -1, dtype=np.int64)
    for g, (_, mats) in enumerate(COMPOSITION_GROUPS):
        group[[i for i, m in enumerate(materials) if m in mats]] = g
    load = np.zeros((len(feed_classes), len(materials)))
    for row, (cls, g, lam) in enumerate(
        zip(table["feed_class"], table["group"], table["loading"]), start=2
    ):
        x = float(lam)
        if g not in names:
            raise PlantoptError(
                f"composition correlation, row {row}, column 'group': {g!r} "
                f"(expected one of {', '.join(names)})"
            )
        if not 0.0 <= x < 1.0:
            raise PlantoptError(
                f"composition correlation, row {row}, column 'loading': {lam!r} (expected 0..<1)"
            )
        cols = group == names.index(g)
        for f, c in enumerate(feed_classes):
            if c == cls:
                load[f, cols] = x
    return load, group
