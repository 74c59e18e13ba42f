"""The checks, one pytest module per exercise module (run: python -m pytest grader/checks --submission PATH)."""
