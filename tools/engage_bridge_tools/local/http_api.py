"""The template's HTTP API routes and function URLs on localhost: each request becomes a payload 2.0 event for its
function (both deliver the same format)."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from engage_bridge_tools.local.containers import FunctionPool
from engage_bridge_tools.local.lambda_events import http_api_event
from engage_bridge_tools.local.stack import HttpRoute

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit


class LocalHttpApi:
    def __init__(self, routes: tuple[HttpRoute, ...], pools: dict[str, FunctionPool], host: str, port: int) -> None:
        self.routes = {(route.method, route.path): pools[route.function] for route in routes}
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-http-api", daemon=True)

    def match(self, method: str, path: str) -> tuple[str | None, dict[str, str]]:
        """The route ``path`` takes and its path parameters, as API Gateway matches ``/feeds/{token}/{file}``."""
        if (method, path) in self.routes:
            return path, {}
        segments = path.split("/")
        for route_method, route in self.routes:
            template = route.split("/")
            if route_method != method or len(template) != len(segments) or "{" not in route:
                continue
            parameters: dict[str, str] = {}
            for part, value in zip(template, segments, strict=True):
                if part.startswith("{") and part.endswith("}") and value:
                    parameters[part[1:-1]] = unquote(value)
                elif part != value:
                    break
            else:
                return route, parameters
        return None, {}

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(api: LocalHttpApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._route()

        def do_POST(self) -> None:
            self._route()

        def do_PUT(self) -> None:
            self._route()

        def log_message(self, format: str, *args: Any) -> None:
            return  # requests are visible in the function's own log

        def _route(self) -> None:
            target = urlsplit(self.path)
            route, parameters = api.match(self.command, target.path)
            pool = api.routes.get((self.command, route)) if route else None
            if pool is None:
                self._reply(404, {"content-type": "application/json"}, json.dumps({"message": "Not Found"}).encode())
                return
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self._reply(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
                return
            body = self.rfile.read(length) if length else b""
            event = http_api_event(
                self.command,
                target.path,
                query=target.query,
                headers=dict(self.headers.items()),
                body=body,
                source_ip=str(self.client_address[0]),
            )
            if parameters:
                event["pathParameters"] = parameters
                event["routeKey"] = event["requestContext"]["routeKey"] = f"{self.command} {route}"
            try:
                answer = pool.invoke(event)
            except Exception:
                self._reply(500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}')
                return
            self._answer(answer)

        def _answer(self, answer: Any) -> None:
            if not isinstance(answer, dict) or "statusCode" not in answer:
                # Payload 2.0 treats any other return value as a 200 with it as a JSON body.
                self._reply(200, {"content-type": "application/json"}, json.dumps(answer).encode())
                return
            body = answer.get("body") or ""
            raw = base64.b64decode(body) if answer.get("isBase64Encoded") else str(body).encode("utf-8")
            self._reply(int(answer["statusCode"]), dict(answer.get("headers") or {}), raw)

        def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
