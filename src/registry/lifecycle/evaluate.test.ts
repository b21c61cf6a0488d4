import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BerthError } from '../../kernel/errors.js';
import { evaluateLifecycle, selects, type LifecycleImage } from './evaluate.js';
import { parseLifecyclePolicy, type LifecycleRule } from './policy.js';

const DAY = 86_400_000;
const now = Date.UTC(2024, 5, 1);
const img = (digest: string, tags: string[], daysAgo: number, children: string[] = []): LifecycleImage => ({
  digest,
  tags,
  pushedAt: now - daysAgo * DAY,
  children,
});
const policy = (...rules: object[]) => parseLifecyclePolicy(JSON.stringify({ rules }));
const rule = (rulePriority: number, selection: object) => ({ rulePriority, selection, action: { type: 'expire' } });
const expired = (p: ReturnType<typeof policy>, images: LifecycleImage[]) =>
  evaluateLifecycle(p, images, now).map((e) => `${e.image.digest}@${e.rulePriority}`);

describe('lifecycle policy evaluation', () => {
  it('keeps the newest N and expires older ones first', () => {
    const images = [img('a', ['v1'], 5), img('b', ['v2'], 4), img('c', ['v3'], 3), img('d', ['v4'], 2)];
    assert.deepEqual(
      expired(policy(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 })), images),
      ['a@1', 'b@1'],
    );
  });

  it('expires by age', () => {
    const images = [img('old', [], 20), img('new', [], 3)];
    const p = policy(
      rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }),
    );
    assert.deepEqual(expired(p, images), ['old@1']);
  });

  it('never lets a lower-priority rule expire what a higher one selects', () => {
    // prod images are governed by rule 1 alone, even where rule 2 would expire them.
    const images = [
      img('p1', ['prod-1'], 1),
      img('p2', ['prod-2'], 2),
      img('p3', ['prod-3'], 3),
      img('u', [], 4),
      img('t', ['test'], 5),
    ];
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 2 }),
      rule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
    );
    assert.deepEqual(expired(p, images), ['t@2', 'u@2', 'p3@1']);
  });

  it('requires every prefix or pattern of a rule to match some tag', () => {
    const r = {
      rulePriority: 1,
      selection: {
        tagStatus: 'tagged',
        tagPatternList: ['prod*', '*-eu'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      },
      action: { type: 'expire' },
    } as LifecycleRule;
    assert.equal(selects(r, img('x', ['prod-1', 'web-eu'], 1)), true);
    assert.equal(selects(r, img('x', ['prod-1'], 1)), false);
    assert.equal(selects(r, img('x', [], 1)), false);
  });

  it('keeps images an index that stays still lists', () => {
    const images = [img('child', [], 10), img('index', ['v1'], 1, ['child'])];
    assert.deepEqual(
      expired(
        policy(rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })),
        images,
      ),
      [],
    );
  });

  it('refuses policies ECR refuses, saying why', () => {
    const bad: [object, RegExp][] = [
      [{ rules: [] }, /non-empty 'rules'/],
      [
        {
          rules: [
            rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
            rule(2, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
          ],
        },
        /'any' must have the highest/,
      ],
      [
        { rules: [rule(1, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 })] },
        /tagPrefixList or tagPatternList is required/,
      ],
      [
        { rules: [rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1 })] },
        /countUnit must be 'days'/,
      ],
      [
        { rules: [rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 0 })] },
        /countNumber must be a positive integer/,
      ],
      [
        {
          rules: [
            rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
            rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
          ],
        },
        /unique/,
      ],
      [
        {
          rules: [
            rule(1, {
              tagStatus: 'tagged',
              tagPatternList: ['a*b*c*d*e*f'],
              countType: 'imageCountMoreThan',
              countNumber: 1,
            }),
          ],
        },
        /more than four wildcards/,
      ],
    ];
    for (const [doc, why] of bad) {
      assert.throws(
        () => parseLifecyclePolicy(JSON.stringify(doc)),
        (e: unknown) => e instanceof BerthError && e.kind === 'InvalidParameter' && why.test(e.message),
        String(why),
      );
    }
  });

  it('expires each image at most once and never keeps fewer than a count rule asks for (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tags: fc.array(fc.constantFrom('prod-1', 'prod-2', 'dev', 'test'), { maxLength: 2 }),
            age: fc.integer({ min: 0, max: 60 }),
          }),
          { maxLength: 25 },
        ),
        fc.integer({ min: 1, max: 10 }),
        (specs, keep) => {
          const images = specs.map((s, i) => img(`d${i}`, [...new Set(s.tags)], s.age));
          const p = policy(
            rule(1, {
              tagStatus: 'tagged',
              tagPrefixList: ['prod'],
              countType: 'imageCountMoreThan',
              countNumber: keep,
            }),
            rule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
          );
          const out = evaluateLifecycle(p, images, now);
          assert.equal(new Set(out.map((e) => e.image.digest)).size, out.length);
          const prod = images.filter((i) => i.tags.some((t) => t.startsWith('prod')));
          const prodExpired = out.filter((e) => e.rulePriority === 1).length;
          assert.equal(prodExpired, Math.max(0, prod.length - keep));
          for (const e of out.filter((x) => x.rulePriority === 2)) assert.equal(e.image.tags.length, 0);
        },
      ),
    );
  });
});
