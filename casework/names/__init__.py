"""Names across scripts: the search keys a person's names are found by (readings.py, pure)
and the service that stores them beside the case (keys.py)."""
