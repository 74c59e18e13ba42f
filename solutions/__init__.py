"""Reference implementations of every exercise, with the same names and signatures."""
