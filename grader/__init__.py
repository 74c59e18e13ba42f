"""Backprop Lab's grader: isolated pytest checks of the exercises, for learners and for whole classes."""
