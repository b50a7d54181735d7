"""Full rebuild of the search indices from the source tables.

Database backend: all entries replaced in one transaction. Elasticsearch (when configured):
new versioned indices, bulk load, one atomic alias swap, old versions deleted — searches keep
being answered from the old indices until the swap (zero downtime)."""

from django.core.management.base import BaseCommand, CommandError

from search.services import es_enabled, search_index_rebuild


class Command(BaseCommand):
    help = "重建搜索索引（数据库条目与 Elasticsearch 别名索引）"

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--database-only", action="store_true", help="只重建数据库搜索条目")
        group.add_argument("--elasticsearch-only", action="store_true", help="只重建 Elasticsearch 索引")

    def handle(self, *args, database_only=False, elasticsearch_only=False, **options):
        if elasticsearch_only and not es_enabled():
            raise CommandError("未配置 ELASTICSEARCH_URL，无法重建 Elasticsearch 索引。")
        out = search_index_rebuild(database_only=database_only, elasticsearch_only=elasticsearch_only)
        if "database_entries" in out:
            self.stdout.write(f"数据库搜索条目：{out['database_entries']} 条")
        for kind, name in out.get("elasticsearch_indices", {}).items():
            self.stdout.write(f"Elasticsearch {kind}: {name}")
