import Foundation

/// Files the non-Swift peers need in their scratch directory: nginx's config and the Python servers' ASGI apps.
enum PeerFiles {
    /// Writes an nginx.conf serving `/plaintext` and `/json` on `port`; returns its location.
    static func writeNginxConfig(port: Int, in directory: URL) throws -> URL {
        let dir = directory.path
        let config = """
            worker_processes 1;
            master_process on;
            daemon off;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log warn;
            worker_rlimit_nofile 65536;
            events {
                worker_connections 20000;
                multi_accept on;
            }
            http {
                access_log off;
                keepalive_requests 1000000;
                keepalive_timeout 120s;
                client_body_temp_path \(dir)/client_body;
                proxy_temp_path \(dir)/proxy;
                fastcgi_temp_path \(dir)/fastcgi;
                uwsgi_temp_path \(dir)/uwsgi;
                scgi_temp_path \(dir)/scgi;
                server {
                    listen 127.0.0.1:\(port) backlog=4096;
                    location = /plaintext {
                        default_type text/plain;
                        return 200 "Hello, World!";
                    }
                    location = /json {
                        default_type application/json;
                        return 200 '{"message":"Hello, World!"}';
                    }
                    location / {
                        return 404;
                    }
                }
            }

            """
        let url = directory.appendingPathComponent("nginx.conf")
        try config.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Writes `app.py`, an ASGI app with the benchmark routes and WebSocket echo, for uvicorn and granian.
    static func writeASGIApp(in directory: URL) throws {
        let app = #"""
            PLAINTEXT = b"Hello, World!"
            JSON = b'{"message":"Hello, World!"}'


            def _head(status, content_type, length):
                return {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", content_type), (b"content-length", str(length).encode())],
                }


            async def _http(scope, receive, send):
                method, path = scope["method"], scope["path"]
                if method == "GET" and path == "/plaintext":
                    status, content_type, body = 200, b"text/plain", PLAINTEXT
                elif method == "GET" and path == "/json":
                    status, content_type, body = 200, b"application/json", JSON
                elif method == "POST" and path == "/echo":
                    chunks, more = [], True
                    while more:
                        message = await receive()
                        chunks.append(message.get("body", b""))
                        more = message.get("more_body", False)
                    status, content_type, body = 200, b"application/octet-stream", b"".join(chunks)
                else:
                    status, content_type, body = 404, b"text/plain", b""
                await send(_head(status, content_type, len(body)))
                await send({"type": "http.response.body", "body": body})


            async def _websocket(scope, receive, send):
                if scope["path"] != "/ws/echo":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                while True:
                    message = await receive()
                    kind = message["type"]
                    if kind == "websocket.connect":
                        await send({"type": "websocket.accept"})
                    elif kind == "websocket.receive":
                        if message.get("bytes") is not None:
                            await send({"type": "websocket.send", "bytes": message["bytes"]})
                        else:
                            await send({"type": "websocket.send", "text": message.get("text", "")})
                    elif kind == "websocket.disconnect":
                        return


            async def _lifespan(receive, send):
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await send({"type": "lifespan.shutdown.complete"})
                        return


            async def app(scope, receive, send):
                if scope["type"] == "http":
                    await _http(scope, receive, send)
                elif scope["type"] == "websocket":
                    await _websocket(scope, receive, send)
                elif scope["type"] == "lifespan":
                    await _lifespan(receive, send)

            """#
        try app.write(to: directory.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
    }

    /// Writes `sse_app.py`: the SSE fan-out routes on Starlette with sse-starlette, for uvicorn and granian.
    ///
    /// Written the way its users write a broadcast: one `asyncio.Queue` per subscriber, an
    /// `EventSourceResponse` over an async generator reading it; the POST puts the event on every
    /// queue. The queue is registered before the response starts, so a subscriber whose head has
    /// arrived gets every later event.
    static func writeSSEApp(in directory: URL) throws {
        let app = #"""
            import asyncio

            from sse_starlette import EventSourceResponse
            from starlette.applications import Starlette
            from starlette.responses import JSONResponse
            from starlette.routing import Route


            class Topic:
                def __init__(self):
                    self.last_id = 0
                    self.queues = set()


            topics = {}


            def _topic(request):
                name = request.path_params["topic"]
                topic = topics.get(name)
                if topic is None:
                    topic = topics[name] = Topic()
                return topic


            async def subscribe(request):
                topic = _topic(request)
                queue = asyncio.Queue()
                topic.queues.add(queue)

                async def events():
                    try:
                        while True:
                            yield await queue.get()
                    finally:
                        topic.queues.discard(queue)

                return EventSourceResponse(events())


            async def publish(request):
                topic = _topic(request)
                data = (await request.body()).decode()
                topic.last_id += 1
                event = {"id": str(topic.last_id), "data": data}
                for queue in topic.queues:
                    queue.put_nowait(event)
                return JSONResponse({"id": topic.last_id, "subscribers": len(topic.queues)}, status_code=202)


            app = Starlette(
                routes=[
                    Route("/sse/topics/{topic}", subscribe, methods=["GET"]),
                    Route("/sse/topics/{topic}", publish, methods=["POST"]),
                ]
            )

            """#
        try app.write(to: directory.appendingPathComponent("sse_app.py"), atomically: true, encoding: .utf8)
    }
}
