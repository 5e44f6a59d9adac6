/** An entry a loop turn visits: a handle or timer record. */
interface Identified {
  readonly id: number;
}

/**
 * The entries one phase of a loop turn must look at (handles that may be ready, timeouts of
 * frequency 0), visited in id order, so a turn costs what is ready rather than what is
 * registered.
 *
 * An entry offered while a pass runs joins that pass when its id is still ahead of the one being
 * visited and existed when the pass began (a higher handle whose mask an earlier callback
 * changed fires in the same turn, as with a scan of every entry); otherwise it waits for the
 * next pass (an entry already passed, or added during the pass).
 * @internal
 */
export class TurnQueue<T extends Identified> {
  /** Entries for the next pass. */
  private readonly waiting = new Set<T>();
  /** The running pass: sorted by id; `passIndex` is the next one to visit. */
  private pass: T[] = [];
  private passIndex = 0;
  private passing = false;
  private lastVisitedId = 0;
  private passLastId = 0;

  /** Entries waiting for the next pass. */
  get size(): number {
    return this.waiting.size;
  }

  /** Makes sure `entry` is visited: in the running pass when it can be, else in the next. */
  offer(entry: T): void {
    if (this.passing && entry.id > this.lastVisitedId && entry.id <= this.passLastId) {
      this.insertIntoPass(entry);
      return;
    }
    this.waiting.add(entry);
  }

  /**
   * Forgets `entry` for the next pass. One already in the running pass is still visited, so
   * `visit` checks that it is live.
   */
  delete(entry: T): void {
    this.waiting.delete(entry);
  }

  /**
   * Visits the waiting entries in id order, including those offered during the pass with an id
   * ahead and `<= lastId`. `visit` returns true to keep the entry for the next pass.
   */
  run(lastId: number, visit: (entry: T) => boolean): void {
    if (this.waiting.size === 0) return;
    const pass = [...this.waiting];
    this.waiting.clear();
    // Sorting k entries, not scanning every registered one, is the point of this class.
    if (pass.length > 1) pass.sort((a, b) => a.id - b.id);
    this.pass = pass;
    this.passIndex = 0;
    this.passing = true;
    this.lastVisitedId = 0;
    this.passLastId = lastId;
    try {
      while (this.passIndex < this.pass.length) {
        const entry = this.pass[this.passIndex++];
        this.lastVisitedId = entry.id;
        if (entry.id > lastId) {
          this.waiting.add(entry);
          continue;
        }
        if (visit(entry)) this.waiting.add(entry);
      }
    } finally {
      // A throwing visit (it should not: callbacks are contained) must not lose entries.
      for (let i = this.passIndex; i < this.pass.length; i++) this.waiting.add(this.pass[i]);
      this.pass = [];
      this.passing = false;
    }
  }

  /** Inserts `entry` among the entries not yet visited, unless it is already there. */
  private insertIntoPass(entry: T): void {
    let lo = this.passIndex;
    let hi = this.pass.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pass[mid].id < entry.id) lo = mid + 1;
      else hi = mid;
    }
    if (this.pass[lo] === entry) return;
    this.pass.splice(lo, 0, entry);
  }
}
