"""DDL for the database backend's full-text index, per database vendor.

Used by migration 0002 and by ``fts_ensure()`` (search_rebuild runs it again: on SQLite a
later table rebuild by a migration would drop the triggers that keep FTS5 in sync)."""

# PostgreSQL: a stored generated tsvector column with a GIN index. Stored, so a row check
# never re-runs to_tsvector over a long body; stripped (no positions or weights: matching is
# by token sets, ranking is done on titles), so it stays small to read. The column is unknown
# to the Django model on purpose (the model is the same on SQLite); PostgreSQL computes it
# on every write.
PG_VECTOR_EXPRESSION = (
    "strip(to_tsvector('simple'::regconfig, COALESCE(title_tokens, '') || ' ' || COALESCE(body_tokens, '')))"
)
PG_MATCH_SQL = '"search_searchentry"."search_vector" @@ to_tsquery(\'simple\'::regconfig, %s)'
POSTGRESQL_FORWARD = [
    "DROP INDEX IF EXISTS search_entry_tsv_gin",  # the expression index of migration 0002
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR_EXPRESSION}) STORED",
    # fastupdate off: no pending list that makes searches slow (and plans wrong) after a
    # bulk rebuild until the next vacuum; writes are small and incremental anyway.
    "CREATE INDEX IF NOT EXISTS search_entry_vector_gin ON search_searchentry USING GIN (search_vector) "
    "WITH (fastupdate = off)",
]
# The pass that counts facets and ranks reads every matching row, but only its narrow columns
# (kind, module, school tier, audiences, title); bodies, token columns and the vector are read
# for the page's ten rows at most. Rows are ~1.3 kB, under the 2 kB at which PostgreSQL moves
# wide values out of line, so by default that pass walks a heap of mostly text it never reads.
# A 128-byte toast target stores the wide values out of line (a heap 2.4x smaller on the bench
# data); title and audiences are PLAIN so that they always stay in the row. Applies to rows
# written afterwards (search_rebuild rewrites all); ALTER COLUMN … TYPE resets a column's
# storage, which is why fts_ensure() applies it again at every rebuild.
POSTGRESQL_LAYOUT = [
    "ALTER TABLE search_searchentry ALTER COLUMN title SET STORAGE PLAIN",
    "ALTER TABLE search_searchentry ALTER COLUMN audiences SET STORAGE PLAIN",
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 128)",
]
POSTGRESQL_LAYOUT_BACKWARD = [
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    "ALTER TABLE search_searchentry ALTER COLUMN audiences SET STORAGE EXTENDED",
    "ALTER TABLE search_searchentry ALTER COLUMN title SET STORAGE EXTENDED",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_vector_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
]

# SQLite: an external-content FTS5 table over the two token columns, synced by triggers.
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_searchentry_fts USING fts5("
    "title_tokens, body_tokens, content='search_searchentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS search_searchentry_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_searchentry_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_searchentry_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER IF NOT EXISTS search_searchentry_fts_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); "
    "INSERT INTO search_searchentry_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_searchentry_fts_au",
    "DROP TRIGGER IF EXISTS search_searchentry_fts_ad",
    "DROP TRIGGER IF EXISTS search_searchentry_fts_ai",
    "DROP TABLE IF EXISTS search_searchentry_fts",
]
SQLITE_REBUILD = "INSERT INTO search_searchentry_fts(search_searchentry_fts) VALUES ('rebuild')"

FORWARD = {"postgresql": POSTGRESQL_FORWARD + POSTGRESQL_LAYOUT, "sqlite": SQLITE_FORWARD}
BACKWARD = {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD}


def fts_ensure(connection) -> None:
    """Create the full-text index if missing (idempotent); other vendors use LIKE only."""
    statements = FORWARD.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
