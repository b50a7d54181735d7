"""A tiny in-process stand-in for the few Elasticsearch REST calls the index lifecycle makes
(no cluster can be installed here). It records every request so tests can check the
sequence and bodies — create, bulk, refresh, ONE atomic alias update, delete — as data.
It does not search: query bodies are checked as data in test_elasticsearch.py."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class FakeCluster:
    def __init__(self):
        self.indices: dict[str, dict] = {}  # name -> {"body": create body, "docs": {id: source}}
        self.aliases: dict[str, set[str]] = {}  # alias -> indices
        self.requests: list[tuple[str, str, object]] = []
        self.lock = threading.Lock()

    def resolve(self, name: str) -> list[str]:
        if name in self.indices:
            return [name]
        return sorted(self.aliases.get(name, ()))


class Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster

    def log_message(self, *args):
        pass

    def _send(self, status: int, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return raw

    def _handle(self):
        c = self.cluster
        path = urlparse(self.path).path.strip("/")
        parts = path.split("/") if path else []
        raw = self._body()
        with c.lock:
            body = raw
            if raw and not parts[-1:] == ["_bulk"]:
                body = json.loads(raw)
            c.requests.append((self.command, "/" + path, body))
            m = self.command
            if not parts:
                return self._send(200, {"version": {"number": "8.15.0"}, "tagline": "You Know, for Search"})
            if parts == ["_aliases"] and m == "POST":
                new = {a: set(v) for a, v in c.aliases.items()}
                for action in body["actions"]:
                    ((op, args),) = action.items()
                    if op == "add":
                        new.setdefault(args["alias"], set()).add(args["index"])
                    elif op == "remove":
                        new.get(args["alias"], set()).discard(args["index"])
                    elif op == "remove_index":
                        c.indices.pop(args["index"], None)
                c.aliases = {a: v for a, v in new.items() if v}
                return self._send(200, {"acknowledged": True})
            if parts[0] == "_alias" and m == "GET":
                targets = c.aliases.get(parts[1])
                if not targets:
                    return self._send(404, {"error": "alias missing", "status": 404})
                return self._send(200, {i: {"aliases": {parts[1]: {}}} for i in targets})
            if parts == ["_bulk"]:
                lines = [json.loads(x) for x in raw.splitlines() if x.strip()]
                items = []
                for meta, source in zip(lines[0::2], lines[1::2], strict=True):
                    ((op, info),) = meta.items()
                    for name in c.resolve(info["_index"]):
                        c.indices[name]["docs"][info["_id"]] = source
                    items.append({op: {"_index": info["_index"], "_id": info["_id"], "status": 201}})
                return self._send(200, {"took": 1, "errors": False, "items": items})
            if len(parts) == 2 and parts[1] == "_refresh":
                return self._send(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            if len(parts) == 1:
                name = parts[0]
                if m == "PUT":
                    c.indices[name] = {"body": body, "docs": {}}
                    return self._send(200, {"acknowledged": True, "index": name})
                if m == "HEAD":
                    return self._send(200 if c.resolve(name) else 404)
                if m == "DELETE":
                    c.indices.pop(name, None)
                    return self._send(200, {"acknowledged": True})
            if len(parts) == 3 and parts[1] == "_doc":
                targets = c.resolve(parts[0])
                if m in ("PUT", "POST"):
                    for name in targets:
                        c.indices[name]["docs"][parts[2]] = body
                    return self._send(201, {"_index": targets[0], "_id": parts[2], "result": "created", "_version": 1})
                if m == "DELETE":
                    found = any(c.indices[n]["docs"].pop(parts[2], None) is not None for n in targets)
                    return self._send(
                        200 if found else 404, {"_id": parts[2], "result": "deleted" if found else "not_found"}
                    )
            return self._send(400, {"error": f"fake cluster: unsupported {m} /{path}", "status": 400})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def start() -> tuple[FakeCluster, ThreadingHTTPServer, str]:
    cluster = FakeCluster()
    handler = type("BoundHandler", (Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return cluster, server, f"http://127.0.0.1:{server.server_address[1]}"
