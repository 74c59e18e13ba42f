"""The process pool a class run grades in: workers forked from a server that has pytest and the checks imported."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver

PRELOAD = ["grader.api"]  # what every pool worker starts with


def context() -> multiprocessing.context.ForkServerContext:
    """A forkserver, not fork: a pool worker must not inherit this process's sandboxes, threads or sockets."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_early() -> None:
    """Start the server now, so its imports overlap with this process's own (a class run starts 0.1 s sooner)."""
    context()
    multiprocessing.forkserver.ensure_running()
