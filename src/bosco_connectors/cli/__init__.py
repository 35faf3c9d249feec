"""The ``bosco-sync`` command line."""
