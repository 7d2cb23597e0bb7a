/// The chat page served at `GET /chat`: it connects back to the host it was loaded from
/// (`?room=NAME` joins that room at once), shows joins and leaves with the room's count, chat
/// lines with their time and user, and who is typing; it sends `typing` at most once a second
/// while keys are pressed.
enum ChatPage {
    static let html = Array("""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Ringway chat</title>
        <style>
          body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
          #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; }
          .notice { color: #777; font-style: italic; }
          .time { color: #999; font-variant-numeric: tabular-nums; margin-right: .5em; }
          #typing { color: #777; height: 1.2rem; }
        </style>
        </head>
        <body>
        <h1>Ringway chat</h1>
        <form id="join">
          <input id="room" placeholder="room" value="lobby" required>
          <button>Join</button>
        </form>
        <p>Room: <strong id="roomName">–</strong> · <span id="count">0</span> online</p>
        <div id="log"></div>
        <div id="typing"></div>
        <form id="send"><input id="message" placeholder="message" autocomplete="off" disabled><button disabled>Send</button></form>
        <script>
        // The server speaks the seed guide's chat: user_joined / user_left (message, room,
        // user_count), chat (message, user, room, timestamp in seconds since 1970), typing
        // (user, room; never our own), and {"error": "Invalid JSON"}.
        const $ = (id) => document.getElementById(id);
        const params = new URLSearchParams(location.search);
        if (params.get("room")) $("room").value = params.get("room");
        let socket = null, typingTimer = null, lastTyping = 0;
        function line(parts, cls) {
          const div = document.createElement("div");
          for (const [text, partClass] of parts) {
            const span = document.createElement("span");
            span.textContent = text;
            if (partClass) span.className = partClass;
            div.appendChild(span);
          }
          if (cls) div.className = cls;
          $("log").appendChild(div);
          $("log").scrollTop = $("log").scrollHeight;
        }
        function clearTyping() { clearTimeout(typingTimer); $("typing").textContent = ""; }
        function connect(room) {
          const scheme = location.protocol === "https:" ? "wss" : "ws";
          socket = new WebSocket(`${scheme}://${location.host}/chat/${encodeURIComponent(room)}`);
          $("roomName").textContent = room;
          socket.onopen = () => { $("message").disabled = false; $("send").querySelector("button").disabled = false; document.body.dataset.state = "open"; };
          socket.onclose = () => { document.body.dataset.state = "closed"; line([["disconnected"]], "notice"); };
          socket.onmessage = (event) => {
            const data = JSON.parse(event.data);
            if (data.error) { line([[`error: ${data.error}`]], "notice"); return; }
            if (data.type === "user_joined" || data.type === "user_left") {
              $("count").textContent = data.user_count;
              line([[`${data.message} (${data.user_count} online)`]], "notice");
            } else if (data.type === "chat") {
              clearTyping();
              const text = typeof data.message === "string" ? data.message : JSON.stringify(data.message);
              line([[new Date(data.timestamp * 1000).toLocaleTimeString(), "time"], [`User ${data.user}: ${text}`]], "chat");
            } else if (data.type === "typing") {
              $("typing").textContent = `User ${data.user} is typing…`;
              clearTimeout(typingTimer);
              typingTimer = setTimeout(clearTyping, 3000);
            }
          };
        }
        $("join").onsubmit = (event) => { event.preventDefault(); if (socket) socket.close(); connect($("room").value); };
        $("message").oninput = () => {
          // At most one typing notice a second while keys are pressed.
          const now = Date.now();
          if (socket && socket.readyState === 1 && now - lastTyping >= 1000) {
            lastTyping = now;
            socket.send(JSON.stringify({type: "typing"}));
          }
        };
        $("send").onsubmit = (event) => {
          event.preventDefault();
          const text = $("message").value.trim();
          if (text && socket && socket.readyState === 1) socket.send(JSON.stringify({type: "chat", message: text}));
          $("message").value = "";
          lastTyping = 0;
        };
        if (params.get("room")) connect(params.get("room"));
        </script>
        </body>
        </html>

        """.utf8)
}
