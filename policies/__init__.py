"""What must hold: the deploy invariants, pure (no network, database or subprocess).

`checks` (verify now) and `monitor` (verify continuously) ask this package
for verdicts; it never imports either of them.
"""
