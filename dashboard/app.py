"""Backprop Lab's dashboard entry point: page setup and navigation (run: streamlit run dashboard/app.py)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root that holds solutions/.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import mathsource  # noqa: E402  (needs the project root on sys.path first)

st.set_page_config(page_title="Backprop Lab", layout="wide")
# Streamlit forgets the value of a widget it did not draw in this run, so b3 would reset whenever the learner
# visits another page. Re-assigning a key makes its value the session's own and keeps it across pages.
KEPT_WIDGETS = ("_b3", "_lr", "_max_steps", "_w1", "_w2", "_b", "_curve_param", "_pick_name", "_pick_value")
KEPT_WIDGETS += ("_train_seed", "_train_steps")  # the every-parameter sections' inputs  # the inputs' key endings
for key in [k for k in st.session_state if isinstance(k, str) and k.endswith(KEPT_WIDGETS)]:
    st.session_state[key] = st.session_state[key]
pages = [
    st.Page("views/overview.py", title="Overview", default=True),
    st.Page("views/ssr.py", title="Sum of squared residuals"),
    st.Page("views/cross_entropy.py", title="Cross-entropy with SoftMax"),
    st.Page("views/sigmoid.py", title="Sigmoid with binary cross-entropy"),
    st.Page("views/check.py", title="Check my exercises"),
    st.Page("views/analytics.py", title="Class analytics"),
]
mathsource.refresh()
try:
    st.navigation(pages).run()
except mathsource.NotWritten as missing:
    # Only in a learner release, where the pages compute with the learner's functions: say what is missing.
    st.warning(
        f"The rest of this page needs {missing}. This copy of Backprop Lab has no reference solutions, so every "
        "number on these pages comes from your own functions in exercises/. Write or fix it, save the file, and this "
        "page picks it up when you next change a control or reload."
    )
except Exception as error:
    if mathsource.REFERENCE:
        raise  # with the reference solutions a failure is the dashboard's own bug: show it as one
    # In a release the numbers are the learner's: one of a wrong shape or type can break the page's own arithmetic.
    st.error(
        f"The rest of this page could not be computed from your functions' values ({type(error).__name__}: "
        f"{mathsource.learner.escaped(str(error))}). One of them probably returns the wrong shape or type: "
        "**Check my exercises** says which."
    )
