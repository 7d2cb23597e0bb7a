import Foundation

/// Files the non-Swift peers need in their scratch directory: nginx's config and the Python servers' ASGI app.
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
}
