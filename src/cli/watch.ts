/** `cdc-compile --watch`: loaded only when asked for, so a plain compile loads no child_process or fs.watch. */
import { spawn } from 'node:child_process';
import { readdirSync, watch } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export interface WatchOptions {
  readonly cwd: string;
  /** The folder of the config: watched with its subfolders (not outDir, node_modules or dot folders). */
  readonly configDir: string;
  readonly outDir: string;
  /** The command line without --watch, for each recompile. */
  readonly childArgs: readonly string[];
}

/** Recompiles in a fresh process on every change, so edited imports of the config are read again too. */
export function watchMode({ cwd, configDir, outDir, childArgs }: WatchOptions): void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const once = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'compile', ...childArgs], {
      cwd,
      stdio: 'inherit',
    });
    child.on('exit', () => {
      running = false;
      process.stdout.write('watching for changes (Ctrl-C to stop)...\n');
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
    timer = setTimeout(once, 100);
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
