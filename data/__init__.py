"""The project's data files and their loaders (file IO lives here, never in solutions/ or exercises/)."""
