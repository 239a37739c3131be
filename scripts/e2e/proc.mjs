// Child processes of the end-to-end run: one-shot commands whose output goes to a log file (a failure
// throws with the log's tail), and long-running components, each in its own process group so that
// stopping one ends its children too.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

export class E2eError extends Error {}

export function tail(file, lines = 40) {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** Runs a command to completion, output appended to `log`. Throws E2eError with the log tail on failure. */
export function run(cmd, args, { log, what, env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    const child = spawn(cmd, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', fd, fd],
      env: { ...process.env, ...env },
      cwd,
    });
    if (input !== undefined) child.stdin.end(input);
    child.on('error', (e) => {
      closeSync(fd);
      reject(new E2eError(`${what ?? cmd}: could not start ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      closeSync(fd);
      if (code === 0) resolve();
      else reject(new E2eError(`${what ?? cmd} failed (${signal ?? `exit ${code}`}); ${log}:\n${tail(log)}`));
    });
  });
}

/** Runs a command to completion like `run`; resolves to its stdout (stderr goes to `log`). */
export function output(cmd, args, { log, what, env } = {}) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', fd], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', (e) => {
      closeSync(fd);
      reject(new E2eError(`${what ?? cmd}: could not start ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      closeSync(fd);
      if (code === 0) resolve(out.trim());
      else reject(new E2eError(`${what ?? cmd} failed (${signal ?? `exit ${code}`}); ${log}:\n${tail(log)}`));
    });
  });
}

/** Starts a long-running component; returns a handle with stop(). */
export function start(name, cmd, args, { log, env, cwd }) {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env }, cwd, detached: true });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? `exit ${code}`;
  });
  child.on('error', (e) => {
    exited = `could not start: ${e.message}`;
  });
  return {
    name,
    log,
    pid: child.pid,
    exited: () => exited,
    async stop(timeoutMs = 20000) {
      if (exited !== null || child.pid === undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, timeoutMs);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Polls `probe` (returns a truthy value when ready) until `timeoutMs`; fails loudly if `proc` died. */
export async function waitFor(what, probe, { timeoutMs, proc, intervalMs = 500 }) {
  const t0 = performance.now();
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (proc?.exited())
      throw new E2eError(`${what}: ${proc.name} exited (${proc.exited()}); ${proc.log}:\n${tail(proc.log)}`);
    if (performance.now() - t0 > timeoutMs)
      throw new E2eError(
        `${what}: not ready after ${Math.round(timeoutMs / 1000)}s${last ? ` (${last.message})` : ''}${proc ? `; ${proc.log}:\n${tail(proc.log)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
