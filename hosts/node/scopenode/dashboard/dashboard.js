// The ScopeNode dashboard page: the fleet from /api/fleet, a spime's entries from /api/entries,
// then live from /events (server-sent events). Charts are uPlot; the GPS track is an SVG path
// (no map tiles: it works offline).
'use strict';
const state = { spimes: new Map(), selected: null, entries: [], plots: {}, now: Date.now(), skew: 0 };
const $ = (id) => document.getElementById(id);
const MAX_POINTS = 2000;

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - state.skew - ms) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function renderRow(tr, s) {
  const cells = [s.spime, s.online ? 'yes' : 'no', ago(s.lastReportAt), String(s.entries), s.queued === null ? '–' : String(s.queued), String(s.dropped), s.owner ?? '–'];
  tr.replaceChildren(...cells.map((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (i === 1) td.className = s.online ? 'online-yes' : 'online-no';
    return td;
  }));
  tr.dataset.spime = s.spime;
  tr.classList.toggle('selected', s.spime === state.selected);
}

function renderFleet() {
  const body = $('fleet').tBodies[0];
  const rows = new Map([...body.rows].map((r) => [r.dataset.spime, r]));
  for (const s of [...state.spimes.values()].sort((a, b) => a.spime.localeCompare(b.spime, undefined, { numeric: true }))) {
    let tr = rows.get(s.spime);
    if (!tr) { tr = document.createElement('tr'); tr.addEventListener('click', () => select(tr.dataset.spime)); }
    renderRow(tr, s);
    body.appendChild(tr); // in order
  }
  renderSummary();
}

function makePlot(id, series, scales) {
  const el = $(id);
  const width = Math.max(280, el.clientWidth || 400);
  const opts = {
    width, height: 200,
    scales: { x: { time: true }, ...scales },
    series: [{}, ...series],
    axes: [{}, ...series.map((s, i) => ({ scale: s.scale, side: i === 0 ? 3 : 1, size: 64, grid: { show: i === 0 } }))].slice(0, 1 + new Set(series.map((s) => s.scale)).size),
  };
  el.replaceChildren();
  return new uPlot(opts, [[], ...series.map(() => [])], el);
}

function ensurePlots() {
  if (state.plots.co2) return;
  state.plots.co2 = makePlot('plot-co2', [{ label: 'CO₂ ppm', scale: 'ppm', stroke: '#2a9d8f', width: 2 }], { ppm: {} });
  state.plots.climate = makePlot('plot-climate', [
    { label: '°C', scale: 'C', stroke: '#e76f51', width: 2 },
    { label: '%RH', scale: 'RH', stroke: '#457b9d', width: 2 },
  ], { C: {}, RH: {} });
  state.plots.pressure = makePlot('plot-pressure', [
    { label: 'hPa', scale: 'hPa', stroke: '#6d597a', width: 2 },
    { label: 'm', scale: 'm', stroke: '#b56576', width: 2 },
  ], { hPa: {}, m: {} });
}

const col = (f, scale = 1) => state.entries.map((e) => (e[f] === undefined ? null : e[f] * scale));

function renderPlots() {
  ensurePlots();
  const x = state.entries.map((e) => e.t / 1000);
  state.plots.co2.setData([x, col('ppm')]);
  state.plots.climate.setData([x, col('temperature'), col('humidity')]);
  state.plots.pressure.setData([x, col('pressure', 0.01), col('ele')]);
  for (const [name, f] of [['co2', 'ppm'], ['climate', 'temperature'], ['pressure', 'pressure']]) {
    $(`plot-${name}`).dataset.points = String(state.entries.filter((e) => e[f] !== undefined).length);
  }
  renderTrack();
}

function renderTrack() {
  const pts = state.entries.filter((e) => e.lat !== undefined && e.lon !== undefined);
  const path = $('track-path');
  path.dataset.points = String(pts.length);
  if (!pts.length) { path.setAttribute('d', ''); $('track-extent').textContent = 'no positions'; return; }
  // equirectangular, x scaled by cos(latitude) so the shape is true near the track
  const lat0 = pts.reduce((s, p) => s + p.lat, 0) / pts.length;
  const k = Math.cos(lat0 * Math.PI / 180);
  const xs = pts.map((p) => p.lon * k), ys = pts.map((p) => p.lat);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const span = Math.max(maxX - minX, maxY - minY);
  const W = 400, H = 260, pad = 12, scale = Math.min((W - 2 * pad) / Math.max(maxX - minX, 1e-7), (H - 2 * pad) / Math.max(maxY - minY, 1e-7));
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const px = (x) => (W / 2 + (x - cx) * scale).toFixed(1), py = (y) => (H / 2 - (y - cy) * scale).toFixed(1);
  path.setAttribute('d', xs.map((x, i) => `${i ? 'L' : 'M'}${px(x)} ${py(ys[i])}`).join(' '));
  const last = $('track-last');
  last.setAttribute('cx', px(xs[xs.length - 1])); last.setAttribute('cy', py(ys[ys.length - 1]));
  const metres = span * 111_320;
  $('track-extent').textContent = `${pts.length} positions, extent ${metres < 2000 ? `${metres.toFixed(0)} m` : `${(metres / 1000).toFixed(1)} km`}; last ${pts[pts.length - 1].lat.toFixed(5)}, ${pts[pts.length - 1].lon.toFixed(5)}`;
}

async function select(spime) {
  if (!spime) return;
  state.selected = spime;
  location.hash = encodeURIComponent(spime);
  $('selected').textContent = spime;
  renderFleet();
  const res = await fetch(`/api/entries?spime=${encodeURIComponent(spime)}&limit=${MAX_POINTS}`);
  if (state.selected !== spime) return;
  state.entries = await res.json();
  renderPlots();
}

const rowOf = (spime) => [...$('fleet').tBodies[0].rows].find((r) => r.dataset.spime === spime);

function renderSummary() {
  const n = state.spimes.size, online = [...state.spimes.values()].filter((s) => s.online).length;
  $('summary').textContent = `${n} spime${n === 1 ? '' : 's'}, ${online} online`;
}

function onReport(e) {
  const s = e.spime;
  const known = state.spimes.has(s.spime);
  state.spimes.set(s.spime, s);
  // a big fleet reports many times a second: a known spime's row is redrawn alone
  let tr = known ? rowOf(s.spime) : undefined;
  if (tr) { renderRow(tr, s); renderSummary(); } else { renderFleet(); tr = rowOf(s.spime); }
  if (tr) { tr.classList.remove('flash'); void tr.offsetWidth; tr.classList.add('flash'); }
  if (!state.selected) { select(s.spime); return; }
  if (s.spime !== state.selected) return;
  const have = new Set(state.entries.map((x) => x.t));
  for (const entry of e.entries) {
    const t = Date.parse(entry.date);
    if (!have.has(t)) state.entries.push({ ...entry, t });
  }
  state.entries.sort((a, b) => a.t - b.t);
  if (state.entries.length > MAX_POINTS) state.entries.splice(0, state.entries.length - MAX_POINTS);
  renderPlots();
}

async function reload() {
  const fleet = await (await fetch('/api/fleet')).json();
  for (const s of fleet.spimes) state.spimes.set(s.spime, s);
  renderFleet();
  if (state.selected) await select(state.selected);
}

async function start() {
  const res = await fetch('/api/fleet');
  const fleet = await res.json();
  state.skew = Date.now() - fleet.now;
  for (const s of fleet.spimes) state.spimes.set(s.spime, s);
  renderFleet();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = state.spimes.has(wanted) ? wanted : fleet.spimes[0]?.spime;
  if (first) await select(first);
  const events = new EventSource('/events');
  let lost = false;
  events.onopen = () => {
    $('live').className = 'on';
    // back after a break (ScopeNode restarted, stream dropped): what happened meanwhile is in the store
    if (lost) { lost = false; reload(); }
  };
  events.onerror = () => { $('live').className = 'off'; lost = true; };
  events.addEventListener('report', (m) => onReport(JSON.parse(m.data)));
  events.addEventListener('owner', (m) => {
    const e = JSON.parse(m.data), s = state.spimes.get(e.spime);
    if (s) { s.owner = e.owner; renderFleet(); }
  });
  // "online" and "ago" age without events
  setInterval(() => {
    for (const s of state.spimes.values()) s.online = Date.now() - state.skew - s.lastReportAt <= (fleet.onlineWindowMs ?? 120_000);
    renderFleet();
  }, 5000);
  document.body.dataset.ready = 'true';
}

start().catch((e) => { $('summary').textContent = `error: ${e.message}`; });
