"""Learner exercises: fill in each function, then run `python -m pytest` or the dashboard's checks."""
