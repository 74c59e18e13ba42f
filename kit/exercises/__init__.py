"""Your exercises: fill in each function as its docstring says, then check them with `python -m grader`."""
