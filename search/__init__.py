"""Search (搜索): lessons, courses and — for staff — the teacher pool.

- One service: ``search.services.search(query, filters, page, user=None) -> SearchResult``
  (hits with <mark> highlights, facet counts for kind, module and school tier, total,
  page/pages; filters: those three and audience, teacher kind), used by
  the page /search/ and by GET /api/v1/search/ (plus /api/v1/search/suggest/).
- Backends: the database (default; search/backends/database.py, Chinese handled in
  search/text.py) and Elasticsearch via elasticsearch-dsl when ELASTICSEARCH_URL is set
  (search/documents.py, search/backends/elasticsearch.py). Elasticsearch down → database
  results marked ``degraded``; /healthz shows ``fallback: database``.
- What is indexed: search/sources.py (live, public pages; active teachers without contact
  details). Who sees what: search/access.py (members and teachers: lessons and courses;
  staff and superusers: also teachers; accounts without a role: nothing).
- Keeping it current: search/signals.py → Celery tasks in search/tasks.py after commit;
  full rebuild: ``manage.py search_rebuild`` (zero-downtime alias swap on Elasticsearch).
"""
