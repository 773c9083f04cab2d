// A headless Chromium driven over the DevTools protocol through --remote-debugging-pipe: the
// messages are NUL-terminated JSON on file descriptors 3 (to the browser) and 4 (from it). No
// port, no WebSocket client and no npm package are needed, and the browser dies with its pipes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch(binary) {
  const profile = mkdtempSync(join(tmpdir(), 'rex-console-chromium-'));
  const child = spawn(
    binary,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    // Its own process group, so close() can end the helper processes too.
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-10000); });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  fromBrowser.setEncoding('utf8');
  const pending = new Map();
  const listeners = new Set();
  let buffer = '';
  let nextId = 1;
  fromBrowser.on('data', (chunk) => {
    buffer += chunk;
    for (let end; (end = buffer.indexOf('\0')) >= 0; ) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      const waiter = pending.get(message.id);
      if (waiter) {
        pending.delete(message.id);
        if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
        else waiter.resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  exited.then((code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`chromium exited (${code}); stderr:\n${stderr}`));
    pending.clear();
  });

  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  await send('Browser.getVersion');

  return {
    // A new tab on `url`, with its console errors, uncaught exceptions and log errors collected.
    async open(url) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const problems = [];
      listeners.add((m) => {
        if (m.sessionId !== sessionId) return;
        if (m.method === 'Runtime.exceptionThrown') problems.push(m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text);
        if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error') problems.push(m.params.args.map((a) => a.value ?? a.description).join(' '));
        if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') problems.push(m.params.entry.text);
      });
      await send('Runtime.enable', {}, sessionId);
      await send('Log.enable', {}, sessionId);
      await send('Page.enable', {}, sessionId);
      await send('Page.navigate', { url }, sessionId);
      const page = {
        problems,
        // The value of an expression in the page (a promise is awaited); a page exception throws.
        async evaluate(expression) {
          const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
          if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
          return r.result.value;
        },
        // Polls `expression` until it is truthy; throws with `what` after `timeoutMs`.
        async waitFor(expression, what, timeoutMs = 10000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const value = await page.evaluate(expression).catch(() => undefined);
            if (value) return value;
            if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        },
      };
      await page.waitFor("document.readyState === 'complete'", 'the page to load');
      return page;
    },
    async close() {
      try {
        await Promise.race([send('Browser.close'), new Promise((r) => setTimeout(r, 2000))]);
      } catch { /* already gone */ }
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      // Chromium's helper processes outlive the browser for a moment and still write into the
      // profile (a removal raced them: ENOTEMPTY); they go with the group.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch { /* the group is gone */ }
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 50, retryDelay: 100 });
      } catch (error) {
        process.stderr.write(`cdp: could not remove ${profile}: ${error.message}\n`);
      }
    },
  };
}
