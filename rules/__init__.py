"""Rules of the journeys, in plain Python: no Flask here, so tests can call them directly."""
