"""Helpers for tests of data migrations (``MigrationExecutor`` in a transactional test)."""


def migration_before(executor, app: str, name_end: str) -> tuple[str, str]:
    """The migration of ``app`` that the one whose name ends with ``name_end`` follows, whatever their numbers
    (branches renumber their migrations when they land after others)."""
    graph = executor.loader.graph
    (node,) = [key for key in graph.nodes if key[0] == app and key[1].endswith(name_end)]
    (parent,) = [p.key for p in graph.node_map[node].parents if p.key[0] == app]
    return parent
