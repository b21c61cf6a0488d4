import { startFuzzer } from './fuzz-harness.js';

/**
 * `npm run fuzz`: generated requests for every implemented operation, for FUZZ_SECONDS (default
 * 60) with seed FUZZ_SEED (default: the time). Prints requests, answers by status class, the 5xx
 * faults (501 NotImplemented aside) and the slowest request; exits 1 on any fault.
 */
const seconds = Number(process.env['FUZZ_SECONDS'] ?? 60);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const fz = await startFuzzer();
const ops = fz.services.reduce((n, s) => n + Object.keys(s.handlers).length, 0);
const report = await fz.run({ seconds, seed });
await fz.close();
const out = process.stdout;
out.write(`fuzz: seed ${seed}, ${seconds} s, ${ops} operations of ${fz.services.map((s) => s.id).join(', ')}\n`);
out.write(`requests: ${report.requests}\n`);
out.write(
  `answers: ${Object.entries(report.byStatusClass)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}\n`,
);
out.write(`5xx other than 501: ${report.faults.length}\n`);
for (const f of report.faults.slice(0, 20)) out.write(`  ${f.op} ${f.status} ${f.body}\n    input: ${f.input}\n`);
out.write(`slowest: ${report.slowest.op} ${report.slowest.ms.toFixed(1)} ms\n`);
process.exit(report.faults.length > 0 ? 1 : 0);
