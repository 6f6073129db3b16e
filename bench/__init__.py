"""`make bench` (issue 10): how the service answers with 1,000 to 1,000,000 families.

The records are seeded straight into the store (`bench/families.py`, `bench/seed.py`), the
service runs as in production (gunicorn, 2 workers × 4 threads, `bench/server.py`), `wrk`
loads its pages and a small threaded driver walks its multi-step forms (`bench/drive.py`); a
bare Flask « hello » and a static file give the floor every number is compared with.
`bench/__main__.py` runs it all and writes `bench/results.md`.
"""
