/// The seed guide's EventSource page, served at `GET /sse/page`: each update with its local
/// time, "Error: Connection lost" on errors. The browser reconnects on its own and sends the
/// last id back, so the count continues.
enum SSEPage {
    static let html = Array("""
        <!DOCTYPE html>
        <html>
        <head><meta charset="utf-8"><title>Server-Sent Events</title></head>
        <body>
        <h1>Server-Sent Events Demo</h1>
        <div id="messages"></div>
        <script>
        const eventSource = new EventSource('/sse');
        const messages = document.getElementById('messages');
        eventSource.onmessage = function(event) {
            const data = JSON.parse(event.data);
            const text = data.type === 'connected' ? 'Connected' : data.message;
            messages.innerHTML += '<div class="' + data.type + '">' +
                new Date(data.timestamp * 1000).toLocaleString() +
                ': ' + text + '</div>';
        };
        eventSource.onerror = function(event) {
            messages.innerHTML += '<div class="error">Error: Connection lost</div>';
        };
        </script>
        </body>
        </html>

        """.utf8)
}
