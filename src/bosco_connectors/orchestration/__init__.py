"""Running many syncs on many workers: the app-wide vendor budget (`lanes`) and the Prefect
flow (`prefect`, with the ``[prefect]`` extra)."""
