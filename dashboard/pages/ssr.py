"""Sum of squared residuals page: the dosage network's predictions and each sample's share of dSSR/db3."""

import numpy as np
import pandas as pd
import streamlit as st

from exercises import examples as ex
from solutions import ssr

FD_STEP = 1e-6  # central difference step for the numerical slope


@st.cache_data
def tables(b3: float) -> tuple[pd.DataFrame, float, float]:
    """Per-sample table, total dSSR/db3 and its central finite difference at this b3."""
    y_hat = ssr.predict(ex.DOSAGE, b3)
    per_sample = pd.DataFrame(
        {
            "dosage x": ex.DOSAGE,
            "observed y": ex.EFFICACY,
            "predicted y_hat": y_hat,
            "residual y - y_hat": np.array(ex.EFFICACY) - y_hat,
            "-2 (y - y_hat) × 1": ssr.ssr_contributions(ex.EFFICACY, y_hat),
        }
    )
    total = ssr.ssr_derivative_b3(ex.EFFICACY, y_hat)
    loss_at = [ssr.ssr(ex.EFFICACY, ssr.predict(ex.DOSAGE, b3 + s)) for s in (FD_STEP, -FD_STEP)]
    return per_sample, total, (loss_at[0] - loss_at[1]) / (2 * FD_STEP)


st.title("Sum of squared residuals")
st.markdown(
    "The network turns a dosage into a predicted efficacy. Its last bias **b3** shifts every "
    "prediction up or down by the same amount, so dy_hat/db3 = 1 and each sample's share of the "
    "slope is just dSSR/dy_hat = -2 (y - y_hat)."
)
b3 = st.number_input("b3", value=ex.SSR_START_B3, step=0.1, format="%.4f", key="ssr_b3")
per_sample, total, numeric = tables(float(b3))
st.dataframe(per_sample, hide_index=True, key="ssr_table")
left, right = st.columns(2)
left.metric("dSSR/db3 (sum of the last column)", f"{total:.4f}")
right.metric("central finite difference", f"{numeric:.4f}")
if b3 == ex.SSR_START_B3:
    st.caption(f"Article: -15.7 · computed: {total:.4f}")
