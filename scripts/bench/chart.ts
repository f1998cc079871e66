// The bench chart as a hand-written SVG (no charting library to install or
// trust): events/s and lag over time per consumer as lines, per-event costs as
// bars. One file a person opens in a browser.
export interface Series {
  name: string;
  color: string;
  /** [x, y] in data units. */
  points: Array<[number, number]>;
}

export interface LinePanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Shown instead of an empty plot. */
  emptyNote?: string;
}

export interface BarPanel {
  title: string;
  bars: Array<{ name: string; color: string; value: number; label?: string }>;
}

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toPrecision(2));

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten, at or above `max`. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

function line(panel: LinePanel, x0: number, y0: number, width: number, height: number): string {
  const left = x0 + 56;
  const top = y0 + 28;
  const plotW = width - 56 - 16;
  const plotH = height - 28 - 44;
  const out = [`<text x="${x0 + width / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`];
  const all = panel.series.flatMap((s) => s.points);
  if (all.length === 0) {
    out.push(`<text x="${x0 + width / 2}" y="${y0 + height / 2}" text-anchor="middle" fill="#777">${esc(panel.emptyNote ?? 'no data')}</text>`);
    return out.join('\n');
  }
  const xMax = niceMax(Math.max(...all.map((p) => p[0])));
  const yMax = niceMax(Math.max(...all.map((p) => p[1])));
  const px = (x: number) => left + (x / xMax) * plotW;
  const py = (y: number) => top + plotH - (y / yMax) * plotH;
  for (let i = 0; i <= 4; i++) {
    const yv = (yMax * i) / 4;
    out.push(`<line x1="${left}" y1="${py(yv)}" x2="${left + plotW}" y2="${py(yv)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${left - 6}" y="${py(yv) + 4}" text-anchor="end" font-size="11">${fmt(yv)}</text>`);
    const xv = (xMax * i) / 4;
    out.push(`<text x="${px(xv)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(xv)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" font-size="12">${esc(panel.xLabel)}</text>`);
  out.push(`<text transform="translate(${x0 + 14},${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(panel.yLabel)}</text>`);
  panel.series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    }
    const ly = top + 8 + i * 16;
    out.push(`<rect x="${left + plotW - 210}" y="${ly - 8}" width="10" height="10" fill="${s.color}"/>`);
    out.push(`<text x="${left + plotW - 195}" y="${ly + 1}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

function bars(panel: BarPanel, x0: number, y0: number, width: number, height: number): string {
  const top = y0 + 28;
  const plotH = height - 28 - 40;
  const out = [`<text x="${x0 + width / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold" font-size="12">${esc(panel.title)}</text>`];
  const max = niceMax(Math.max(...panel.bars.map((b) => b.value), 0));
  const slot = (width - 20) / Math.max(1, panel.bars.length);
  panel.bars.forEach((b, i) => {
    const h = (b.value / max) * plotH;
    const x = x0 + 10 + i * slot + slot * 0.15;
    out.push(`<rect x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color}"/>`);
    out.push(`<text x="${(x + slot * 0.35).toFixed(1)}" y="${(top + plotH - h - 4).toFixed(1)}" text-anchor="middle" font-size="11">${esc(b.label ?? fmt(b.value))}</text>`);
    out.push(`<text x="${(x + slot * 0.35).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10">${esc(b.name)}</text>`);
  });
  out.push(`<line x1="${x0 + 10}" y1="${top + plotH}" x2="${x0 + width - 10}" y2="${top + plotH}" stroke="#999"/>`);
  return out.join('\n');
}

/** Line panels side by side on top, bar panels in a row below. */
export function renderChart(title: string, subtitle: string, lines: LinePanel[], barPanels: BarPanel[]): string {
  const width = 1200;
  const lineW = width / Math.max(1, lines.length);
  const lineH = 340;
  const barW = width / Math.max(1, barPanels.length);
  const barH = 240;
  const height = 60 + lineH + barH + 10;
  const body = [
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
    `<text x="${width / 2}" y="44" text-anchor="middle" font-size="12" fill="#555">${esc(subtitle)}</text>`,
    ...lines.map((p, i) => line(p, i * lineW, 60, lineW, lineH)),
    ...barPanels.map((p, i) => bars(p, i * barW, 60 + lineH, barW, barH)),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${body.join('\n')}
</svg>
`;
}
