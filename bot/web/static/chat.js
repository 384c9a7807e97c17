// The web chat: a thin client of the dialog engine over one WebSocket.
// Server → client: {type:"reply", text, options[], links[], language, dir, secret,
//                   file: {name, type, size, url} | null}
// Client → server: {type:"text"|"choice"|"file", ...}
(() => {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const fileInput = document.getElementById("file");
  const statusDot = document.getElementById("status");
  let socket = null;
  let retryMs = 500;
  let expectsSecret = false;

  function setDirection(language, dir) {
    document.documentElement.lang = language;
    document.documentElement.dir = dir;
  }

  function addMessage(who, text, dir) {
    const item = document.createElement("li");
    item.className = `msg msg--${who}`;
    item.dir = dir || "auto";
    item.textContent = text;  // never innerHTML: user and bot text are plain text
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function disableOldOptions() {
    for (const button of log.querySelectorAll(".msg__option")) button.disabled = true;
  }

  function fileSize(bytes, language) {
    const kilobytes = Math.max(1, Math.round(bytes / 1024));
    try {
      return new Intl.NumberFormat(language, { style: "unit", unit: "kilobyte" }).format(kilobytes);
    } catch (error) {
      return `${kilobytes} KB`;
    }
  }

  // A reply's file under its text: a link to download it, and a thumbnail for a picture.
  function showFile(item, file, language) {
    const box = document.createElement("div");
    box.className = "msg__file";
    const a = document.createElement("a");
    a.className = "msg__file-link";
    a.href = file.url;
    a.download = file.name;
    a.rel = "noopener";
    if (file.type.startsWith("image/")) {
      const thumb = document.createElement("img");
      thumb.className = "msg__thumb";
      thumb.src = file.url;
      thumb.alt = file.name;
      thumb.loading = "lazy";
      const picture = document.createElement("a");
      picture.href = file.url;
      picture.target = "_blank";
      picture.rel = "noopener";
      picture.appendChild(thumb);
      box.appendChild(picture);
    }
    const name = document.createElement("bdi");  // a Latin name inside Persian text stays whole
    name.textContent = file.name;
    a.append("📎 ", name, ` (${fileSize(file.size, language)})`);
    box.appendChild(a);
    item.appendChild(box);
  }

  function showReply(reply) {
    setDirection(reply.language, reply.dir);
    const item = addMessage("bot", reply.text, reply.dir);
    if (reply.file) showFile(item, reply.file, reply.language);
    if (reply.options.length) {
      disableOldOptions();
      const row = document.createElement("div");
      row.className = "msg__options";
      for (const option of reply.options) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "msg__option";
        button.textContent = option.label;
        button.dataset.option = option.id;
        button.addEventListener("click", () => {
          addMessage("me", option.label);
          send({ type: "choice", id: option.id });
        });
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    for (const link of reply.links) {
      const a = document.createElement("a");
      a.className = "msg__link";
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.textContent = link.label;
      item.appendChild(document.createElement("br"));
      item.appendChild(a);
    }
    expectsSecret = reply.secret;
    input.type = expectsSecret ? "password" : "text";
    log.scrollTop = log.scrollHeight;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  // A one-time login link (/?login=CODE) goes to the server with the first socket that opens,
  // and off the address bar at once, so a reload or a shared screenshot does not carry it.
  let loginToken = new URLSearchParams(location.search).get("login");
  if (loginToken) history.replaceState(null, "", location.pathname);

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const hint = (navigator.language || "en").slice(0, 2);
    let url = `${scheme}://${location.host}/ws?lang=${encodeURIComponent(hint)}`;
    if (loginToken) url += `&login=${encodeURIComponent(loginToken)}`;
    socket = new WebSocket(url);
    statusDot.dataset.state = "connecting";
    socket.addEventListener("open", () => {
      statusDot.dataset.state = "open";
      retryMs = 500;
      loginToken = null;
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "reply") showReply(message);
    });
    socket.addEventListener("close", () => {
      statusDot.dataset.state = "closed";
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    // A password is never echoed into the transcript.
    addMessage("me", expectsSecret ? "••••••" : text);
    send({ type: "text", text });
    input.value = "";
  });

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const data = String(reader.result).split(",", 2)[1];
      addMessage("me", `📎 ${file.name}`);
      send({ type: "file", name: file.name, content_type: file.type, data });
    };
    reader.readAsDataURL(file);
    fileInput.value = "";
  });

  connect();
})();
