// The status page: polls /status/ every second, draws the table and the chart; admin buttons and
// the upload form call the API.
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

async function refresh() {
  const s = await (await fetch("/status/", { cache: "no-store" })).json();
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

async function admin(action) {
  const r = await fetch(`/admin/${action}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${$("token").value}`, Accept: "application/json" },
  });
  const body = await r.json().catch(() => ({}));
  $("result").textContent = r.ok ? `${r.status} ${body.done} by ${body.by}` : `${r.status} ${body.error ?? "failed"}`;
  await refresh();
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

$("reset").onclick = () => admin("reset");
$("clear").onclick = () => admin("clear-uploads");
$("send").onclick = () => upload();
refresh();
setInterval(refresh, 1000);
