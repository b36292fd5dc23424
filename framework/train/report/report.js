// The report page of one run or a comparison of runs (docs/report.md). The C++ side inlines this
// file, uPlot and the data (a JSON script tag) into one self-contained HTML file; this script
// draws it. After drawing, window.ganrigReport holds what was drawn (charts, series, points,
// errors) and <pre id="report-check"> shows the same JSON, for the browser test.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const errors = [];
  window.addEventListener('error', (e) => errors.push(String(e.message)));
  const drawn = [];
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => (k === 'text' ? (node.textContent = v) : node.setAttribute(k, v)));
    children.forEach((c) => node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c));
    return node;
  };
  const section = (title) => {
    const s = el('section', {}, el('h2', { text: title }));
    document.getElementById('report').appendChild(s);
    return s;
  };
  const finite = (v) => typeof v === 'number' && isFinite(v);
  const short = (v) => (!finite(v) ? '' : v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential(2) : String(+v.toPrecision(4)));
  const ticks = (u, values) => values.map(short);

  // One chart: `lines` = [{label, xs, ys, color, dash, points}], aligned on the union of x values.
  function chart(parent, title, lines, options) {
    lines = lines.filter((l) => l.ys.some(finite));
    if (!lines.length) return;
    const xs = [...new Set(lines.flatMap((l) => l.xs))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const columns = lines.map((l) => {
      const col = new Array(xs.length).fill(null);
      l.xs.forEach((x, i) => (col[index.get(x)] = finite(l.ys[i]) ? l.ys[i] : null));
      return col;
    });
    const series = [{ label: 'kimg' }].concat(lines.map((l, i) => ({
      label: l.label, stroke: l.color || palette[i % palette.length], width: l.points ? 0 : 1.5, dash: l.dash,
      spanGaps: true, fill: l.fill, points: { show: !!l.points || xs.length < 3, size: l.points ? 9 : 4 },
    })));
    const box = el('div', { class: 'chart', 'data-title': title });
    parent.appendChild(box);
    const opts = {
      title, width: Math.min(580, window.innerWidth - 40), height: 240, series,
      scales: { x: { time: false } }, axes: [{ label: 'kimg', values: ticks }, { values: ticks, size: 60 }],
      bands: (options && options.bands) || [], hooks: { draw: [(u) => markers(u, options && options.markers)] },
    };
    new uPlot(opts, [xs].concat(columns), box);
    drawn.push({ title, series: lines.length, points: lines.map((l) => l.ys.filter(finite).length) });
  }

  // Vertical lines at resolution changes of a progressive run (and a label).
  function markers(u, marks) {
    if (!marks) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#999';
    ctx.setLineDash([4, 4]);
    marks.forEach((m) => {
      const x = u.valToPos(m.kimg, 'x', true);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(m.label, x + 3, u.bbox.top + 10);
    });
    ctx.restore();
  }

  const keysOf = (runs, prefix) =>
    [...new Set(runs.flatMap((r) => r.stats.flatMap((s) => Object.keys(s).filter((k) => k.startsWith(prefix)))))].sort();
  const statLines = (runs, key, label) => runs.map((r, i) => ({
    label: runs.length > 1 ? `${r.name} ${label || key}` : label || key,
    xs: r.stats.map((s) => s.kimg), ys: r.stats.map((s) => s[key]), color: palette[i % palette.length],
  }));
  const growthMarks = (run) => {
    const marks = [];
    run.stats.forEach((s, i) => {
      const prev = run.stats[i - 1];
      if (prev && s.resolution !== prev.resolution) marks.push({ kimg: prev.kimg, label: `${s.resolution}px` });
    });
    return marks;
  };

  // Losses, D outputs, learning rates: one chart per group; several runs overlay per key.
  function trainingCharts(runs) {
    const s = section('Training');
    const marks = runs.length === 1 ? growthMarks(runs[0]) : null;
    const group = (title, keys) => {
      const lines = keys.flatMap((k) => statLines(runs, k));
      lines.forEach((l, i) => (l.color = palette[i % palette.length]));
      chart(s, title, lines, { markers: marks });
    };
    group('Losses', keysOf(runs, 'loss/'));
    group('D outputs (real, fake)', keysOf(runs, 'D/'));
    group('Learning rates', keysOf(runs, 'lr/'));
    if (runs.some((r) => r.stats.some((st) => 'resolution' in st))) {
      group('Resolution', ['resolution']);
      group('Fade-in alpha', ['alpha']);
    }
    const c = section('Cost');
    chart(c, 'sec/kimg', statLines(runs, 'sec_per_kimg'), { markers: marks });
    chart(c, 'Peak memory (MiB)', statLines(runs, 'peak_rss_mib', 'host RSS').concat(statLines(runs, 'peak_cuda_mib', 'CUDA')));
  }

  const floorValue = (f) => (finite(f) ? f : f && finite(f.value) ? f.value : f && finite(f.mean) ? f.mean : null);
  const metricValue = (m) => (finite(m.value) ? m.value : m.values && finite(m.values.mean) ? m.values.mean : null);

  // Every metric against kimg: its real-vs-real noise floor as a band from 0, the best point marked.
  function metricCharts(runs) {
    const names = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.metric)))].sort();
    if (!names.length) return;
    const s = section('Metrics');
    names.forEach((name) => {
      const lines = [], bands = [];
      runs.forEach((r, i) => {
        const rows = r.metrics.filter((m) => m.metric === name && finite(metricValue(m)));
        if (!rows.length) return;
        const prefix = runs.length > 1 ? `${r.name} ` : '';
        const xs = rows.map((m) => m.kimg), ys = rows.map(metricValue);
        const color = palette[i % palette.length];
        lines.push({ label: `${prefix}${name}`, xs, ys, color });
        const best = ys.indexOf(Math.min(...ys));
        lines.push({ label: `${prefix}best ${ys[best].toPrecision(4)} @ ${xs[best]} kimg`, xs: [xs[best]], ys: [ys[best]], color, points: true });
        const floor = rows.map((m) => floorValue(m.noise_floor)).find(finite);
        if (floor !== undefined) {
          lines.push({ label: `${prefix}real-vs-real floor`, xs, ys: xs.map(() => floor), color, dash: [6, 4] });
          lines.push({ label: `${prefix}0`, xs, ys: xs.map(() => 0), color: 'transparent' });
          bands.push({ series: [lines.length - 1, lines.length], fill: color + '22' });
        }
      });
      chart(s, name, lines, { bands });
    });
  }

  // The sample grids as a timeline: a slider per run over its fakes-<nimg>.png.
  function samples(runs) {
    const s = section('Samples');
    runs.forEach((r) => {
      if (!r.samples.length) return;
      const img = el('img', { src: r.samples[r.samples.length - 1].src, class: 'sample' });
      const caption = el('div', { class: 'caption' });
      const slider = el('input', { type: 'range', min: 0, max: r.samples.length - 1, value: r.samples.length - 1 });
      const show = () => {
        const sample = r.samples[Number(slider.value)];
        img.src = sample.src;
        caption.textContent = `${r.name}: ${(sample.nimg / 1000).toFixed(3)} kimg`;
      };
      slider.addEventListener('input', show);
      show();
      s.appendChild(el('div', { class: 'samples' }, caption, slider, el('br'), img));
    });
  }

  function table(parent, header, rows) {
    const t = el('table', {}, el('tr', {}, ...header.map((h) => el('th', { text: h }))));
    rows.forEach((row) => t.appendChild(el('tr', {}, ...row.map((c) => el('td', { text: String(c) })))));
    parent.appendChild(t);
  }

  function summary(runs) {
    const s = section(runs.length > 1 ? 'Runs side by side' : 'Run');
    const last = (r, k) => short(r.stats.length ? r.stats[r.stats.length - 1][k] : undefined);
    const names = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.metric)))].sort();
    const metricCells = (r) => names.map((n) => {
      const ys = r.metrics.filter((m) => m.metric === n).map(metricValue).filter(finite);
      return ys.length ? `${ys[ys.length - 1].toPrecision(4)} (best ${Math.min(...ys).toPrecision(4)})` : '';
    });
    table(s, ['run', 'G params', 'kimg', 'sec/kimg', 'peak RSS MiB', 'non-finite steps', 'flat sample grids']
      .concat(names.map((n) => `${n} final (best)`)),
      runs.map((r) => [r.name, r.parameters || '', last(r, 'kimg'), last(r, 'sec_per_kimg'), last(r, 'peak_rss_mib'),
        last(r, 'nonfinite/total'), last(r, 'samples/flat_grids')].concat(metricCells(r))));
    runs.forEach((r) => s.appendChild(el('p', {}, el('code', { text: r.resume }))));
  }

  // Runs whose generated sample grids stayed flat (every sample nearly one colour after 0 kimg):
  // said at the top of the page, since the curves of such a run measure nothing worth comparing.
  const warnings = [];
  function flatSampleWarnings(runs) {
    runs.forEach((r) => {
      const flat = r.stats.filter((line) => line['samples/flat'] === 1);
      if (!flat.length) return;
      const grids = r.stats.filter((line) => finite(line['samples/pixel_std'])).length;
      const last = flat[flat.length - 1];
      const text = `${r.name}: ${flat.length} of ${grids} generated sample grids after 0 kimg were flat (every sample `
        + `nearly one colour), the last at ${short(last.kimg)} kimg with pixel std ${short(last['samples/pixel_std'])} `
        + 'of 255: the generator is not learning structure, and its metrics compare nothing.';
      warnings.push(text);
      document.getElementById('report').appendChild(el('p', { class: 'warning', text: `Warning: ${text}` }));
    });
  }

  function configuration(runs) {
    const s = section('Configuration');
    if (data.config_diff && data.config_diff.length)
      table(s, ['key'].concat(runs.map((r) => r.name)), data.config_diff.map((d) => [d.key].concat(d.values)));
    runs.forEach((r) => {
      const details = el('details', {}, el('summary', { text: `${r.name}: config.resolved.toml, plugins, env.json` }));
      details.appendChild(el('pre', { text: r.config }));
      table(details, ['plugin', 'version', 'sha256'], (r.plugins || []).map((p) => [p.name, p.version, p.sha256]));
      details.appendChild(el('pre', { text: JSON.stringify(r.env, null, 2) }));
      s.appendChild(details);
    });
  }

  try {
    document.title = data.title;
    document.getElementById('title').textContent = data.title;
    document.getElementById('subtitle').textContent = `written ${data.written_at} by ganrig report`;
    if (typeof uPlot === 'undefined') throw new Error('uPlot is not inlined: run tools/setup.sh and rebuild');
    flatSampleWarnings(data.runs);
    summary(data.runs);
    trainingCharts(data.runs);
    metricCharts(data.runs);
    samples(data.runs);
    configuration(data.runs);
  } catch (e) {
    errors.push(String(e && e.message ? e.message : e));
  }
  window.ganrigReport = { charts: drawn, errors, warnings };
  document.getElementById('report-check').textContent = JSON.stringify(window.ganrigReport);
})();
