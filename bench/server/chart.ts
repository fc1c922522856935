/** Renders the server benchmark's medians as a grouped horizontal bar chart (SVG, no dependencies). */

interface CellLike {
  workload: string;
  mode: string;
  peer: string;
  medianRps: number;
}

/** How each mode is named in a panel's title. */
const MODE_TITLES: Record<string, string> = {
  plain: "keep-alive",
  pipelined: "16 pipelined",
  handshake: "1 request per new connection",
  h2c: "h2c, h2load -c 10 -m 100",
  "h2 TLS": "h2 over TLS, h2load -c 10 -m 100",
};

const COLORS = ["#2a7", "#48c", "#c84", "#a5c", "#c55", "#888", "#5aa", "#aa5"];

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One panel per workload and mode; one bar per server; the value printed at the bar's end. */
export function renderChart(cells: CellLike[], workloads: string[]): string {
  const panels: { title: string; bars: CellLike[] }[] = [];
  for (const w of workloads) {
    for (const mode of Object.keys(MODE_TITLES)) {
      const bars = cells.filter((c) => c.workload === w && c.mode === mode);
      if (bars.length) panels.push({ title: `${w}, ${MODE_TITLES[mode]}`, bars });
    }
  }
  const peers = [...new Set(cells.map((c) => c.peer))];
  const barH = 16;
  const labelW = 150;
  const plotW = 420;
  let y = 30;
  const parts: string[] = [];
  for (const panel of panels) {
    const max = Math.max(...panel.bars.map((b) => b.medianRps));
    parts.push(`<text x="10" y="${y}" font-weight="bold">${escapeXml(panel.title)} (req/s, median)</text>`);
    y += 8;
    for (const b of panel.bars) {
      const w = Math.max(1, (b.medianRps / max) * plotW);
      const color = COLORS[peers.indexOf(b.peer) % COLORS.length];
      parts.push(`<text x="10" y="${y + 12}">${escapeXml(b.peer)}</text>`);
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 3}" fill="${color}"/>`);
      parts.push(`<text x="${labelW + w + 4}" y="${y + 12}">${Math.round(b.medianRps).toLocaleString("en-US")}</text>`);
      y += barH;
    }
    y += 22;
  }
  const width = labelW + plotW + 110;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    parts.join("\n") +
    "\n</svg>\n"
  );
}
