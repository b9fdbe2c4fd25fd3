"""The lints of cli.md with their examples and corrected programs (CLI and editor tests)."""

NEURON = "w0 = 2; x0 = -1; w1 = -3; x1 = -2; w2 = -3\nproduct = w0*x0 + w1*x1 + w2\n"

#: (program with the lint, what the warning says, the corrected program)
PAIRS = [
    (NEURON + "f = 1 / 1 + math.exp(-product)",
     "this is (1 / 1) + math.exp(−product) = 1 + math.exp(−product); for the sigmoid write "
     "1 / (1 + math.exp(−product))",
     NEURON + "f = 1 / (1 + math.exp(-product))"),
    ("x = 3\nf = -x ** 2", "this is −(x²)", "x = 3\nf = (-x) ** 2"),
    ("w1 = 2; w3 = 5\nx = 1\nf = w1 * x", "w3 does not reach f: its gradient will be —",
     "w1 = 2; w3 = 5\nx = 1\nf = w1 * x + w3"),
]
