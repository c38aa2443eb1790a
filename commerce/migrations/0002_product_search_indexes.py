"""Full-text and trigram indexes for product search, on PostgreSQL only.

The embedded SQLite default has neither tsvector nor pg_trgm; search there falls back to plain
matching (see docs/decisions/0005-catalog-search.md), so this migration does nothing on it. The
indexes live outside the model state because SQLite could not build them.
"""

from typing import Any

from django.db import migrations

# Exactly the expression commerce.selectors.SEARCH_VECTOR compiles to (as EXPLAIN prints it), or the
# planner cannot use the index.
SEARCH_VECTOR_SQL = (
    "((setweight(to_tsvector('english'::regconfig, (COALESCE(title, ''::character varying))::text), 'A'::\"char\") || "
    "setweight(to_tsvector('english'::regconfig, (COALESCE(tags, ''::character varying))::text), 'B'::\"char\")) || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(description, ''::text)), 'C'::\"char\"))"
)

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS product_search_vector_idx ON commerce_product USING gin ({SEARCH_VECTOR_SQL})",
    "CREATE INDEX IF NOT EXISTS product_title_trgm_idx ON commerce_product USING gin (title gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS product_title_trgm_idx",
    "DROP INDEX IF EXISTS product_search_vector_idx",
]


def _run(statements: list[str], schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def create_indexes(apps: Any, schema_editor: Any) -> None:
    _run(FORWARD, schema_editor)


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    _run(BACKWARD, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_catalog")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
