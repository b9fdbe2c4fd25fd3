"""Colour arithmetic for the theme tests: WCAG contrast, CVD simulation, CIE ΔE.

* WCAG 2.x relative luminance and contrast ratio (text needs ≥ 4.5);
* Machado, Oliveira & Fernandes (2009) matrices at severity 1.0 for protanopia and
  deuteranopia, applied to linear RGB;
* CIE76 ΔE in CIELAB (D65): about 2.3 is just noticeable; two label colours are
  called distinguishable here at ΔE ≥ 20 (clearly different at a glance).
"""
from __future__ import annotations

import numpy as np

MIN_CONTRAST = 4.5
MIN_DELTA_E = 20.0

MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}


def rgba(text: str) -> tuple[np.ndarray, float]:
    """``#rrggbb[aa]`` → (sRGB in 0..1, alpha)."""
    rgb = np.array([int(text[i:i + 2], 16) for i in (1, 3, 5)], float) / 255
    alpha = int(text[7:9], 16) / 255 if len(text) == 9 else 1.0
    return rgb, alpha


def over(top: str, bottom: str) -> np.ndarray:
    """sRGB of ``top`` (maybe translucent) painted over the opaque ``bottom``."""
    t, a = rgba(top)
    b, _ = rgba(bottom)
    return t * a + b * (1 - a)


def to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0, 1)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def luminance(srgb: np.ndarray) -> float:
    return float(np.dot(to_linear(srgb), [0.2126, 0.7152, 0.0722]))


def contrast(a: np.ndarray, b: np.ndarray) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def simulate(srgb: np.ndarray, kind: str) -> np.ndarray:
    return to_srgb(MACHADO[kind] @ to_linear(srgb))


def lab(srgb: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]])
    xyz = m @ to_linear(srgb) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))
