import { BestIndex } from './best-index.js';
import { BINPACK_CPU, BINPACK_MEMORY, RANDOM, type SpreadColumn } from './score.js';

/** What one decision asks of every candidate, and the columns it places into. */
export interface IndexInput {
  kinds: Int8Array;
  /** lexicalScores' result, or undefined when the strategies start with random (or are none). */
  scores: { score: Float64Array; weights: Float64Array } | undefined;
  spreads: readonly SpreadColumn[];
  cpuLeft: Float64Array;
  memLeft: Float64Array;
  cpu: number;
  memory: number;
}

/**
 * The lexical scores as a BestIndex: the candidates grouped by the value of the one spread field
 * whose values several of them share (none: one group), each group's offset that field's count
 * times its weight, the rest of a score local to its candidate. Undefined when two fields' values
 * are shared (placing would then move many groups at once, and a scan is as cheap).
 */
export class ScoreIndex {
  private constructor(
    private readonly index: BestIndex,
    private readonly groupOf: Int32Array,
    private readonly input: IndexInput,
    /** How a placement moves its candidate's local part, and its group's offset. */
    private readonly localStep: number,
    private readonly groupStep: number,
  ) {}

  static build(input: IndexInput): ScoreIndex | undefined {
    const { kinds, scores, spreads, cpuLeft, memLeft, cpu, memory } = input;
    const n = cpuLeft.length;
    const lead = kinds.indexOf(RANDOM) < 0 ? kinds.length : kinds.indexOf(RANDOM);
    if (lead > 0 && !scores) return undefined;
    let shared = -1;
    for (let i = 0; i < lead; i++) {
      if (kinds[i] === BINPACK_CPU || kinds[i] === BINPACK_MEMORY) continue;
      const sp = spreads[i] as SpreadColumn;
      const seen = new Uint8Array(sp.counts.length);
      let dup = false;
      for (let c = 0; c < n && !dup; c++) {
        const v = sp.of[c] as number;
        if (seen[v]) dup = true;
        seen[v] = 1;
      }
      if (!dup) continue;
      if (shared >= 0) return undefined;
      shared = i;
    }
    const weights = scores?.weights ?? new Float64Array(0);
    let localStep = 0;
    for (let i = 0; i < lead; i++) {
      const w = weights[i] as number;
      if (kinds[i] === BINPACK_CPU) localStep -= cpu * w;
      else if (kinds[i] === BINPACK_MEMORY) localStep -= memory * w;
      else if (i !== shared) localStep += w;
    }
    const sp = shared >= 0 ? (spreads[shared] as SpreadColumn) : undefined;
    const groupStep = sp ? (weights[shared] as number) : 0;
    const groupOf = sp ? sp.of : new Int32Array(n);
    const offset = new Float64Array(sp ? sp.counts.length : 1);
    if (sp) for (let g = 0; g < offset.length; g++) offset[g] = (sp.counts[g] as number) * groupStep;
    const local = new Float64Array(n);
    for (let c = 0; c < n; c++)
      local[c] =
        (cpuLeft[c] as number) < cpu || (memLeft[c] as number) < memory
          ? Infinity
          : (scores ? (scores.score[c] as number) : 0) - (offset[groupOf[c] as number] as number);
    return new ScoreIndex(new BestIndex(local, groupOf, offset), groupOf, input, localStep, groupStep);
  }

  pick(rng: () => number): number {
    return this.index.pick(rng);
  }

  /** One task landed on candidate `c` (its cpuLeft and memLeft already moved). */
  placed(c: number): void {
    const { cpuLeft, memLeft, cpu, memory } = this.input;
    const fits = (cpuLeft[c] as number) >= cpu && (memLeft[c] as number) >= memory;
    this.index.setLocal(c, fits ? this.index.localOf(c) + this.localStep : Infinity);
    if (this.groupStep !== 0) this.index.addOffset(this.groupOf[c] as number, this.groupStep);
  }
}
