"""Text as LaTeX: escaping for text mode, and the chain-rule lines as math.

Shared by the TikZ picture (:mod:`chainrule.core.export_tikz`: ids and labels on
cards) and ``chainrule explain --latex`` / the chain-rule panel's Copy as LaTeX
(:func:`math_line`).  The output compiles with pdflatex and the standard packages
(amsmath); the few Unicode signs the app writes (∂ · × − σ …) become commands,
any other character outside ASCII becomes ``?`` rather than an error.
"""
from __future__ import annotations

import re

_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                  "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%",
                  "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                  "|": r"\textbar{}"}

# Math commands for the signs and letters the app's texts use.
_MATH = {"∂": r"\partial ", "·": r"\cdot ", "×": r"\times ", "−": "-", "÷": r"\div ",
         "√": r"\sqrt ", "Σ": r"\Sigma ", "σ": r"\sigma ", "μ": r"\mu ", "Φ": r"\Phi ",
         "φ": r"\phi ", "δ": r"\delta ", "θ": r"\theta ", "ε": r"\varepsilon ",
         "≈": r"\approx ", "≤": r"\le ", "≥": r"\ge ", "→": r"\to ", "…": r"\dots ",
         "ᵀ": r"^{\top}", "²": "^{2}", "³": "^{3}", "⁻": "^{-}", "ˣ": "^{x}", "ʸ": "^{y}",
         "ₖ": "_{k}", "±": r"\pm ", "∞": r"\infty ", "—": r"\text{---}", "′": "'",
         "“": "``", "”": "''", "ⁱ": "^{i}", "ⱼ": "_{j}", "ᵢ": "_{i}", "∈": r"\in ",
         "⧺": r"\mathbin{+\!\!+}", "⇄": r"\leftrightarrows "}


def text(s: str) -> str:
    """``s`` as LaTeX text mode: specials escaped, the app's signs as inline math."""
    out = []
    for ch in str(s):
        if ch in _TEXT_SPECIALS:
            out.append(_TEXT_SPECIALS[ch])
        elif ch == "\n":
            out.append(" ")
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _MATH:
            out.append("$" + _MATH[ch].strip() + "$" if ch != "−" else "-")
        else:
            out.append("?")
    return "".join(out)


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_']*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+\-−]?\d+)?")


def _name(word: str) -> str:
    """An identifier in math: one letter italic (x), a letter and digits subscripted
    (w0 → w_{0}), anything longer upright (\\mathrm{sum}), underscores escaped."""
    m = re.fullmatch(r"([A-Za-z])(\d+)", word)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if len(word) == 1:
        return word
    return r"\mathrm{" + word.replace("_", r"\_") + "}"


def math(s: str) -> str:
    """A line of the chain-rule panel (``∂f/∂w0 = 0.1966 · (−1) = −0.1966``) as math;
    what follows a wide gap ("   (a value you set)") is a remark, set as text."""
    first, *remarks = re.split(r" {2,}", str(s))
    return " ".join([_math(first), *(r"\quad\text{" + text(r) + "}" for r in remarks)])


def _math(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        word = _WORD.match(s, i)
        if word and not (i and s[i - 1].isdigit() and ch == "e"):
            out.append(_name(word.group()))
            i = word.end()
            continue
        number = _NUMBER.match(s, i)
        if number:
            out.append(number.group().replace("−", "-"))
            i = number.end()
            continue
        if ch in _MATH:
            out.append(_MATH[ch])
        elif ch in "{}":
            out.append("\\" + ch)
        elif ch in "#$%&~^\\":
            out.append({"#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\sim ",
                        "^": r"\hat{}", "\\": r"\backslash "}[ch])
        elif ch == "_":
            out.append(r"\_")
        elif ch == " ":
            out.append(" ")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
        i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def align_line(line: str) -> str:
    """One line of an ``align*`` block: aligned at its first "=" (a line without one,
    such as "(from s0)", is set as text); a line's kind becomes its tag."""
    from .explain import LINE_KINDS           # the panel's kinds: "local  ∂q/∂x = 1"
    kind = re.match(r"^(\w+) {2,}(.*)$", line.strip())
    if kind and kind.group(1) in LINE_KINDS:
        return align_line(kind.group(2)) + r" \tag*{" + LINE_KINDS[kind.group(1)] + "}"
    head, eq, rest = line.partition(" = ")
    if not eq:
        return r"&\text{" + text(line.strip()) + "}"
    return math(head) + " &= " + math(rest)


def align_block(lines: list[str]) -> str:
    """The lines as one ``align*`` environment."""
    body = " \\\\\n".join(align_line(line) for line in lines if line.strip())
    return "\\begin{align*}\n" + body + "\n\\end{align*}"
