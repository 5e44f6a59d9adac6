import { close, fsync, open as openCb, write } from "node:fs";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../common/logger.js";
import type { JsonValue } from "../domain/domain.js";
import { toFrozenJson } from "./json-value.js";
import { StateCorruptError, StateWriteError } from "./state-errors.js";
import { StateStoreBase } from "./state-store-base.js";

/** Marker of virtevent state files, checked when reading them back. */
export const STATE_FILE_FORMAT = "virtevent-state";
/** Version of the state file layout. */
export const STATE_FILE_VERSION = 1;
/** Mode of the state directory (created when missing) and of state files. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const TEMP_MARK = ".json.tmp-";

/** Options of {@link FileStateStore}. */
export interface FileStateStoreOptions {
  /** Directory of the state files, one `<domain uuid>.json` per domain. */
  dir: string;
  logger: Logger;
  /**
   * Also make every write survive a crash of the host (power loss, kernel panic): fsync the
   * temp file before the rename and the directory after it. Default `false`: a write survives
   * a crash or kill of the daemon (the renamed file is in the kernel's page cache), which is
   * what the state is for — it describes live QEMU processes and host devices, and neither
   * survives a host crash either. Costs about 0.3–1 ms of latency and ~2× the CPU per write.
   */
  fsync?: boolean;
}

interface PendingWrite {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

interface DomainWriter {
  inFlight: Promise<void> | undefined;
  /** Changes made since the in-flight write took its snapshot. */
  next: PendingWrite | undefined;
}

function pendingWrite(): PendingWrite {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A {@link StateStore} on disk that survives crashes of the daemon (RELIABILITY.md row 22): one
 * JSON file per domain, replaced atomically (write a temp file, rename it over the old one), so
 * a reader finds either the old or the new state, never a mix. A write resolves once the new
 * file is in place, so a killed daemon restarts from it. With `fsync: true` it also survives a
 * host crash (the temp file and the directory are fsynced); see {@link FileStateStoreOptions}.
 * Writes to one domain are serialized and coalesced: changes made while a write is in flight
 * go out together in the next one. `load()` deletes temp files left by a crash and sets
 * corrupt files aside as `*.corrupt` with a logged `StateCorruptError`, without failing.
 *
 * @example
 * const store = new FileStateStore({ dir: "/run/virtevent/state", logger });
 * await store.load();
 */
export class FileStateStore extends StateStoreBase {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly fsync: boolean;
  private readonly writers = new Map<string, DomainWriter>();
  private tempSeq = 0;

  constructor(options: FileStateStoreOptions) {
    super();
    this.dir = options.dir;
    this.logger = options.logger;
    this.fsync = options.fsync ?? false;
  }

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    this.data.clear();
    for (const name of (await readdir(this.dir)).sort()) {
      const file = join(this.dir, name);
      if (name.includes(TEMP_MARK)) {
        // A write the previous run never finished: the .json beside it is the good state.
        await unlink(file).then(
          () => this.logger.info({ file }, "removed a temp file left by an interrupted write"),
          (error: unknown) => this.logger.warn({ err: error, file }, "cannot remove a temp file"),
        );
      } else if (name.endsWith(".json")) {
        await this.loadFile(file, name.slice(0, -".json".length));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (let w = this.anyWriter(); w !== undefined; w = this.anyWriter()) {
      await Promise.allSettled([w.inFlight, w.next?.promise]);
    }
  }

  protected persist(domainUuid: string): Promise<void> {
    let writer = this.writers.get(domainUuid);
    if (writer === undefined) {
      writer = { inFlight: undefined, next: undefined };
      this.writers.set(domainUuid, writer);
    }
    writer.next ??= pendingWrite();
    const promise = writer.next.promise;
    if (writer.inFlight === undefined) this.startWrite(domainUuid, writer);
    return promise;
  }

  private anyWriter(): DomainWriter | undefined {
    return this.writers.values().next().value;
  }

  private startWrite(domainUuid: string, writer: DomainWriter): void {
    const batch = writer.next as PendingWrite;
    writer.next = undefined;
    const file = join(this.dir, `${domainUuid}.json`);
    // The snapshot is taken now, synchronously: later changes belong to the next batch.
    const entries = this.data.get(domainUuid);
    const text =
      entries === undefined
        ? undefined
        : `${JSON.stringify({
            format: STATE_FILE_FORMAT,
            version: STATE_FILE_VERSION,
            domain: domainUuid,
            entries: Object.fromEntries(entries),
          })}\n`;
    writer.inFlight = (text === undefined ? this.removeFile(file) : this.replaceFile(file, text))
      .then(
        () => batch.resolve(),
        (error: unknown) => {
          const wrapped = new StateWriteError(file, { cause: error });
          this.logger.error({ err: wrapped, uuid: domainUuid }, "state write failed");
          batch.reject(wrapped);
        },
      )
      .finally(() => {
        writer.inFlight = undefined;
        if (writer.next !== undefined) this.startWrite(domainUuid, writer);
        else this.writers.delete(domainUuid);
      });
  }

  private async replaceFile(file: string, text: string): Promise<void> {
    const temp = `${file.slice(0, -".json".length)}${TEMP_MARK}${process.pid}-${++this.tempSeq}`;
    try {
      await writeTempFile(temp, text, this.fsync);
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    if (this.fsync) await this.syncDir();
  }

  private async removeFile(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return;
    }
    if (this.fsync) await this.syncDir();
  }

  /** Makes the rename itself durable. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async loadFile(file: string, domainUuid: string): Promise<void> {
    try {
      const entries = parseStateFile(file, domainUuid, await readFile(file, "utf8"));
      this.data.set(domainUuid, entries);
    } catch (error) {
      const corrupt =
        error instanceof StateCorruptError
          ? error
          : new StateCorruptError(file, "unreadable", { cause: error });
      this.logger.error({ err: corrupt, file }, "state file set aside; starting without it");
      await rename(file, `${file}.corrupt`).catch(() => {});
    }
  }
}

/**
 * Creates `path` (mode 0600) holding `text`, fsynced when asked. Callback-based on purpose: one
 * promise per file instead of one per step and a FileHandle, which halves the CPU of a write.
 */
function writeTempFile(path: string, text: string, sync: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    openCb(path, "w", FILE_MODE, (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null) =>
        close(fd, (closeError) => {
          const failure = error ?? closeError;
          if (failure) reject(failure);
          else resolve();
        });
      const data = Buffer.from(text, "utf8");
      const writeFrom = (offset: number): void => {
        write(fd, data, offset, data.length - offset, null, (writeError, written) => {
          if (writeError) return finish(writeError);
          if (offset + written < data.length) return writeFrom(offset + written);
          if (sync) fsync(fd, finish);
          else finish(null);
        });
      };
      writeFrom(0);
    });
  });
}

/** Parses and checks one state file. @throws StateCorruptError */
function parseStateFile(file: string, domainUuid: string, text: string): Map<string, JsonValue> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new StateCorruptError(file, "not valid JSON", { cause: error });
  }
  const d = doc as Record<string, unknown>;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new StateCorruptError(file, "not a JSON object");
  }
  if (d.format !== STATE_FILE_FORMAT || d.version !== STATE_FILE_VERSION) {
    throw new StateCorruptError(
      file,
      `expected format ${STATE_FILE_FORMAT} version ${STATE_FILE_VERSION}`,
    );
  }
  if (d.domain !== domainUuid)
    throw new StateCorruptError(file, "domain does not match the file name");
  const entries = d.entries;
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) {
    throw new StateCorruptError(file, "entries is not an object");
  }
  const map = new Map<string, JsonValue>();
  for (const [key, value] of Object.entries(entries)) {
    try {
      map.set(key, toFrozenJson(domainUuid, key, value));
    } catch (error) {
      throw new StateCorruptError(file, `entry ${JSON.stringify(key)} is invalid`, {
        cause: error,
      });
    }
  }
  return map;
}
