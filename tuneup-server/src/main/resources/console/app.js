// The tuneup console: a single page on the server's own DashScope API, signed in with an API key.
// No framework and no build step; the chart is uPlot from the server's webjars.

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
let refresh = null; // the current page's auto-refresh timer
let chart = null;
let shown = 0; // counts page changes: a page left behind must not touch the timer or the chart

/** A test of whether the page that called it is still the one shown. */
function liveness() {
  const mine = shown;
  return () => mine === shown;
}

const key = () => sessionStorage.getItem('tuneup-key');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
  return e;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
    this.requestId = body.request_id;
  }
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Authorization: `Bearer ${key()}`, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, init);
  const json = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(r.status, json);
  return json.output ?? json.data ?? json;
}

function show(error, where) {
  where.replaceChildren(el('span', { class: 'error' },
    `${error.message}${error.code ? ` (${error.code})` : ''}`));
}

function statusCell(status) {
  return el('span', { class: `status ${status}` }, status);
}

function progressCell(p) {
  if (!p || !p.total_steps) return '';
  const pct = Math.min(100, Math.round((100 * p.step) / p.total_steps));
  return el('span', {}, el('span', { class: 'bar' }, el('span', { style: `width:${pct}%` })),
    `${p.step}/${p.total_steps}`, p.loss !== undefined ? ` · loss ${Number(p.loss).toFixed(4)}` : '');
}

// ---- sign in

function signIn() {
  nav.hidden = true;
  const input = el('input', { id: 'key', type: 'password', placeholder: 'sk-…', size: 44 });
  const message = el('div', { id: 'signin-error' });
  const form = el('form', {
    class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      sessionStorage.setItem('tuneup-key', input.value.trim());
      try {
        await api('GET', '/api/v1/models?page_size=1');
        location.hash = '#/jobs';
      } catch (err) {
        sessionStorage.removeItem('tuneup-key');
        show(err, message);
      }
    },
  },
  el('h1', {}, 'Sign in'),
  el('p', { class: 'muted' }, 'Use your tuneup API key (the same DASHSCOPE_API_KEY the SDKs use).'),
  el('div', { class: 'row' }, input, el('button', { id: 'signin', type: 'submit' }, 'Sign in')),
  message);
  main.replaceChildren(el('section', { class: 'signin' }, form));
}

// ---- jobs

async function jobsPage() {
  const live = liveness();
  const table = el('table', { id: 'jobs' },
    el('thead', {}, el('tr', {}, ['Job', 'Status', 'Progress', 'Queue', 'Model', 'Created']
      .map((h) => el('th', {}, h)))),
    el('tbody'));
  const error = el('div');
  const models = el('select', { id: 'job-model' });
  const files = el('select', { id: 'job-file' });
  const hp = el('textarea', { id: 'job-hp' }, '{"n_epochs": 3}');
  const created = el('div', { id: 'job-created' });
  const form = el('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const job = await api('POST', '/api/v1/fine-tunes', {
          model: models.value, training_file_ids: [files.value], validation_file_ids: null,
          hyper_parameters: JSON.parse(hp.value || '{}'),
        });
        created.replaceChildren(`Created ${job.job_id}`);
        await load();
      } catch (err) {
        show(err, created);
      }
    },
  },
  el('div', { class: 'row' }, el('label', {}, 'Model ', models), el('label', {}, 'Training file ', files)),
  el('label', {}, 'Hyper-parameters (JSON)'), hp,
  el('div', { class: 'row' }, el('button', { id: 'job-create', type: 'submit' }, 'Create job'), created));
  main.replaceChildren(el('h1', {}, 'Fine-tuning jobs'), error,
    el('section', { class: 'card' }, table),
    el('section', { class: 'card' }, el('h2', {}, 'New job'), form));

  const [m, f] = await Promise.all([
    api('GET', '/api/v1/models?page_size=100'), api('GET', '/api/v1/files?page_size=100')]);
  models.replaceChildren(...(m.models || []).map((x) => el('option', { value: x.model }, x.model)));
  files.replaceChildren(...(f.files || []).map((x) =>
    el('option', { value: x.file_id }, `${x.name} (${x.file_id})`)));

  async function load() {
    try {
      const page = await api('GET', '/api/v1/fine-tunes?page_size=50');
      table.tBodies[0].replaceChildren(...(page.jobs || []).map((j) => el('tr', {
        'data-job-id': j.job_id, onclick: () => { location.hash = `#/jobs/${j.job_id}`; },
      },
      el('td', {}, j.job_id), el('td', { class: 'status-cell' }, statusCell(j.status)),
      el('td', { class: 'progress' }, progressCell(j.progress)),
      el('td', { class: 'queue' }, j.queue_position ?? ''), el('td', {}, j.model),
      el('td', {}, j.create_time || ''))));
      error.replaceChildren();
    } catch (err) {
      show(err, error);
    }
  }
  await load();
  if (live()) refresh = setInterval(load, 1500);
}

async function jobPage(id) {
  const live = liveness();
  const status = el('span', { id: 'job-status' });
  const summary = el('div', { class: 'row' });
  const chartBox = el('div', { id: 'chart', 'data-points': '0' });
  const log = el('pre', { id: 'log' });
  const hp = el('pre', { id: 'hp' });
  const checkpoints = el('ul', { id: 'checkpoints' });
  const message = el('div', { id: 'job-message' });
  const act = (label, idName, fn, cls) => el('button', { id: idName, type: 'button', class: cls,
    onclick: async () => {
      try {
        await fn();
        if (!live()) return;
        message.replaceChildren(`${label}: requested`);
        await load();
      } catch (err) { show(err, message); }
    } }, label);
  let job = null;
  // the chart's points and the log's tail grow from cursors: each refresh reads only new lines
  const points = [];
  let metricsNext = 0;
  let tail = [];
  let logNext = 0;
  const buttons = {
    cancel: act('Cancel', 'cancel', () => api('POST', `/api/v1/fine-tunes/${encodeURIComponent(id)}/cancel`), 'danger'),
    pause: act('Pause', 'pause', () => api('POST', `/api/v1/fine-tunes/${encodeURIComponent(id)}/pause`), 'secondary'),
    resume: act('Resume', 'resume', () => api('POST', `/api/v1/fine-tunes/${encodeURIComponent(id)}/resume`), 'secondary'),
    deploy: act('Deploy', 'deploy', async () => {
      const d = await api('POST', '/api/v1/deployments', { model_name: job.finetuned_output, capacity: 1 });
      location.hash = `#/deployments?model=${encodeURIComponent(d.deployed_model)}`;
    }),
    delete: act('Delete', 'delete', async () => {
      await api('DELETE', `/api/v1/fine-tunes/${encodeURIComponent(id)}`);
      location.hash = '#/jobs';
    }, 'danger'),
  };
  main.replaceChildren(
    el('h1', {}, `Job ${id} `, status), summary,
    el('div', { class: 'row' }, Object.values(buttons), message),
    el('div', { class: 'grid' },
      el('section', { class: 'card' }, el('h2', {}, 'Loss'), chartBox),
      el('section', { class: 'card' }, el('h2', {}, 'Hyper-parameters'), hp,
        el('h2', {}, 'Checkpoints'), checkpoints)),
    el('section', { class: 'card' }, el('h2', {}, 'Log'), log));

  async function load() {
    try {
      if (!live()) return;
      job = await api('GET', `/api/v1/fine-tunes/${encodeURIComponent(id)}`);
      status.replaceChildren(statusCell(job.status));
      summary.replaceChildren(el('span', {}, `model ${job.model}`), progressCell(job.progress),
        job.queue_position ? el('span', {}, `queue position ${job.queue_position}`) : '',
        job.finetuned_output ? el('span', {}, `output ${job.finetuned_output}`) : '',
        job.message ? el('span', { class: 'error' }, job.message) : '');
      hp.textContent = JSON.stringify(job.hyper_parameters, null, 2);
      const s = job.status;
      buttons.cancel.disabled = FINAL.has(s);
      buttons.pause.disabled = s !== 'RUNNING';
      buttons.resume.disabled = s !== 'PAUSED';
      buttons.deploy.disabled = s !== 'SUCCEEDED' || !job.finetuned_output;
      buttons.delete.disabled = !FINAL.has(s);
      const metricsFrom = metricsNext;
      const logFrom = logNext;
      const [metrics, logs, cps] = await Promise.all([
        api('GET', `/api/v1/fine-tunes/${encodeURIComponent(id)}/metrics?after_line=${metricsFrom}`),
        api('GET', `/api/v1/fine-tunes/${encodeURIComponent(id)}/logs?offset=${logFrom + 1}&line=1000`),
        api('GET', `/api/v1/fine-tunes/${encodeURIComponent(id)}/checkpoints`).catch(() => []),
      ]);
      if (!live()) return;
      // a refresh that overlapped another one read the same lines: keep them once
      if (metricsFrom === metricsNext) {
        points.push(...(metrics.points || []));
        metricsNext = metrics.next_line;
      }
      draw(points);
      if (logFrom === logNext) {
        const lines = logs.logs || [];
        tail = tail.concat(lines).slice(-200);
        logNext += lines.length;
        log.textContent = tail.join('\n');
        log.scrollTop = log.scrollHeight;
      }
      const list = Array.isArray(cps) ? cps : [];
      checkpoints.replaceChildren(...list.map((c) =>
        el('li', {}, `${c.checkpoint} (step ${c.step})${c.exported ? ', exported' : ''}`)));
      if (FINAL.has(s) && refresh) { clearInterval(refresh); refresh = null; }
    } catch (err) {
      show(err, message);
    }
  }

  function draw(list) {
    const steps = [];
    const loss = [];
    const evalLoss = [];
    for (const p of list) {
      const last = steps.length - 1;
      if (last >= 0 && steps[last] === p.step) {
        if (p.loss !== undefined) loss[last] = p.loss;
        if (p.eval_loss !== undefined) evalLoss[last] = p.eval_loss;
      } else {
        steps.push(p.step);
        loss.push(p.loss ?? null);
        evalLoss.push(p.eval_loss ?? null);
      }
    }
    chartBox.setAttribute('data-points', String(steps.length));
    chartBox.setAttribute('data-eval-points', String(evalLoss.filter((v) => v !== null).length));
    const data = [steps, loss, evalLoss];
    if (chart) { chart.setData(data); return; }
    chart = new uPlot({
      width: Math.max(320, chartBox.clientWidth || 640), height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: 'loss' }],
      series: [{ label: 'step' },
        { label: 'loss', stroke: '#1f5eff', width: 2, spanGaps: true },
        { label: 'eval loss', stroke: '#e8590c', width: 2, spanGaps: true, points: { show: true } }],
    }, data, chartBox);
  }

  await load();
  if (live() && !FINAL.has(job?.status)) refresh = setInterval(load, 1000);
}

// ---- files

async function filesPage() {
  const input = el('input', { id: 'file-input', type: 'file', accept: '.jsonl,.json,.txt', multiple: true });
  const result = el('div', { id: 'upload-result' });
  const zone = el('div', { id: 'dropzone' }, 'Drop JSONL training files here, or ', input);
  const table = el('table', { id: 'files' },
    el('thead', {}, el('tr', {}, ['File', 'Name', 'Size', 'Lines', 'Created', ''].map((h) => el('th', {}, h)))),
    el('tbody'));
  main.replaceChildren(el('h1', {}, 'Training files'),
    el('section', { class: 'card' }, zone, result), el('section', { class: 'card' }, table));

  async function upload(fileList) {
    const form = new FormData();
    for (const f of fileList) form.append('files', f, f.name);
    result.replaceChildren('Uploading…');
    try {
      const data = await api('POST', '/api/v1/files', form);
      const ok = (data.uploaded_files || []).map((f) => el('li', {}, `${f.name}: ${f.file_id}`));
      const failed = (data.failed_uploads || []).map((f) => el('li', { class: 'error' }, `${f.name}: ${f.message}`));
      result.replaceChildren(el('ul', { id: 'uploaded' }, ok, failed));
      await load();
    } catch (err) {
      // one problem per line of the file: "name: line N: …; name: line M: …"
      const problems = err.message.replace(/^[^:]*data, nothing was stored\. /, '').split('; ');
      result.replaceChildren(el('div', { class: 'error' }, `Rejected (${err.code}): nothing was stored.`),
        el('ul', { id: 'upload-errors', class: 'errors' }, problems.map((p) => el('li', {}, p))));
    }
  }
  input.addEventListener('change', () => upload(input.files));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    upload(e.dataTransfer.files);
  });

  async function load() {
    const page = await api('GET', '/api/v1/files?page_size=100');
    table.tBodies[0].replaceChildren(...(page.files || []).map((f) => el('tr', { 'data-file-id': f.file_id },
      el('td', {}, f.file_id), el('td', {}, f.name), el('td', {}, f.size), el('td', {}, f.lines ?? ''),
      el('td', {}, f.gmt_create || ''),
      el('td', {}, el('button', { type: 'button', class: 'danger', onclick: async () => {
        await api('DELETE', `/api/v1/files/${encodeURIComponent(f.file_id)}`); await load();
      } }, 'Delete')))));
  }
  await load();
}

// ---- deployments and chat

async function deploymentsPage(query) {
  const live = liveness();
  const models = el('select', { id: 'deploy-model' });
  const capacity = el('input', { id: 'deploy-capacity', type: 'number', value: '1', min: '1', style: 'width:70px' });
  const message = el('div', { id: 'deploy-message' });
  const table = el('table', { id: 'deployments' },
    el('thead', {}, el('tr', {}, ['Deployed model', 'Model', 'Status', 'Capacity', ''].map((h) => el('th', {}, h)))),
    el('tbody'));
  const target = el('select', { id: 'chat-model' });
  const system = el('input', { id: 'chat-system', type: 'text', size: 60, value: 'You are a helpful assistant.' });
  const prompt = el('textarea', { id: 'chat-input', placeholder: 'Ask something…' });
  const answer = el('div', { id: 'chat-answer' });
  const usage = el('span', { id: 'chat-usage', class: 'muted' });
  const history = [];
  main.replaceChildren(el('h1', {}, 'Deployments'),
    el('section', { class: 'card' }, el('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/api/v1/deployments', { model_name: models.value, capacity: Number(capacity.value) });
        message.replaceChildren('Deploying…');
        await load();
      } catch (err) { show(err, message); }
    } }, el('label', {}, 'Model ', models), el('label', {}, 'Capacity ', capacity),
    el('button', { id: 'deploy', type: 'submit' }, 'Deploy'), message)),
    el('section', { class: 'card' }, table),
    el('section', { class: 'card' }, el('h2', {}, 'Chat playground'),
      el('div', { class: 'row' }, el('label', {}, 'Model ', target), el('label', {}, 'System ', system)), prompt,
      el('div', { class: 'row' }, el('button', { id: 'chat-send', type: 'button', onclick: send }, 'Send'), usage),
      answer));

  const m = await api('GET', '/api/v1/models?page_size=100');
  models.replaceChildren(...(m.models || []).map((x) => el('option', { value: x.model }, x.model)));

  async function load() {
    const page = await api('GET', '/api/v1/deployments?page_size=200');
    const list = page.deployments || [];
    table.tBodies[0].replaceChildren(...list.map((d) => el('tr', { 'data-deployment': d.deployed_model },
      el('td', {}, d.deployed_model), el('td', {}, d.model_name), el('td', { class: 'status-cell' }, statusCell(d.status)),
      el('td', {}, `${d.ready_capacity ?? 0}/${d.capacity}`),
      el('td', {}, el('button', { type: 'button', class: 'danger', onclick: async () => {
        await api('DELETE', `/api/v1/deployments/${encodeURIComponent(d.deployed_model)}`); await load();
      } }, 'Delete')))));
    const chosen = target.value || query.get('model');
    target.replaceChildren(...list.filter((d) => d.status === 'RUNNING')
      .map((d) => el('option', { value: d.deployed_model, selected: d.deployed_model === chosen }, d.deployed_model)));
  }

  async function send() {
    const text = prompt.value.trim();
    if (!text || !target.value) return;
    history.push({ role: 'user', content: text });
    answer.textContent = '';
    answer.removeAttribute('data-done');
    usage.textContent = 'streaming…';
    const r = await fetch('/api/v1/services/aigc/text-generation/generation', {
      method: 'POST',
      headers: { Authorization: `Bearer ${key()}`, 'Content-Type': 'application/json', 'X-DashScope-SSE': 'enable' },
      body: JSON.stringify({ model: target.value,
        input: { messages: system.value.trim() ? [{ role: 'system', content: system.value.trim() }, ...history] : history },
        parameters: { result_format: 'message', incremental_output: true, max_tokens: 64 } }),
    });
    if (!r.ok) { usage.textContent = ''; show(new ApiError(r.status, await r.json().catch(() => ({}))), answer); return; }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let full = '';
    let chunks = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (!line.startsWith('data:')) continue;
        const data = JSON.parse(line.slice(5));
        const delta = data.output?.choices?.[0]?.message?.content ?? '';
        full += delta;
        chunks += 1;
        answer.textContent = full;
        if (data.usage) usage.textContent = `${data.usage.output_tokens} tokens in ${chunks} events`;
      }
    }
    answer.setAttribute('data-done', 'true');
    history.push({ role: 'assistant', content: full });
  }

  await load();
  if (live()) refresh = setInterval(load, 1500);
}

// ---- routing

async function route() {
  shown += 1;
  if (refresh) { clearInterval(refresh); refresh = null; }
  if (chart) { chart.destroy(); chart = null; }
  const [path, q] = location.hash.replace(/^#/, '').split('?');
  if (!key()) { signIn(); return; }
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', path.startsWith(a.getAttribute('href').slice(1)));
  try {
    if (path.startsWith('/jobs/')) await jobPage(decodeURIComponent(path.slice(6)));
    else if (path === '/files') await filesPage();
    else if (path === '/deployments') await deploymentsPage(new URLSearchParams(q || ''));
    else await jobsPage();
  } catch (err) {
    if (err.status === 401) { sessionStorage.removeItem('tuneup-key'); signIn(); return; }
    show(err, main);
  }
}

document.getElementById('signout').addEventListener('click', () => {
  sessionStorage.removeItem('tuneup-key');
  location.hash = '#/signin';
  route();
});
window.addEventListener('hashchange', route);
route();
