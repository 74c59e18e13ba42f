"""Backprop Lab's Streamlit dashboard: a thin layer that calls solutions/ and draws the results."""
