import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, lstatSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

/** A file the command line writes for the user, first under a temporary name in the same folder. */
export interface OutputFile {
  /** Where it ends up, absolute. */
  readonly path: string;
  /** Where it is written until `commit`; created empty, mode 0600. */
  readonly tempPath: string;
  /** Appends to the temporary file (synchronously, so a full disk is an exception here and not a stray 'error' event). */
  write(chunk: string): void;
  /** Closes the temporary file, for another writer (SQLite) to open it by its path; `commit` closes it too. */
  close(): void;
  /** Gives the finished file its name; without `force`, fails if something took that name meanwhile. */
  commit(): void;
  /** Removes the temporary file (after a failure). */
  discard(): void;
}

/** One line about a failed file operation, e.g. `cannot write /x/out.csv: permission denied (EACCES)`. */
export function describeFileError(action: string, path: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const reason = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'ENOSPC' ? 'no space left on the device' : e.code === 'EROFS' ? 'read-only file system' : e.message;
  return `cannot ${action} ${path}: ${reason}${e.code ? ` (${e.code})` : ''}`;
}

/** Throws a CliError when `path` cannot take a new file: a folder, a missing folder, or an existing file without `force`. */
export function checkOutputPath(path: string, force: boolean): void {
  const absolute = resolve(path);
  // lstat: a symbolic link (even a dangling one) is something in the way, not a door to its target.
  const existing = lstatSync(absolute, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new CliError(`${absolute} is a folder; name a file in it instead`);
  if (existing && !force) throw new CliError(`${absolute} already exists; choose another name or add --force to replace it`);
  const folder = statSync(dirname(absolute), { throwIfNoEntry: false });
  if (!folder?.isDirectory()) throw new CliError(`folder ${dirname(absolute)} does not exist`);
}

function linkOrRename(from: string, to: string): void {
  try {
    linkSync(from, to);
    unlinkSync(from);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some file systems (FAT, some network shares) have no hard links: check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if (lstatSync(to, { throwIfNoEntry: false })) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    renameSync(from, to);
  }
}

/**
 * Creates the output under a temporary name (flag `wx`: O_EXCL, never through a symbolic link; mode
 * 0600, as exports and backups hold every field), so a failed run never leaves half a file under
 * the name the user gave, and an existing file is replaced only with `force` (and then atomically).
 */
export function createOutputFile(path: string, opts: { force: boolean }): OutputFile {
  checkOutputPath(path, opts.force);
  const absolute = resolve(path);
  const tempPath = join(dirname(absolute), `.${basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null;
  try {
    fd = openSync(tempPath, 'wx', 0o600);
  } catch (error) {
    throw new CliError(describeFileError('write', absolute, error));
  }
  // Closed once only: a second close could hit a descriptor the process has reused meanwhile.
  const close = () => {
    const open = fd;
    fd = null;
    if (open !== null) closeSync(open);
  };
  const write = (chunk: string) => {
    if (fd === null) throw new Error(`${absolute} is already closed`);
    const bytes = Buffer.from(chunk);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    } catch (error) {
      throw new CliError(describeFileError('write', absolute, error));
    }
  };
  let committed = false;
  const discard = () => {
    if (committed) return;
    try {
      close();
    } catch {
      // the descriptor is gone either way
    }
    try {
      unlinkSync(tempPath);
    } catch {
      // never created
    }
  };
  const commit = () => {
    try {
      close();
      if (opts.force) renameSync(tempPath, absolute);
      else {
        // link() fails with EEXIST instead of replacing: the no-overwrite promise holds even against a file created meanwhile.
        linkOrRename(tempPath, absolute);
      }
      committed = true;
    } catch (error) {
      discard();
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${absolute} already exists; choose another name or add --force to replace it`);
      throw new CliError(describeFileError('write', absolute, error));
    }
  };
  return { path: absolute, tempPath, write, close, commit, discard };
}
