"""Overview page: what Backprop Lab teaches and where to start."""

import streamlit as st

st.title("Backprop Lab")
st.markdown(
    """
A network learns by nudging each parameter against the slope of its loss.
Backprop Lab walks through that for three small, fully worked examples:

1. **Sum of squared residuals** on a dosage network with softplus hidden nodes,
   and gradient descent on its last bias b3.
2. **Cross-entropy with SoftMax** on an iris network, and the derivative with
   respect to the Setosa bias b3.
3. **A sigmoid unit with binary cross-entropy**: the chain rule's three factors
   and the updates of w1, w2 and b.

Each page shows the observations, the predictions, what every sample adds to
the derivative, and where gradient descent goes. The functions behind them are
in `solutions/`; your own versions go in `exercises/`.
"""
)
