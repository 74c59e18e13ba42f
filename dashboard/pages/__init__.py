"""The dashboard's pages, one per method."""
