// Starts the real build/bin/rex-host on a database, with a config written to a temp folder and
// port 0, and waits for its "listening on" line. Every test file gets its hosts from here.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const buildDir = process.env.REX_BUILD_DIR ? resolve(process.env.REX_BUILD_DIR) : join(sourceDir, 'build');
export const hostBinary = join(buildDir, 'bin', 'rex-host');
export const cliBinary = join(buildDir, 'bin', 'rex');
export const pluginDir = join(buildDir, 'plugins');

// `config` is merged into the config's top level (e.g. {settings: {graphql: {naming: 'camel'}}},
// {catalog: {...}}); `env` adds environment variables.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
// A test run stopped from outside (the runner's timeout, Ctrl-C) takes its hosts with it.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));

export async function startHost({ url, config: extra = {}, env = {}, http = {}, timeoutMs = 20000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rex-e2e-'));
  const config = {
    database: { url },
    plugins: { paths: [pluginDir] },
    http: { address: '127.0.0.1', port: 0, threads: 2, ...http },
    log: { level: process.env.REX_E2E_LOG_LEVEL ?? 'warn' },
    ...extra,
  };
  const configFile = join(dir, 'rex.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child = spawn(hostBinary, ['--config', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  // A host never keeps the test process alive, and dies with it (a failed hook leaks none).
  live.add(child);
  child.on('exit', () => live.delete(child));
  for (const handle of [child, child.stdout, child.stderr]) handle.unref();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
  });
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));

  const base = await new Promise((resolveBase, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`rex-host did not print its address within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = /rex-host listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`rex-host exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
    });
  }).catch((e) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });

  return {
    base,
    pid: child.pid,
    graphqlUrl: `${base}/graphql`,
    url,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const result = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}

// One GraphQL request over HTTP; answers the status, the content type, the raw text and the parsed
// body (undefined when it is not JSON).
export async function post(host, body, { headers = {}, raw = false, timeoutMs = 30000 } = {}) {
  const response = await fetch(host.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...headers,
    },
    body: raw ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json };
}

// The data of a query that must succeed; throws with the errors otherwise.
export async function query(host, queryText, variables) {
  const r = await post(host, variables ? { query: queryText, variables } : { query: queryText });
  if (r.status !== 200 || !r.json || r.json.errors) {
    throw new Error(`query failed (HTTP ${r.status}): ${r.text.slice(0, 2000)}\nquery: ${queryText.slice(0, 500)}`);
  }
  return r.json.data;
}

export async function health(host) {
  const response = await fetch(`${host.base}/health`);
  return { status: response.status, json: await response.json() };
}
