def seed(*, stdout) -> None:
    """Demo data for this area (idempotent); called by manage.py seed_demo."""
