import assert from 'node:assert/strict';
import { it } from 'node:test';
import { paginate, paginateInOrder } from './pagination.js';

it('pages a list in its own order, token after token, and refuses a token it did not issue', () => {
  const newestFirst = ['e', 'd', 'c', 'b', 'a'];
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const { page, nextToken } = paginateInOrder(newestFirst, 2, token);
    assert.ok(page.length <= 2);
    seen.push(...page);
    token = nextToken;
  } while (token);
  assert.deepEqual(seen, newestFirst);
  // Its tokens are positions as `paginate` keys them: the same token works for both.
  const first = paginateInOrder(newestFirst, 2, undefined);
  assert.deepEqual(
    paginate(newestFirst, (x) => String(newestFirst.indexOf(x)).padStart(9, '0'), 2, first.nextToken).page,
    ['c', 'b'],
  );
  assert.throws(() => paginateInOrder(newestFirst, 2, 'not-a-token'), /Invalid NextToken/);
});
