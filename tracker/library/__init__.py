"""Pieces of the library façade (:mod:`tracker.api`) that the CLI shares: the built-in
workflow catalogue, cost estimates, status timelines, the test-fidelity gate, version
and update information. Each module is small and imports nothing heavy at load time.
"""
