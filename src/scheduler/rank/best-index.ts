/**
 * The candidates that rank best, kept up to date as one decision places its tasks, so that each
 * placement costs a few steps instead of a pass over every candidate.
 *
 * A candidate's score splits into two parts: an offset shared by its group (the candidates with
 * the same value of the one spread field that several of them share: placing a task moves the
 * whole group) and a local part of its own (binpack's remaining resources, a spread field whose
 * value it alone holds). Placing changes the local part of the chosen candidate and the offset of
 * its group, nothing else. Each group keeps its lowest local part and the candidates tied at it;
 * a tree over the groups keeps the lowest offset + local and how many candidates tie there, so a
 * tie anywhere in the fleet is broken with one draw, uniformly, as a full scan would.
 *
 * Unfeasible candidates have local part Infinity. Scores are exact integers (see lexicalScores),
 * so sums compare exactly.
 */
export class BestIndex {
  private readonly min: Float64Array;
  private readonly tied: Int32Array[];
  private readonly size: Int32Array;
  /** Where each candidate sits in its group's tied list, -1 when it is not tied. */
  private readonly pos: Int32Array;
  private readonly members: Int32Array[];
  private readonly leaves: number;
  private readonly best: Float64Array;
  private readonly ties: Float64Array;

  constructor(
    private readonly local: Float64Array,
    private readonly group: Int32Array,
    private readonly offset: Float64Array,
  ) {
    const groups = offset.length;
    const counts = new Int32Array(groups);
    for (let c = 0; c < group.length; c++) counts[group[c] as number] = (counts[group[c] as number] as number) + 1;
    this.members = Array.from({ length: groups }, (_, g) => new Int32Array(counts[g] as number));
    const fill = new Int32Array(groups);
    for (let c = 0; c < group.length; c++) {
      const g = group[c] as number;
      (this.members[g] as Int32Array)[fill[g] as number] = c;
      fill[g] = (fill[g] as number) + 1;
    }
    this.min = new Float64Array(groups);
    this.tied = this.members.map((m) => new Int32Array(m.length));
    this.size = new Int32Array(groups);
    this.pos = new Int32Array(group.length).fill(-1);
    let leaves = 1;
    while (leaves < groups) leaves *= 2;
    this.leaves = leaves;
    this.best = new Float64Array(2 * leaves).fill(Infinity);
    this.ties = new Float64Array(2 * leaves);
    for (let g = 0; g < groups; g++) {
      this.rescan(g);
      this.best[leaves + g] = this.leafScore(g);
      this.ties[leaves + g] = this.size[g] as number;
    }
    for (let i = leaves - 1; i >= 1; i--) this.pull(i);
  }

  /** One of the best candidates, each with the same chance; -1 when none is feasible. */
  pick(rng: () => number): number {
    if (this.best[1] === Infinity) return -1;
    const total = this.ties[1] as number;
    let r = total > 1 ? Math.min(total - 1, Math.floor(rng() * total)) : 0;
    let i = 1;
    const target = this.best[1] as number;
    while (i < this.leaves) {
      const left = 2 * i;
      if (this.best[left] === target) {
        if (r < (this.ties[left] as number)) {
          i = left;
          continue;
        }
        r -= this.ties[left] as number;
      }
      i = left + 1;
    }
    return (this.tied[i - this.leaves] as Int32Array)[r] as number;
  }

  /** How many candidates tie for best. */
  tieCount(): number {
    return this.best[1] === Infinity ? 0 : (this.ties[1] as number);
  }

  localOf(c: number): number {
    return this.local[c] as number;
  }

  /** Candidate `c` now has local part `value` (Infinity once it no longer fits). */
  setLocal(c: number, value: number): void {
    const g = this.group[c] as number;
    const min = this.min[g] as number;
    this.local[c] = value;
    if (value < min) {
      this.clear(g);
      this.min[g] = value;
      this.add(g, c);
    } else if (value === min) {
      if ((this.pos[c] as number) < 0) this.add(g, c);
    } else if ((this.pos[c] as number) >= 0) {
      this.remove(g, c);
      if (this.size[g] === 0) this.rescan(g);
    }
    this.update(g);
  }

  /** Every candidate of group `g` moves by `delta`. */
  addOffset(g: number, delta: number): void {
    this.offset[g] = (this.offset[g] as number) + delta;
    this.update(g);
  }

  private leafScore(g: number): number {
    const min = this.min[g] as number;
    return min === Infinity ? Infinity : (this.offset[g] as number) + min;
  }

  private update(g: number): void {
    let i = this.leaves + g;
    this.best[i] = this.leafScore(g);
    this.ties[i] = this.size[g] as number;
    for (i >>= 1; i >= 1; i >>= 1) this.pull(i);
  }

  private pull(i: number): void {
    const a = this.best[2 * i] as number;
    const b = this.best[2 * i + 1] as number;
    if (a < b) {
      this.best[i] = a;
      this.ties[i] = this.ties[2 * i] as number;
    } else if (b < a) {
      this.best[i] = b;
      this.ties[i] = this.ties[2 * i + 1] as number;
    } else {
      this.best[i] = a;
      this.ties[i] = a === Infinity ? 0 : (this.ties[2 * i] as number) + (this.ties[2 * i + 1] as number);
    }
  }

  /** The group's lowest local part and its tied candidates, from scratch. */
  private rescan(g: number): void {
    this.clear(g);
    let min = Infinity;
    const members = this.members[g] as Int32Array;
    for (let k = 0; k < members.length; k++) {
      const v = this.local[members[k] as number] as number;
      if (v < min) min = v;
    }
    this.min[g] = min;
    if (min === Infinity) return;
    for (let k = 0; k < members.length; k++) {
      const c = members[k] as number;
      if (this.local[c] === min) this.add(g, c);
    }
  }

  private add(g: number, c: number): void {
    const n = this.size[g] as number;
    (this.tied[g] as Int32Array)[n] = c;
    this.pos[c] = n;
    this.size[g] = n + 1;
  }

  private remove(g: number, c: number): void {
    const list = this.tied[g] as Int32Array;
    const at = this.pos[c] as number;
    const last = (this.size[g] as number) - 1;
    const moved = list[last] as number;
    list[at] = moved;
    this.pos[moved] = at;
    this.pos[c] = -1;
    this.size[g] = last;
  }

  private clear(g: number): void {
    const list = this.tied[g] as Int32Array;
    for (let k = 0; k < (this.size[g] as number); k++) this.pos[list[k] as number] = -1;
    this.size[g] = 0;
  }
}
