"""Overview page: what Backprop Lab teaches, how every method page is laid out, and where to start."""

import pandas as pd
import streamlit as st

from dashboard import mathsource, ui
from data import examples as ex

st.title("Backprop Lab")
st.markdown(
    """
A network learns by nudging each parameter against the slope of its loss. Backprop Lab works through three
small examples in full, so that every number behind a step of learning is on screen.
"""
)

examples = pd.DataFrame(
    {
        "example": ["Sum of squared residuals", "Cross-entropy with SoftMax", "Sigmoid with binary cross-entropy"],
        "network": [
            "dosage → 2 softplus nodes → efficacy",
            "petal, sepal width → 2 ReLU nodes → 3 species",
            "hours, practice tests → 1 sigmoid unit → pass?",
        ],
        "trained": ["b3 (output bias)", "b3 (Setosa bias)", "w1, w2 and b together"],
        "start": [
            f"b3 = {ex.SSR_START_B3:g}",
            f"b3 = {ex.CE_START_B3:g}",
            "w1 = {:g}, w2 = {:g}, b = {:g}".format(*ex.SIGMOID_START),
        ],
        "learning rate": [ex.SSR_LEARNING_RATE, ex.CE_LEARNING_RATE, ex.SIGMOID_LEARNING_RATE],
    }
)
ui.number_table(examples, key="overview_examples", digits=1)

st.subheader("How each page reads, top to bottom")
st.markdown(
    f"""
1. **Observations**: the data the network is trained on.
2. **Controls**: the parameter being trained and the learning rate, starting where the worked example starts.
3. **Predictions** at the current parameter value, and the loss they add up to.
4. **Each sample's share of the derivative**: the chain rule's factors side by side, their product, the total,
   and a central finite difference next to it as an independent check.
5. **The loss curve** with the tangent at the current value (its slope is the derivative) and the path
   gradient descent has taken.
6. **Gradient descent**: *Step* makes one update (new value = old value - learning rate × derivative),
   *Run to convergence* repeats until a step would be smaller than {ex.MIN_STEP_SIZE}, *Reset* goes back to the
   start. Too large a learning rate makes the loss grow instead of shrink: the page says so and stops.

Wherever the source article printed a number, the page shows it beside the computed one, e.g.
"article -0.77 · computed -0.7732": the articles round at every step.
"""
)
if mathsource.REFERENCE:
    st.markdown(
        "The functions behind every number are in `solutions/`; write your own versions in `exercises/`. "
        "**Check my exercises** grades them, and its switch shows your functions' values beside the reference's "
        "on every page."
    )
else:
    st.markdown(
        "This copy has no reference solutions: every number on these pages comes from your own functions in "
        "`exercises/`, so a page stops where it needs one you have not written yet, and says which. "
        "**Check my exercises** grades them."
    )
st.page_link("views/ssr.py", label="Start with the sum of squared residuals →")
