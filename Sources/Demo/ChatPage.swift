/// The chat page served at `GET /chat`: it connects back to the host it was loaded from.
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
          #typing { color: #777; height: 1.2rem; }
        </style>
        </head>
        <body>
        <h1>Ringway chat</h1>
        <form id="join">
          <input id="user" placeholder="your name" required>
          <input id="room" placeholder="room" value="lobby" required>
          <button>Join</button>
        </form>
        <p>Room: <strong id="roomName">–</strong> · <span id="count">0</span> online</p>
        <div id="log"></div>
        <div id="typing"></div>
        <form id="send"><input id="message" placeholder="message" autocomplete="off" disabled><button disabled>Send</button></form>
        <script>
        const $ = (id) => document.getElementById(id);
        const params = new URLSearchParams(location.search);
        if (params.get("user")) $("user").value = params.get("user");
        if (params.get("room")) $("room").value = params.get("room");
        let socket = null, typingTimer = null;
        function line(text, cls) {
          const div = document.createElement("div");
          div.textContent = text;
          if (cls) div.className = cls;
          $("log").appendChild(div);
          $("log").scrollTop = $("log").scrollHeight;
        }
        function connect(user, room) {
          const scheme = location.protocol === "https:" ? "wss" : "ws";
          socket = new WebSocket(`${scheme}://${location.host}/chat/${encodeURIComponent(room)}?user=${encodeURIComponent(user)}`);
          $("roomName").textContent = room;
          socket.onopen = () => { $("message").disabled = false; $("send").querySelector("button").disabled = false; document.body.dataset.state = "open"; };
          socket.onclose = () => { document.body.dataset.state = "closed"; line("disconnected", "notice"); };
          socket.onmessage = (event) => {
            const data = JSON.parse(event.data);
            if (data.error) { line(`error: ${data.error}`, "notice"); return; }
            if (data.type === "join" || data.type === "leave") {
              $("count").textContent = data.count;
              line(`${data.user} ${data.type === "join" ? "joined" : "left"} (${data.count} online)`, "notice");
            } else if (data.type === "chat") {
              $("typing").textContent = "";
              line(`${data.user}: ${data.message}`, "chat");
            } else if (data.type === "typing") {
              $("typing").textContent = `${data.user} is typing…`;
              clearTimeout(typingTimer);
              typingTimer = setTimeout(() => $("typing").textContent = "", 2000);
            }
          };
        }
        $("join").onsubmit = (event) => { event.preventDefault(); if (socket) socket.close(); connect($("user").value, $("room").value); };
        $("message").oninput = () => { if (socket && socket.readyState === 1) socket.send(JSON.stringify({type: "typing"})); };
        $("send").onsubmit = (event) => {
          event.preventDefault();
          const text = $("message").value.trim();
          if (text && socket && socket.readyState === 1) socket.send(JSON.stringify({type: "chat", message: text}));
          $("message").value = "";
        };
        if (params.get("user") && params.get("room")) connect(params.get("user"), params.get("room"));
        </script>
        </body>
        </html>

        """.utf8)
}
