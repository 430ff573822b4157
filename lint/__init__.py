"""Lint now: `driftgate lint` finds the files, reads the config, runs the rules, reports.

This room does the I/O and the presentation; what must hold (the rules, the
workflow model, the parsers, the pack) lives in `driftgate.policies`, which it
asks and which never imports it.
"""
