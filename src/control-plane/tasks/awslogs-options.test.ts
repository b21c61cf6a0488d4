import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awslogsOptionsError, logConfigurationError, parseBool } from './awslogs-options.js';

const group = { 'awslogs-group': '/ecs/web' };

describe('awslogs options', () => {
  it('accepts what ECS and Docker accept', () => {
    assert.equal(awslogsOptionsError({ ...group }), undefined);
    assert.equal(
      awslogsOptionsError({
        ...group,
        'awslogs-region': 'us-east-1',
        'awslogs-stream-prefix': 'web',
        'awslogs-create-group': 'True',
        mode: 'non-blocking',
        'max-buffer-size': '25m',
        'awslogs-datetime-format': '%Y-%m-%d',
      }),
      undefined,
    );
    assert.equal(awslogsOptionsError({ ...group, mode: 'blocking' }), undefined);
  });

  it('refuses in Docker’s words', () => {
    const cases: [Record<string, string>, string][] = [
      [{ ...group, mode: 'fast' }, 'logger: logging mode not supported: fast'],
      [
        { ...group, 'max-buffer-size': '4m' },
        "logger: max-buffer-size option is only supported with 'mode=non-blocking'",
      ],
      [
        { ...group, mode: 'non-blocking', 'max-buffer-size': 'lots' },
        "error parsing option max-buffer-size: invalid size: 'lots'",
      ],
      [{ ...group, 'awslogs-colour': 'red' }, "unknown log opt 'awslogs-colour' for awslogs log driver"],
      [{ 'awslogs-region': 'us-east-1' }, "must specify a value for log opt 'awslogs-group'"],
      [
        { ...group, 'awslogs-create-group': 'yes' },
        `must specify valid value for log opt 'awslogs-create-group': strconv.ParseBool: parsing "yes": invalid syntax`,
      ],
      [
        { ...group, 'awslogs-max-buffered-events': '0' },
        "must specify a positive integer for log opt 'awslogs-max-buffered-events': 0",
      ],
      [
        { ...group, 'awslogs-datetime-format': '%Y', 'awslogs-multiline-pattern': '^x' },
        "you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time",
      ],
      [{ ...group, 'awslogs-format': 'xml' }, "unsupported log format 'xml'"],
    ];
    for (const [options, message] of cases) assert.equal(awslogsOptionsError(options), message);
    assert.match(awslogsOptionsError({ ...group, 'awslogs-multiline-pattern': '(' }) ?? '', /multiline pattern/);
  });

  it('checks only awslogs containers, first failure first', () => {
    assert.equal(
      logConfigurationError([
        { name: 'a', logConfiguration: { logDriver: 'json-file', options: { anything: '1' } } },
        { name: 'b' },
        { name: 'c', logConfiguration: { logDriver: 'awslogs', options: { ...group, mode: 'x' } } },
      ]),
      'logger: logging mode not supported: x',
    );
    assert.equal(logConfigurationError([{ name: 'a' }]), undefined);
  });

  it('parses booleans as Go does', () => {
    assert.equal(parseBool('1'), true);
    assert.equal(parseBool('FALSE'), false);
    assert.equal(parseBool('yes'), undefined);
  });
});
