"""driftgate.monitor: verify continuously. The Prometheus exporter.

It probes each target's health endpoint (`probe.py`), keeps the latest
observation per target (`state.py`), and exposes them through a custom
collector (`collector.py`) served over HTTP (`server.py`), either polled in
the background (`poller.py`) or driven by Prometheus through `/probe`.
Every verdict on a payload comes from `driftgate.policies.health`.
"""
