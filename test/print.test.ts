/**
 * The CLI's report when its descriptor refuses a write (`cli/print.ts`): stdout or stderr is a non-blocking
 * pipe that is already full, so write(2) fails with EAGAIN and the text must go through Node's stream, which
 * waits for the reader. A parent such as `make -j` or a CI runner can hand a child a descriptor like that.
 * Python sets up the pipe (Node cannot mark a descriptor non-blocking), fills it, starts the built CLI with
 * it as fd 1 or 2, and drains it 1.5 s later (long after the CLI met the full pipe, even on a loaded
 * machine); the report must arrive whole, in order, and the exit code must be the command's own.
 */
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { BIN, cli, copyProject, misspellViewColumn } from './support/project.js';

const FULL_PIPE = String.raw`
import os, subprocess, sys, time
fd = int(sys.argv[1])
r, w = os.pipe()
os.set_blocking(w, False)
filled = 0
try:
    while True:
        filled += os.write(w, b'.' * 4096)
except BlockingIOError:
    pass
# the other stream stays captured as usual
other = subprocess.PIPE
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL,
                         stdout=w if fd == 1 else other, stderr=w if fd == 2 else other)
os.close(w)
time.sleep(1.5)
out = b''
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    out += chunk
child.communicate()
sys.stdout.buffer.write(('%d %d\n' % (child.returncode, filled)).encode())
sys.stdout.buffer.write(out[filled:])
`;

/** Runs the CLI with descriptor `fd` a full non-blocking pipe; returns its exit code and what it wrote there. */
async function throughFullPipe(fd: 1 | 2, args: string[], cwd: string): Promise<{ exitCode: number; text: string }> {
  const run = await execa('python3', ['-c', FULL_PIPE, String(fd), 'node', BIN, ...args], { cwd, reject: false });
  expect(run.exitCode, run.stderr).toBe(0);
  const [head = '', ...text] = String(run.stdout).split('\n');
  const [exitCode = -1, filled] = head.split(' ').map(Number);
  expect(filled).toBeGreaterThan(0); // the pipe really was full when the CLI started
  return { exitCode, text: text.join('\n') };
}

describe('the report through a full non-blocking pipe', () => {
  test('stdout: the --check report arrives whole', async () => {
    const dir = copyProject('minimal');
    const plain = await cli(['--check'], { cwd: dir });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('is up to date');
    const full = await throughFullPipe(1, ['--check'], dir);
    expect(full.exitCode).toBe(0);
    expect(full.text).toBe(plain.stdout); // execa strips the last newline of both
  });

  test('stderr: a located diagnostic arrives whole, exit 1', async () => {
    const dir = copyProject('minimal');
    misspellViewColumn(dir);
    const plain = await cli([], { cwd: dir });
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toMatch(/pipeline\.config\.ts:\d+:\d+ error REF\.UNKNOWN_COLUMN/);
    const full = await throughFullPipe(2, [], dir);
    expect(full.exitCode).toBe(1);
    expect(full.text).toBe(plain.stderr);
  });
});
