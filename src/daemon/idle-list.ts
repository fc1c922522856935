/**
 * IdleList: the daemon's idle connections (between requests, or not yet sent a byte) in the order
 * they became idle, so the oldest can be reclaimed when a new connection arrives at the limit.
 * Intrusive and doubly linked: adding and removing are O(1) and allocate nothing (hot path: every
 * keep-alive request leaves the list and joins it again).
 */

/** What a member carries: its neighbours and whether it is listed. */
export interface IdleLink<T> {
  idlePrev: T | null;
  idleNext: T | null;
  idleListed: boolean;
}

/** Oldest-first list of idle connections. */
export class IdleList<T extends IdleLink<T>> {
  private first: T | null = null;
  private last: T | null = null;
  /** Members listed now. */
  size = 0;

  /** Appends `item` as the newest (it must not be listed). */
  add(item: T): void {
    item.idlePrev = this.last;
    item.idleNext = null;
    if (this.last) this.last.idleNext = item;
    else this.first = item;
    this.last = item;
    item.idleListed = true;
    this.size++;
  }

  /** Unlinks `item` (it must be listed). */
  remove(item: T): void {
    const { idlePrev: prev, idleNext: next } = item;
    if (prev) prev.idleNext = next;
    else this.first = next;
    if (next) next.idlePrev = prev;
    else this.last = prev;
    item.idlePrev = item.idleNext = null;
    item.idleListed = false;
    this.size--;
  }

  /** The member idle the longest, or null. */
  oldest(): T | null {
    return this.first;
  }
}
