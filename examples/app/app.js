// The status page: a WebSocket to /live/ brings this server's status reports (the table and the
// chart, pushed every second: nothing is polled) and the clock reports another process publishes
// on the bus (with how long each took to arrive); admin buttons and the upload form call the API.
const $ = (id) => document.getElementById(id);
const WIDTH = 600,
  HEIGHT = 120,
  SLOTS = 60;

function chartPath(samples) {
  const top = Math.max(1, ...samples);
  const step = WIDTH / (SLOTS - 1);
  const offset = SLOTS - samples.length;
  return samples
    .map((v, i) => `${i ? "L" : "M"}${((offset + i) * step).toFixed(1)} ${(HEIGHT - 4 - (v / top) * (HEIGHT - 8)).toFixed(1)}`)
    .join(" ");
}

function drawStatus(s) {
  const d = s.daemon;
  $("daemon").textContent =
    `open ${d.open}, accepted ${d.accepted}, requests ${d.requests}, abandoned ${d.abandoned}, timeouts ${d.timeouts}, servlet errors ${d.servletErrors}`;
  $("servers").tBodies[0].replaceChildren(
    ...Object.entries(s.servers).map(([name, c]) => {
      const tr = document.createElement("tr");
      for (const v of [name, c.requests, c.errors, c.bytesIn, c.bytesOut]) tr.insertCell().textContent = String(v);
      return tr;
    }),
  );
  $("line").setAttribute("d", chartPath(s.requestsPerSecond));
}

/** Milliseconds each clock report took from its publication (in another process) to this page. */
window.clockDelays = [];

function drawClock(c) {
  const delay = Date.now() - c.at;
  window.clockDelays.push(delay);
  if (window.clockDelays.length > 100) window.clockDelays.shift();
  $("clock").textContent = `${new Date(c.at).toLocaleTimeString()} from clock ${c.pid}, ${delay} ms after it was published`;
}

/** Opens the live socket; reopens it a second after it closes (a restart, a network change). */
function connectLive() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/live/`);
  ws.onopen = () => ($("live").textContent = "live");
  ws.onmessage = (e) => {
    const { subject, value } = JSON.parse(e.data);
    if (subject.startsWith("app.status.")) drawStatus(value);
    else if (subject === "app.clock") drawClock(value);
  };
  ws.onclose = () => {
    $("live").textContent = "reconnecting…";
    setTimeout(connectLive, 1000);
  };
}

// Admin actions ride on the session cookie the login sets (HttpOnly: this script never sees it).
async function admin(action, body) {
  const r = await fetch(`/admin/${action}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await r.json().catch(() => ({}));
  $("result").textContent = r.ok ? `${r.status} ${answer.done} by ${answer.by}` : `${r.status} ${answer.error ?? "failed"}`;
}

async function switchTheme() {
  const theme = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  const r = await fetch("/api/prefs", { method: "PUT", body: JSON.stringify({ theme }) });
  if (r.ok) document.documentElement.dataset.theme = theme;
}

async function upload() {
  const id = "u" + Date.now();
  const form = new FormData();
  for (const f of $("file").files) form.append("file", f);
  const events = new EventSource(`/upload/${id}/events`);
  events.onmessage = (e) => {
    const p = JSON.parse(e.data);
    $("progress").textContent = `${p.state}: ${p.received} of ~${p.expected} bytes`;
    if (p.state === "done" || p.state === "failed") events.close();
  };
  await fetch(`/upload?id=${id}`, { method: "POST", body: form });
}

$("login").onclick = () => admin("login", { token: $("token").value });
$("logout").onclick = () => admin("logout");
$("theme").onclick = () => switchTheme();
$("reset").onclick = () => admin("reset");
$("clear").onclick = () => admin("clear-uploads");
$("send").onclick = () => upload();
connectLive();
