"""Inverse standard-normal CDF, Wichura's AS241 (PPND16): relative error about 1e-16.

One uniform per normal draw (Box-Muller needs two), so a Latin-hypercube stratum of the
uniform is a stratum of the normal. Used for the log-price factors under ``sampling="lhs"``.
Written with ``math`` on scalars so that numba compiles it for the kernel; the NumPy twin
applies it element-wise (:func:`ndtri_numpy`). Reference: M. J. Wichura (1988), Algorithm
AS 241, Applied Statistics 37(3), 477-484.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_A = (
    3.387132872796366608,
    133.14166789178437745,
    1971.5909503065514427,
    13731.693765509461125,
    45921.953931549871457,
    67265.770927008700853,
    33430.575583588128105,
    2509.0809287301226727,
)
_B = (
    1.0,
    42.313330701600911252,
    687.1870074920579083,
    5394.1960214247511077,
    21213.794301586595867,
    39307.89580009271061,
    28729.085735721942674,
    5226.495278852545925,
)
_C = (
    1.42343711074968357734,
    4.6303378461565452959,
    5.7694972214606914055,
    3.64784832476320460504,
    1.27045825245236838258,
    0.24178072517745061177,
    0.0227238449892691845833,
    7.7454501427834140764e-4,
)
_D = (
    1.0,
    2.05319162663775882187,
    1.6763848301838038494,
    0.68976733498510000455,
    0.14810397642748007459,
    0.0151986665636164571966,
    5.475938084995344946e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.6579046435011037772,
    5.4637849111641143699,
    1.7848265399172913358,
    0.29656057182850489123,
    0.026532189526576123093,
    0.0012426609473880784386,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    0.59983220655588793769,
    0.13692988092273580531,
    0.0148753612908506148525,
    7.868691311456132591e-4,
    1.8463183175100546818e-5,
    1.4215117583164458887e-7,
    2.04426310338993978564e-15,
)


def _poly(c: tuple, x: Any) -> Any:
    """c[0] + c[1] x + ... + c[7] x^7 by Horner's rule, for a float or an array x."""
    return (
        (((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]
    ) * x + c[0]


def ndtri(p: float) -> float:
    """z with Phi(z) = p for 0 < p < 1 (p = 0 gives -inf). Horner loops written out so that
    numba compiles it without helper functions."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        a, b = 0.0, 0.0
        for k in range(7, -1, -1):
            a = a * r + _A[k]
            b = b * r + _B[k]
        return q * a / b
    r = p if q < 0 else 1.0 - p
    if r <= 0.0:
        return -math.inf if q < 0 else math.inf
    r = math.sqrt(-math.log(r))
    a, b = 0.0, 0.0
    if r <= 5.0:
        r -= 1.6
        for k in range(7, -1, -1):
            a = a * r + _C[k]
            b = b * r + _D[k]
    else:
        r -= 5.0
        for k in range(7, -1, -1):
            a = a * r + _E[k]
            b = b * r + _F[k]
    z = a / b
    return -z if q < 0 else z


def ndtri_numpy(p: np.ndarray) -> np.ndarray:
    """:func:`ndtri` element-wise (the same formulas, vectorised)."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    r0 = 0.180625 - q * q
    central = q * _poly(_A, r0) / _poly(_B, r0)
    tail_p = np.where(q < 0, p, 1.0 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(-np.log(np.where(tail_p > 0, tail_p, 1.0)))
        near = _poly(_C, r - 1.6) / _poly(_D, r - 1.6)
        far = _poly(_E, r - 5.0) / _poly(_F, r - 5.0)
    z = np.where(r <= 5.0, near, far)
    z = np.where(tail_p > 0, z, np.inf)
    tail = np.where(q < 0, -z, z)
    return np.where(np.abs(q) <= 0.425, central, tail)
