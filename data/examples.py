"""The three worked examples' data: weights, observations, starting points and learning rates."""

# Every other module imports these names; tuples keep them read-only.

# 1. Dosage -> efficacy network, trained by the sum of squared residuals (SSR).
#    top = softplus(W1 * x + B1), bottom = softplus(W2 * x + B2),
#    y_hat = W3 * top + W4 * bottom + b3
DOSAGE = (0.0, 0.5, 1.0)  # inputs, scaled 0..1
EFFICACY = (0.0, 1.0, 0.0)  # observed outputs
DOSAGE_W1, DOSAGE_B1 = 3.34, -1.43  # input -> top hidden node
DOSAGE_W2, DOSAGE_B2 = -3.53, 0.57  # input -> bottom hidden node
DOSAGE_W3, DOSAGE_W4 = -1.22, -2.30  # top, bottom -> output
SSR_START_B3 = 0.0  # the article's starting value for b3
SSR_LEARNING_RATE = 0.1

# 2. Iris network, trained by cross-entropy on SoftMax probabilities.
#    hidden = ReLU(HIDDEN_W @ [petal, sepal] + HIDDEN_B)      (2 nodes: top, bottom)
#    z = OUTPUT_W @ hidden + [b3, OUTPUT_B_VERSICOLOR, OUTPUT_B_VIRGINICA]
SPECIES = ("Setosa", "Versicolor", "Virginica")  # class indices 0, 1, 2
PETAL_WIDTH = (0.04, 1.00, 0.50)  # scaled 0..1
SEPAL_WIDTH = (0.42, 0.54, 0.37)  # scaled 0..1
OBSERVED_SPECIES = (0, 2, 1)  # Setosa, Virginica, Versicolor
HIDDEN_W = ((-2.5, 0.6), (-1.5, 0.4))  # (2 nodes, 2 inputs: petal, sepal)
HIDDEN_B = (1.6, 0.7)  # top, bottom
OUTPUT_W = ((-0.1, 1.5), (2.4, -5.2), (-2.2, 3.7))  # (3 species, 2 nodes: top, bottom)
OUTPUT_B_VERSICOLOR = 0.0
OUTPUT_B_VIRGINICA = 1.0
CE_START_B3 = -2.0  # the article's starting value for the Setosa bias b3
CE_LEARNING_RATE = 1.0

# 3. One sigmoid unit with binary cross-entropy (the project's own example:
#    the article prints formulas, no numbers). Did a student pass (y = 1)
#    given hours of study (x1) and practice tests taken (x2)? The classes
#    overlap, so the loss has a finite minimum for gradient descent to find.
#    docs/sigmoid-example.md works the first update out by hand.
SIGMOID_X1 = (1.0, 2.0, 3.0, 2.0, 2.5)
SIGMOID_X2 = (2.0, 1.0, 0.5, 2.0, 1.0)
SIGMOID_Y = (0.0, 1.0, 1.0, 1.0, 0.0)
SIGMOID_START = (0.5, 0.5, -2.0)  # w1, w2, b
SIGMOID_LEARNING_RATE = 0.1

# Gradient descent's stopping rule, shared by all three examples.
MIN_STEP_SIZE = 0.001  # stop once |step size| falls below this
MAX_STEPS = 1000

# The backprop section's parameters travel as dicts name -> float, with these keys in this order (the order
# training stores them in). w_<from>_<to>: "w_petal_top" carries petal width into the top hidden node,
# "w_top_setosa" the top node into the Setosa output; the order follows HIDDEN_W, HIDDEN_B, OUTPUT_W (row by row),
# then the output biases.
DOSAGE_NAMES = ("w1", "b1", "w2", "b2", "w3", "w4", "b3")
INPUTS, NODES, OUTPUTS = ("petal", "sepal"), ("top", "bottom"), tuple(s.lower() for s in SPECIES)
IRIS_NAMES = (
    *(f"w_{i}_{h}" for h in NODES for i in INPUTS),
    *(f"b_{h}" for h in NODES),
    *(f"w_{h}_{s}" for s in OUTPUTS for h in NODES),
    *(f"b_{s}" for s in OUTPUTS),
)
