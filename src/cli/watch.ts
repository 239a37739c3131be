/** `cdc-compile --watch`: loaded only when asked for, so a plain compile loads no fs.watch. */
import { readdirSync, watch } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { EmitMemo } from '../emit-reuse.js';
import { reportFailure } from './command.js';
import { print } from './print.js';

export interface WatchOptions {
  /** The folder of the config: watched with its subfolders (not outDir, node_modules or dot folders). */
  readonly configDir: string;
  readonly outDir: string;
  /**
   * One compile, as the command line without --watch runs it (it reports what it did), given the memo of
   * the last emit, which it reuses when the Model and the rest of the emitters' inputs did not change.
   */
  readonly compile: (reuse: EmitMemo) => Promise<unknown>;
}

/**
 * How long a burst of change events (an editor's save: write, rename, chmod) may last: one compile for
 * the burst, started this long after its last event. A save in place or by rename delivers its events
 * within 5 ms here; a slower save that outlasts the wait costs one more compile, never a stale result
 * (an event during a compile queues another).
 */
export const DEBOUNCE_MS = 10;

/**
 * Recompiles in this process on every change: the compiler stays loaded and warm; the config is
 * evaluated anew each time, and so are the project files it imports (src/load/index.ts drops them
 * from the module cache after each evaluation), so an edited import counts too.
 */
export function watchMode({ configDir, outDir, compile }: WatchOptions): void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const reuse = new EmitMemo();
  const once = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void compile(reuse)
      .catch(reportFailure)
      .finally(() => {
        running = false;
        print('stdout', 'watching for changes (Ctrl-C to stop)...\n');
        if (again) {
          again = false;
          once();
        }
      });
  };
  // One non-recursive watcher per project folder (never generated/, node_modules or dot folders): a
  // recursive watcher would also scan the staging folder the writer creates and removes.
  const onChange = (dir: string) => (_event: string, file: string | Buffer | null) => {
    const name = file?.toString();
    // Only what a compile reads: the config and its imports, and template overrides.
    if (!name || (!/\.(m|c)?[jt]sx?$|\.json$/.test(name) && !/\.hbs$/.test(name))) return;
    if (resolve(dir, name).startsWith(outDir + sep)) return;
    clearTimeout(timer);
    timer = setTimeout(once, DEBOUNCE_MS);
  };
  const folders = (dir: string): string[] => [
    dir,
    ...readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => join(dir, e.name))
      .filter((d) => d !== outDir)
      .flatMap(folders),
  ];
  for (const dir of folders(configDir)) watch(dir, onChange(dir)).on('error', () => undefined);
  once();
}
