"""The `twin` command line. Commands parse, call one core function and print."""

from cli.main import main

__all__ = ["main"]
